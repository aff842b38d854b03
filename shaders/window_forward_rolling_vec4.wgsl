// @include window_small_cells
// @requires float4_word from_word4 to_word4
// Forward max and average pooling over small 2-D windows (K_H, K_W ≤ 3, no
// dilation along H, each output row adding min(S_H, K_H) ≤ 2 rows to its
// window) for channels-last tensors whose channel count is a multiple of 4: one
// thread makes up to P.rows output rows of B_W outputs for 4 channels, top to
// bottom. Each input row is loaded once: an output row loads only the rows its
// window adds and carries the K_H - S_H rows (if any) it shares with the next
// one (their cells, or for max their rows' winners). A loop over output rows
// keeps the code small and each thread long: a software adapter runs straight-
// line code, one that outgrows the instruction cache costs more than the loads
// it saves, and a thread's setup costs as much as a few rows.
// Each window sees its taps in row-major order: the first maximum wins ties,
// the last NaN wins, padding never wins; average divides the in-order sum by
// PyTorch's divisor.

@group(0) @binding(1) var<storage, read> x4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> y4: array<float4_word>;
@group(0) @binding(3) var<storage, read_write> indices4: array<vec4<u32>>;

// The carried rows, top first: their cells (average) or, for max, each column
// bw's winner in them (index c · 2 + bw).
struct Carry {
  cells: array<Cells, 2>,
  best: array<Best, 4>,
}

// A window row into column bw's output: max takes the row's winner, average
// adds its taps in order.
fn fold_row(acc: ptr<function, Best>, sum: ptr<function, vec4<f32>>, cells: ptr<function, Cells>, row: Best, bw: u32) {
  if (MODE == MODE_MAX) {
    take(acc, row.v, row.s);
  } else {
    let q0 = bw * S_W;
    *sum += (*cells).v[q0];
    if (K_W > 1u) { *sum += (*cells).v[q0 + D_W]; }
    if (K_W > 2u) { *sum += (*cells).v[q0 + 2u * D_W]; }
  }
}

// Output (row oh, column ow0 + bw) from its window's rows: the carried ones and
// the S_H new ones (cells and, for max, winners); then the carry moves down.
fn make_output(carry: ptr<function, Carry>, new0: ptr<function, Cells>, new1: ptr<function, Cells>, best0: Best, best1: Best,
               bw: u32, top: i32, w0: i32, o: u32) {
  if (bw >= B_W) { return; }
  var acc: Best;
  acc.v = vec4<f32>(outside_value());
  acc.s = vec4<u32>(u32(first_tap(top, 1u)) * P.in_w + u32(first_tap(w0 + i32(bw * S_W), D_W)));
  var sum = vec4<f32>(0.0);
  if (carried() > 0u) { fold_row(&acc, &sum, &(*carry).cells[0], (*carry).best[bw], bw); }
  if (carried() > 1u) { fold_row(&acc, &sum, &(*carry).cells[1], (*carry).best[2u + bw], bw); }
  fold_row(&acc, &sum, new0, best0, bw);
  if (fresh() > 1u) { fold_row(&acc, &sum, new1, best1, bw); }
  if (MODE == MODE_AVG) {
    y4[o] = to_word4(sum / avg_divisor(vec3<i32>(0, top, w0 + i32(bw * S_W))));
  } else {
    y4[o] = to_word4(acc.v);
    if (INDICES) { indices4[o] = acc.s; }
  }
  // The next window starts S_H rows down: it carries this one's last rows.
  if (MODE == MODE_MAX) {
    if (carried() > 1u) {
      (*carry).best[bw] = (*carry).best[2u + bw];
      (*carry).best[2u + bw] = best0;
    } else if (carried() == 1u) {
      if (fresh() > 1u) { (*carry).best[bw] = best1; } else { (*carry).best[bw] = best0; }
    }
  }
}

// Loads row h as carried row c (before the first output row).
fn carry_row(carry: ptr<function, Carry>, c: u32, base: u32, groups: u32, h: i32, w0: i32) {
  let row_s = u32(h) * P.in_w;
  var cells = load_row(base, groups, row_s, inside(h, P.in_h), w0);
  (*carry).cells[c] = cells;
  (*carry).best[2u * c] = row_best(&cells, 0u, row_s, w0);
  if (B_W > 1u) { (*carry).best[2u * c + 1u] = row_best(&cells, 1u, row_s, w0); }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let blocks_w = P.out_w / B_W;
  let chunks = (P.out_h + P.rows - 1u) / P.rows;
  let c4 = i % groups;
  let rest = i / groups;
  let bx = rest % blocks_w;
  let rest2 = rest / blocks_w;
  let chunk = rest2 % chunks;
  let n = rest2 / chunks;
  let w0 = i32(bx * B_W * S_W) - P.pad_w;
  let base = n * in_plane() * groups + c4;
  let oh_begin = chunk * P.rows;
  let oh_end = min(oh_begin + P.rows, P.out_h);

  // The first window's top rows, carried into the loop.
  var carry: Carry;
  let first_top = i32(oh_begin * S_H) - P.pad_h;
  if (carried() > 0u) { carry_row(&carry, 0u, base, groups, first_top, w0); }
  if (carried() > 1u) { carry_row(&carry, 1u, base, groups, first_top + 1, w0); }

  var o = ((n * P.out_h + oh_begin) * P.out_w + bx * B_W) * groups + c4;
  for (var oh = oh_begin; oh < oh_end; oh++) {
    let top = i32(oh * S_H) - P.pad_h;
    let h0 = top + i32(carried());
    let s0 = u32(h0) * P.in_w;
    var new0 = load_row(base, groups, s0, inside(h0, P.in_h), w0);
    var new1: Cells;
    var s1 = 0u;
    if (fresh() > 1u) {
      s1 = u32(h0 + 1) * P.in_w;
      new1 = load_row(base, groups, s1, inside(h0 + 1, P.in_h), w0);
    }
    var best0: Best;
    var best1: Best;
    if (MODE == MODE_MAX) {
      best0 = row_best(&new0, 0u, s0, w0);
      if (fresh() > 1u) { best1 = row_best(&new1, 0u, s1, w0); }
    }
    make_output(&carry, &new0, &new1, best0, best1, 0u, top, w0, o);
    if (B_W > 1u) {
      if (MODE == MODE_MAX) {
        best0 = row_best(&new0, 1u, s0, w0);
        if (fresh() > 1u) { best1 = row_best(&new1, 1u, s1, w0); }
      }
      make_output(&carry, &new0, &new1, best0, best1, 1u, top, w0, o + groups);
    }
    // Average carries the cells of the window's last rows.
    if (MODE == MODE_AVG) {
      if (carried() > 1u) {
        carry.cells[0] = carry.cells[1];
        carry.cells[1] = new0;
      } else if (carried() == 1u) {
        if (fresh() > 1u) { carry.cells[0] = new1; } else { carry.cells[0] = new0; }
      }
    }
    o += P.out_w * groups;
  }
}

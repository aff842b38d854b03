// @include window_small_cells
// @requires float4_word from_word4 to_word4
// Forward max and average pooling over small windows (K_D, K_H, K_W ≤ 3) that
// overlap their neighbours (stride < window), for channels-last tensors whose
// channel count is a multiple of 4: one thread makes a B_H × B_W block of
// outputs for 4 channels. It loads each input cell of the block's region once
// and folds it into every window of the block that holds it, where the one-window
// kernel (window_forward_small_vec4.wgsl) would load a shared cell once per window:
// loads are what small windows cost. Cells are visited in row-major order, so
// each window still sees its taps in row-major order: the first maximum wins
// ties, the last NaN wins, padding never wins; average divides the in-order sum
// by PyTorch's divisor.
// Every cell and block slot is a call with literal arguments under guards of
// override constants, which fold away when the pipeline is made.

// Outputs per thread along H and W (1 or 2); the host picks them so they divide
// the output's height and width.
override B_H: u32 = 1u;
// Dilation along H (equal to the uniform's).
override D_H: u32 = 1u;

@group(0) @binding(1) var<storage, read> x4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> y4: array<float4_word>;
@group(0) @binding(3) var<storage, read_write> indices4: array<vec4<u32>>;

// The block's windows side by side: slot k is output (k / B_W, k % B_W) of the block.
struct Block {
  best: array<vec4<f32>, 4>,
  best_s: array<vec4<u32>, 4>,
  sum: array<vec4<f32>, 4>,
}

// Rows of input the block's windows span.
fn region_h() -> u32 { return (B_H - 1u) * S_H + (K_H - 1u) * D_H + 1u; }

// Whether offset `o` from a window's start is one of its `k` taps `dil` apart.
fn is_tap(o: u32, k: u32, dil: u32) -> bool { return o % dil == 0u && o / dil < k; }

// Max, slot k: folds row r's winner of its column where r is one of the window's
// rows. Rows arrive in order, so the fold of the rows' winners is the fold of
// the window in row-major order (ties to the earlier row, NaN to the later).
fn fold_row_best(b: ptr<function, Block>, k: u32, r: u32, row: Best) {
  let bh = k / B_W;
  if (k < B_H * B_W && r >= bh * S_H) {
    if (is_tap(r - bh * S_H, K_H, D_H)) {
      let t = (row.v > (*b).best[k]) | is_nan4(row.v);
      (*b).best[k] = select((*b).best[k], row.v, t);
      (*b).best_s[k] = select((*b).best_s[k], row.s, t);
    }
  }
}

// Average, slot k: adds cell (r, q) where it is one of the window's taps, in
// row-major order (PyTorch's order of the sum).
fn add_cell(b: ptr<function, Block>, k: u32, r: u32, q: u32, v: vec4<f32>) {
  let bh = k / B_W;
  let bw = k % B_W;
  if (k < B_H * B_W && r >= bh * S_H && q >= bw * S_W) {
    if (is_tap(r - bh * S_H, K_H, D_H) && is_tap(q - bw * S_W, K_W, D_W)) { (*b).sum[k] += v; }
  }
}

fn add_cells(b: ptr<function, Block>, cells: ptr<function, Cells>, r: u32, q: u32) {
  if (q < region_w()) {
    add_cell(b, 0u, r, q, (*cells).v[q]);
    add_cell(b, 1u, r, q, (*cells).v[q]);
    add_cell(b, 2u, r, q, (*cells).v[q]);
    add_cell(b, 3u, r, q, (*cells).v[q]);
  }
}

// Row r of the region (at most 5 cells: two windows of 3 taps, stride 2):
// loaded once, folded into every window of the block that holds it.
fn fold_region_row(b: ptr<function, Block>, base: u32, groups: u32, plane_s: u32, d_ok: bool, h0: i32, w0: i32, r: u32) {
  if (r >= region_h()) { return; }
  let h = h0 + i32(r);
  let row_ok = d_ok & inside(h, P.in_h);
  let row_s = (plane_s + u32(h)) * P.in_w;
  var cells = load_row(base, groups, row_s, row_ok, w0);
  if (MODE == MODE_MAX) {
    let left = row_best(&cells, 0u, row_s, w0);
    fold_row_best(b, 0u, r, left);
    if (B_W > 1u) {
      let right = row_best(&cells, 1u, row_s, w0);
      fold_row_best(b, 1u, r, right);
      fold_row_best(b, 2u, r, left);
      fold_row_best(b, 3u, r, right);
    } else {
      fold_row_best(b, 1u, r, left);
    }
  } else {
    add_cells(b, &cells, r, 0u);
    add_cells(b, &cells, r, 1u);
    add_cells(b, &cells, r, 2u);
    add_cells(b, &cells, r, 3u);
    add_cells(b, &cells, r, 4u);
  }
}

// The region's rows at depth d, in order.
fn fold_region(b: ptr<function, Block>, base: u32, groups: u32, d: i32, h0: i32, w0: i32) {
  let d_ok = inside(d, P.in_d);
  let plane_s = u32(d) * P.in_h;
  fold_region_row(b, base, groups, plane_s, d_ok, h0, w0, 0u);
  fold_region_row(b, base, groups, plane_s, d_ok, h0, w0, 1u);
  fold_region_row(b, base, groups, plane_s, d_ok, h0, w0, 2u);
  fold_region_row(b, base, groups, plane_s, d_ok, h0, w0, 3u);
  fold_region_row(b, base, groups, plane_s, d_ok, h0, w0, 4u);
}

// Slot k's window starts at (d0, h0 + bh·S_H, w0 + bw·S_W): its state starts at
// its first real tap (plane index), as max pooling's winner when all is -inf.
fn start_slot(b: ptr<function, Block>, k: u32, first_d: u32, h0: i32, w0: i32) {
  let h = first_tap(h0 + i32((k / B_W) * S_H), D_H);
  let w = first_tap(w0 + i32((k % B_W) * S_W), D_W);
  (*b).best[k] = vec4<f32>(outside_value());
  (*b).best_s[k] = vec4<u32>((first_d + u32(h)) * P.in_w + u32(w));
  (*b).sum[k] = vec4<f32>(0.0);
}

// Writes slot k to output row0 + bh·out_w + bw (a flat output cell), channels 4·c4 ….
fn write_slot(b: ptr<function, Block>, k: u32, row0: u32, groups: u32, c4: u32, start: vec3<i32>) {
  if (k < B_H * B_W) {
    let bh = k / B_W;
    let bw = k % B_W;
    let o = (row0 + bh * P.out_w + bw) * groups + c4;
    if (MODE == MODE_AVG) {
      y4[o] = to_word4((*b).sum[k] / avg_divisor(start + vec3<i32>(0, i32(bh * S_H), i32(bw * S_W))));
    } else {
      y4[o] = to_word4((*b).best[k]);
      if (INDICES) { indices4[o] = (*b).best_s[k]; }
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let blocks_w = P.out_w / B_W;
  let blocks_h = P.out_h / B_H;
  let c4 = i % groups;
  let rest = i / groups;
  let bx = rest % blocks_w;
  let rest2 = rest / blocks_w;
  let by = rest2 % blocks_h;
  let rest3 = rest2 / blocks_h;
  let od = rest3 % P.out_d;
  let n = rest3 / P.out_d;
  let oh0 = by * B_H;
  let ow0 = bx * B_W;
  let d0 = i32(od * P.stride_d) - P.pad_d;
  let h0 = i32(oh0 * P.stride_h) - P.pad_h;
  let w0 = i32(ow0 * P.stride_w) - P.pad_w;
  let base = n * in_plane() * groups + c4;

  // Fresh windows whose indices are their first real taps.
  var b: Block;
  let first_d = u32(first_tap(d0, P.dil_d)) * P.in_h;
  start_slot(&b, 0u, first_d, h0, w0);
  start_slot(&b, 1u, first_d, h0, w0);
  start_slot(&b, 2u, first_d, h0, w0);
  start_slot(&b, 3u, first_d, h0, w0);
  let dd = i32(P.dil_d);
  fold_region(&b, base, groups, d0, h0, w0);
  if (K_D > 1u) { fold_region(&b, base, groups, d0 + dd, h0, w0); }
  if (K_D > 2u) { fold_region(&b, base, groups, d0 + 2 * dd, h0, w0); }

  let row0 = ((n * P.out_d + od) * P.out_h + oh0) * P.out_w + ow0;
  write_slot(&b, 0u, row0, groups, c4, vec3<i32>(d0, h0, w0));
  write_slot(&b, 1u, row0, groups, c4, vec3<i32>(d0, h0, w0));
  write_slot(&b, 2u, row0, groups, c4, vec3<i32>(d0, h0, w0));
  write_slot(&b, 3u, row0, groups, c4, vec3<i32>(d0, h0, w0));
}

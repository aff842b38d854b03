// @include window_small_span window_small_pick
// @requires float4_word to_word4
// Forward max pooling, average pooling and stochastic pooling's training pick over
// small windows (K_D, K_H, K_W ≤ 3) for
// channels-first tensors whose input and output rows are whole vec4s: one thread
// makes 4 neighbouring outputs of a row, for up to P.rows rows (steps of B_H rows)
// top to bottom. For each window row it loads the NV
// vec4s that cover the 4 windows' columns once, and picks every tap out of them
// at an index the override constants fix, so the input is read with vector loads
// and no tap is loaded twice within a row. Same semantics as window_forward.wgsl
// (first maximum wins ties, last NaN wins, padding never wins; PyTorch's divisor;
// the stochastic pick as in window_forward_small_vec4.wgsl).

// Rows of 4 outputs per thread: 2 (max and average without dilation along H,
// overlapping windows, even output height) share the rows between them.
override B_H: u32 = 1u;

@group(0) @binding(1) var<storage, read> x4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> y4: array<float4_word>;
@group(0) @binding(3) var<storage, read_write> indices4: array<vec4<u32>>;

// The state of the 4 outputs (Window4), component j for output j.
alias Window = Window4;

// Folds element e of the span (column col0 + e of the row at plane index row_s)
// into output j as its tap t: max takes a greater value or a NaN.
fn fold_tap(win: ptr<function, Window4>, span: Span, j: u32, t: u32, e: u32, row_s: u32, col0: i32) {
  let s = row_s + u32(col0 + i32(e));
  let v = span_elem(span, e);
  if (MODE == MODE_MAX) {
    let take = (v > (*win).best[j]) | is_nan(v);
    (*win).best[j] = select((*win).best[j], v, take);
    (*win).best_s[j] = select((*win).best_s[j], s, take);
  } else if (MODE == MODE_STOCHASTIC) {
    let a = stochastic_weight(v);
    (*win).sum[j] += a;
    (*win).weight[t][j] = a;
    (*win).running[t][j] = (*win).sum[j];
    (*win).tap_s[t][j] = s;
    (*win).best[j] = select((*win).best[j], a, a > 0.0);
    (*win).best_s[j] = select((*win).best_s[j], s, a > 0.0);
  } else {
    (*win).sum[j] += v;
  }
}

// The K_W taps of output j in this row, taps t0, t0 + 1, … of its window.
fn fold_output(win: ptr<function, Window4>, span: Span, j: u32, t0: u32, row_s: u32, col0: i32) {
  let e = j * S_W + A_W;
  fold_tap(win, span, j, t0, e, row_s, col0);
  if (K_W > 1u) { fold_tap(win, span, j, t0 + 1u, e + D_W, row_s, col0); }
  if (K_W > 2u) { fold_tap(win, span, j, t0 + 2u, e + 2u * D_W, row_s, col0); }
}

// One window row's span (taps from t0) into all 4 outputs.
fn fold_span(win: ptr<function, Window4>, span: Span, t0: u32, row_s: u32, col0: i32) {
  fold_output(win, span, 0u, t0, row_s, col0);
  fold_output(win, span, 1u, t0, row_s, col0);
  fold_output(win, span, 2u, t0, row_s, col0);
  fold_output(win, span, 3u, t0, row_s, col0);
}

// One window row (depth d, height h; taps from t0) of all 4 outputs.
fn fold_row(win: ptr<function, Window4>, base4: u32, t0: u32, d: i32, h: i32, row_ok: bool, q0: i32, col0: i32) {
  let row = u32(d) * P.in_h + u32(h);
  let span = load_span(base4 + row * (P.in_w / 4u), q0, row_ok);
  fold_span(win, span, t0, row * P.in_w, col0);
}

// Max and average with B_H = 2 (no dilation along H): input row r of the two
// output rows' region (rows h0 … h0 + S_H + K_H - 1), loaded once and folded
// into each of the two rows of windows that holds it, in order.
fn fold_shared_row(top: ptr<function, Window4>, bottom: ptr<function, Window4>, base4: u32, t0: u32, d: i32, d_ok: bool, h0: i32, q0: i32, col0: i32, r: u32) {
  if (r >= S_H + K_H) { return; }
  let h = h0 + i32(r);
  let row = u32(d) * P.in_h + u32(h);
  let span = load_span(base4 + row * (P.in_w / 4u), q0, d_ok & inside(h, P.in_h));
  if (r < K_H) { fold_span(top, span, t0 + r * K_W, row * P.in_w, col0); }
  if (r >= S_H) { fold_span(bottom, span, t0 + (r - S_H) * K_W, row * P.in_w, col0); }
}

fn fold_plane(win: ptr<function, Window4>, base4: u32, t0: u32, d: i32, d_ok: bool, h0: i32, q0: i32, col0: i32) {
  let dh = i32(P.dil_h);
  fold_row(win, base4, t0, d, h0, d_ok & inside(h0, P.in_h), q0, col0);
  if (K_H > 1u) { fold_row(win, base4, t0 + K_W, d, h0 + dh, d_ok & inside(h0 + dh, P.in_h), q0, col0); }
  if (K_H > 2u) { fold_row(win, base4, t0 + 2u * K_W, d, h0 + 2 * dh, d_ok & inside(h0 + 2 * dh, P.in_h), q0, col0); }
}

// Every tap of the 4 windows whose first taps are at (d0, h0, w0 + j·S_W), in
// row-major order.
fn fold_windows(win: ptr<function, Window4>, base4: u32, d0: i32, h0: i32, w0: i32) {
  let col0 = w0 - i32(A_W);
  let q0 = col0 / 4; // exact: col0 is a multiple of 4
  let dd = i32(P.dil_d);
  fold_plane(win, base4, 0u, d0, inside(d0, P.in_d), h0, q0, col0);
  if (K_D > 1u) { fold_plane(win, base4, K_H * K_W, d0 + dd, inside(d0 + dd, P.in_d), h0, q0, col0); }
  if (K_D > 2u) { fold_plane(win, base4, 2u * K_H * K_W, d0 + 2 * dd, inside(d0 + 2 * dd, P.in_d), h0, q0, col0); }
}

// The windows of two rows of 4 outputs (B_H = 2), at depth plane d (taps from t0).
fn fold_plane_pair(top: ptr<function, Window4>, bottom: ptr<function, Window4>, base4: u32, t0: u32, d: i32, h0: i32, q0: i32, col0: i32) {
  let d_ok = inside(d, P.in_d);
  fold_shared_row(top, bottom, base4, t0, d, d_ok, h0, q0, col0, 0u);
  fold_shared_row(top, bottom, base4, t0, d, d_ok, h0, q0, col0, 1u);
  fold_shared_row(top, bottom, base4, t0, d, d_ok, h0, q0, col0, 2u);
  fold_shared_row(top, bottom, base4, t0, d, d_ok, h0, q0, col0, 3u);
  fold_shared_row(top, bottom, base4, t0, d, d_ok, h0, q0, col0, 4u);
}

fn fold_window_pairs(top: ptr<function, Window4>, bottom: ptr<function, Window4>, base4: u32, d0: i32, h0: i32, w0: i32) {
  let col0 = w0 - i32(A_W);
  let q0 = col0 / 4; // exact: col0 is a multiple of 4
  let dd = i32(P.dil_d);
  fold_plane_pair(top, bottom, base4, 0u, d0, h0, q0, col0);
  if (K_D > 1u) { fold_plane_pair(top, bottom, base4, K_H * K_W, d0 + dd, h0, q0, col0); }
  if (K_D > 2u) { fold_plane_pair(top, bottom, base4, 2u * K_H * K_W, d0 + 2 * dd, h0, q0, col0); }
}

// A fresh state for the 4 windows from (d0, h0, w0 + j·S_W), whose indices are
// the windows' first real taps.
fn fresh_windows(d0: i32, h0: i32, w0: i32) -> Window4 {
  let first_dh = (u32(first_tap(d0, P.dil_d)) * P.in_h + u32(first_tap(h0, P.dil_h))) * P.in_w;
  let s = i32(S_W);
  let first_w = vec4<i32>(first_tap(w0, D_W), first_tap(w0 + s, D_W), first_tap(w0 + 2 * s, D_W), first_tap(w0 + 3 * s, D_W));
  var win: Window4;
  win.best = vec4<f32>(outside_value());
  win.best_s = vec4<u32>(first_dh) + vec4<u32>(first_w);
  win.sum = vec4<f32>(0.0);
  return win;
}

// Max and average: the 4 outputs of windows from (d0, h0, w0 + j·S_W) to output vec4 o.
fn write_windows(win: ptr<function, Window4>, o: u32, d0: i32, h0: i32, w0: i32) {
  if (MODE == MODE_AVG) {
    let start = vec3<i32>(d0, h0, w0);
    let s = i32(S_W);
    let divisor = vec4<f32>(avg_divisor(start), avg_divisor(start + vec3<i32>(0, 0, s)),
                            avg_divisor(start + vec3<i32>(0, 0, 2 * s)), avg_divisor(start + vec3<i32>(0, 0, 3 * s)));
    y4[o] = to_word4((*win).sum / divisor);
  } else {
    y4[o] = to_word4((*win).best);
    if (INDICES) { indices4[o] = (*win).best_s; }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let quads = P.out_w / 4u;
  // The thread makes up to P.rows steps of B_H rows, top to bottom; (n, c) as one index.
  let col = column_of(i, 1u, P.out_d, P.out_h, quads, false, B_H);
  let ow4 = col.w;
  let od = col.d;
  let nc = col.n;
  let base4 = nc * (in_plane() / 4u);
  let d0 = i32(od * P.stride_d) - P.pad_d;
  // Column of output 4·ow4's first tap.
  let w0 = i32(ow4 * 4u * S_W) - P.pad_w;
  let oh_begin = col.h_begin;
  let oh_end = col.h_end;
  // Output vec4 of the thread's first row.
  var o = ((nc * P.out_d + od) * P.out_h + oh_begin) * quads + ow4;
  for (var oh = oh_begin; oh < oh_end; oh += B_H) {
    let h0 = i32(oh * P.stride_h) - P.pad_h;
    var win = fresh_windows(d0, h0, w0);
    if (B_H > 1u) {
      var bottom = fresh_windows(d0, h0 + i32(S_H), w0);
      fold_window_pairs(&win, &bottom, base4, d0, h0, w0);
      write_windows(&win, o, d0, h0, w0);
      write_windows(&bottom, o + quads, d0, h0 + i32(S_H), w0);
    } else {
      fold_windows(&win, base4, d0, h0, w0);
      if (MODE == MODE_STOCHASTIC) {
        // Each output's number, by its logical position (n, c, cell): 4 neighbouring cells.
        let index = vec4<u32>(nc * out_plane() + (od * P.out_h + oh) * P.out_w + 4u * ow4) + vec4<u32>(0u, 1u, 2u, 3u);
        // The pick, as in window_forward_small_vec4.wgsl.
        win.goal = unit24x4(pcg_hash4(vec4<u32>(P.seed_key) ^ (index + P.index_base))) * win.sum;
        pick_window(&win);
        y4[o] = to_word4(win.best);
        if (INDICES) { indices4[o] = win.best_s; }
      } else {
        write_windows(&win, o, d0, h0, w0);
      }
    }
    o += B_H * quads;
  }
}

// @include window_small
// @requires Acc gather_cell
// Shared by the small-window backward kernels (window_backward_small*.wgsl): the
// deterministic gather, where an input position collects from the outputs whose
// windows cover it. With dilation 1 there are at most M = ceil(K / S) of them per
// dimension; they are written out like the forward's taps and visited in
// ascending output order, the order of the general kernel.

override M_D: u32 = (K_D + S_D - 1u) / S_D;
override M_H: u32 = (K_H + S_H - 1u) / S_H;
override M_W: u32 = (K_W + S_W - 1u) / S_W;

// Output m, counted back from the last, along one dimension whose window covers
// input position pos: o = floor((pos + pad) / s) − m, which exists where
// 0 ≤ o < out and pos lies inside its window (pos + pad − o·s < k). Returns
// (o, 1) where it exists, (o, 0) where not.
fn cover(pos: u32, pad: i32, s: u32, k: u32, out: u32, m: u32) -> vec2<i32> {
  let t = i32(pos) + pad;
  let o = t / i32(s) - i32(m);
  let ok = (o >= 0) & (o < i32(out)) & (t - o * i32(s) < i32(k));
  return vec2<i32>(o, select(0, 1, ok));
}

// One dimension's factor of the average divisor of output o (0 where it does not exist);
// these kernels run without dilation.
fn cover_span(o: vec2<i32>, stride: u32, pad: i32, k: u32, size: u32, pad_after: i32) -> f32 {
  return select(0.0, divisor_span(o.x, stride, pad, k, 1u, size, pad_after), o.y != 0);
}

// The divisor of the output whose spans along D and H multiply to span_dh.
fn cover_divisor(span_dh: f32, ow: vec2<i32>) -> f32 {
  return select(span_dh * cover_span(ow, P.stride_w, P.pad_w, P.k_w, P.in_w, P.pad_after_w), P.divisor_override, P.divisor_override != 0.0);
}

// Gathers into acc from every output whose window covers input position
// (d, h, w), in ascending output order, through the kernel's
// gather_cell(acc, output plane index, exists, divisor) (divisor: average only).
fn gather_windows(acc: ptr<function, Acc>, d: u32, h: u32, w: u32) {
  if (M_D > 2u) { gather_plane(acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 2u), h, w); }
  if (M_D > 1u) { gather_plane(acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 1u), h, w); }
  gather_plane(acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 0u), h, w);
}

fn gather_plane(acc: ptr<function, Acc>, od: vec2<i32>, h: u32, w: u32) {
  let span_d = cover_span(od, P.stride_d, P.pad_d, P.k_d, P.in_d, P.pad_after_d);
  if (M_H > 2u) { gather_row(acc, od, cover(h, P.pad_h, S_H, K_H, P.out_h, 2u), w, span_d); }
  if (M_H > 1u) { gather_row(acc, od, cover(h, P.pad_h, S_H, K_H, P.out_h, 1u), w, span_d); }
  gather_row(acc, od, cover(h, P.pad_h, S_H, K_H, P.out_h, 0u), w, span_d);
}

fn gather_row(acc: ptr<function, Acc>, od: vec2<i32>, oh: vec2<i32>, w: u32, span_d: f32) {
  let span_dh = span_d * cover_span(oh, P.stride_h, P.pad_h, P.k_h, P.in_h, P.pad_after_h);
  let row = (u32(od.x) * P.out_h + u32(oh.x)) * P.out_w;
  let row_ok = (od.y & oh.y) != 0;
  if (M_W > 2u) { gather_col(acc, row, row_ok, span_dh, cover(w, P.pad_w, S_W, K_W, P.out_w, 2u)); }
  if (M_W > 1u) { gather_col(acc, row, row_ok, span_dh, cover(w, P.pad_w, S_W, K_W, P.out_w, 1u)); }
  gather_col(acc, row, row_ok, span_dh, cover(w, P.pad_w, S_W, K_W, P.out_w, 0u));
}

fn gather_col(acc: ptr<function, Acc>, row: u32, row_ok: bool, span_dh: f32, ow: vec2<i32>) {
  let divisor = select(1.0, cover_divisor(span_dh, ow), MODE == MODE_AVG);
  gather_cell(acc, row + u32(ow.x), row_ok & (ow.y != 0), divisor);
}

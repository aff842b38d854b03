// @include window_small_backward
// @requires Acc Grad gather_cell store_grad
// Shared by the rolling backward kernels of average pooling at stride 1 along H
// (window_backward_rolling*.wgsl; K_H ≤ 3, dilation 1). A thread walks down a
// column of inputs, as the gather (window_small_backward.wgsl) does, but at stride 1
// the output rows covering input row h are h + pad − m for m < K_H, so row h + 1
// shares K_H − 1 of them with row h: each output row's share of the column (its
// outputs covering the column along D and W, each over its divisor) is summed once
// and kept for the next K_H − 1 input rows. K_W loads per input instead of K_H · K_W.
// The terms are the gather's; they are added per output row, then over the rows in
// ascending order (another association than the gather's, within the sum tolerance).
// The kernel defines Grad (f32 or vec4<f32>), Acc { grad: Grad, … } starting at
// zero, gather_cell, and store_grad(col, s, g), which writes input s of the column.

// What output row oh (0 where it does not exist) gives input column (d, w).
fn row_sum(start: Acc, d: u32, oh: i32, w: u32) -> Grad {
  var acc = start;
  let row = vec2<i32>(oh, select(0, 1, (oh >= 0) & (oh < i32(P.out_h))));
  if (M_D > 2u) { row_part(&acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 2u), row, w); }
  if (M_D > 1u) { row_part(&acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 1u), row, w); }
  row_part(&acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 0u), row, w);
  return acc.grad;
}

fn row_part(acc: ptr<function, Acc>, od: vec2<i32>, oh: vec2<i32>, w: u32) {
  gather_row(acc, od, oh, w, cover_span(od, P.stride_d, P.pad_d, P.k_d, P.in_d, P.pad_after_d));
}

// Walks the thread's column down its rows [h_begin, h_end), rolling the output rows' shares.
fn roll_column(start: Acc, col: Column) {
  // The output rows that cover the first row besides its own (m = 1, 2).
  let top = i32(col.h_begin) + P.pad_h;
  var r2 = Grad();
  var r1 = Grad();
  if (K_H > 2u) { r2 = row_sum(start, col.d, top - 2, col.w); }
  if (K_H > 1u) { r1 = row_sum(start, col.d, top - 1, col.w); }
  var s_in = (col.d * P.in_h + col.h_begin) * P.in_w + col.w;
  for (var h = col.h_begin; h < col.h_end; h++) {
    let r0 = row_sum(start, col.d, i32(h) + P.pad_h, col.w);
    var g = r0;
    if (K_H > 2u) {
      g = r2 + r1 + r0;
    } else if (K_H > 1u) {
      g = r1 + r0;
    }
    store_grad(col, s_in, g);
    r2 = r1;
    r1 = r0;
    s_in += P.in_w;
  }
}

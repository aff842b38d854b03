// @include window_small_backward
// Backward average pooling over small windows at stride 1 along H (K_H ≤ 3,
// dilation 1), either layout, one element a thread: the rolling walk of
// window_backward_rolling_vec4.wgsl (each output row's share of an input column
// summed once and kept for the next K_H − 1 rows) on scalars, as
// window_backward_small.wgsl is the gather's.

// Average only: no indices.
@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad_in: array<f32>;

struct Acc {
  grad: f32,
  // Output (n, c, o) sits at base + o * step.
  base: u32,
  step: u32,
}

fn gather_cell(acc: ptr<function, Acc>, o: u32, ok: bool, divisor: f32) {
  let at = select(0u, (*acc).base + o * (*acc).step, ok);
  (*acc).grad += select(0.0, grad_out[at] / divisor, ok);
}

// What output row oh (0 where it does not exist) gives input column (d, w).
fn row_sum(base: u32, step: u32, d: u32, oh: i32, w: u32) -> f32 {
  var acc = Acc(0.0, base, step);
  let row = vec2<i32>(oh, select(0, 1, (oh >= 0) & (oh < i32(P.out_h))));
  if (M_D > 2u) { row_part(&acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 2u), row, w); }
  if (M_D > 1u) { row_part(&acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 1u), row, w); }
  row_part(&acc, cover(d, P.pad_d, S_D, K_D, P.out_d, 0u), row, w);
  return acc.grad;
}

fn row_part(acc: ptr<function, Acc>, od: vec2<i32>, oh: vec2<i32>, w: u32) {
  gather_row(acc, od, oh, w, cover_span(od, P.stride_d, P.pad_d, P.k_d, P.in_d, P.pad_after_d));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let col = column_of(i, P.channels, P.in_d, P.in_h, P.in_w, CHANNELS_LAST, 1u);
  let step = select(1u, P.channels, CHANNELS_LAST);
  let base = offset_of(col.n, col.c, 0u, P.channels, out_plane());
  let top = i32(col.h_begin) + P.pad_h;
  var r2 = 0.0;
  var r1 = 0.0;
  if (K_H > 2u) { r2 = row_sum(base, step, col.d, top - 2, col.w); }
  if (K_H > 1u) { r1 = row_sum(base, step, col.d, top - 1, col.w); }
  var s_in = (col.d * P.in_h + col.h_begin) * P.in_w + col.w;
  for (var h = col.h_begin; h < col.h_end; h++) {
    let r0 = row_sum(base, step, col.d, i32(h) + P.pad_h, col.w);
    var g = r0;
    if (K_H > 2u) {
      g = r2 + r1 + r0;
    } else if (K_H > 1u) {
      g = r1 + r0;
    }
    grad_in[offset_of(col.n, col.c, s_in, P.channels, in_plane())] = g;
    r2 = r1;
    r1 = r0;
    s_in += P.in_w;
  }
}

// @include window_small_backward
// @requires float4_word from_word4 to_word4
// Backward average pooling over small windows at stride 1 along H (K_H ≤ 3,
// dilation 1) for channels-last tensors whose channel count is a multiple of 4:
// one thread per column of input positions and 4 channels walks down up to P.rows
// rows, as window_backward_small_vec4.wgsl does, but rolls. At stride 1 the output
// rows covering input row h are h + pad − m for m < K_H, so row h + 1 shares K_H − 1
// of them with row h: each output row's contribution (its covering outputs along D
// and W over their divisors) is summed once and kept for the next K_H − 1 input
// rows. M_W loads per input vec4 instead of M_H · M_W (3 against 9 at 3 × 3).
// The terms are the gather's; they are added per output row, then over the rows in
// ascending order (another association than the gather's, within the sum tolerance).

// Average only: no indices.
@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> grad_in4: array<float4_word>;

struct Acc {
  grad: vec4<f32>,
  // The first output vec4 of this (n, channel group).
  base: u32,
  groups: u32,
}

fn gather_cell(acc: ptr<function, Acc>, o: u32, ok: bool, divisor: f32) {
  let at = select(0u, (*acc).base + o * (*acc).groups, ok);
  (*acc).grad += select(vec4<f32>(0.0), from_word4(grad_out4[at]) / divisor, vec4<bool>(ok));
}

// What output row oh (0 where it does not exist) gives input column (d, w): its
// outputs covering (d, w) along D and W, each over its divisor.
fn row_sum(base: u32, groups: u32, d: u32, oh: i32, w: u32) -> vec4<f32> {
  var acc = Acc(vec4<f32>(0.0), base, groups);
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
  let groups = P.channels / 4u;
  let col = column_of(i, groups, P.in_d, P.in_h, P.in_w, true, 1u);
  let base = col.n * out_plane() * groups + col.c;
  // The output rows that cover the first row besides its own (m = 1, 2).
  let top = i32(col.h_begin) + P.pad_h;
  var r2 = vec4<f32>(0.0);
  var r1 = vec4<f32>(0.0);
  if (K_H > 2u) { r2 = row_sum(base, groups, col.d, top - 2, col.w); }
  if (K_H > 1u) { r1 = row_sum(base, groups, col.d, top - 1, col.w); }
  var s_in = (col.d * P.in_h + col.h_begin) * P.in_w + col.w;
  for (var h = col.h_begin; h < col.h_end; h++) {
    let r0 = row_sum(base, groups, col.d, i32(h) + P.pad_h, col.w);
    var g = r0;
    if (K_H > 2u) {
      g = r2 + r1 + r0;
    } else if (K_H > 1u) {
      g = r1 + r0;
    }
    grad_in4[(col.n * in_plane() + s_in) * groups + col.c] = to_word4(g);
    r2 = r1;
    r1 = r0;
    s_in += P.in_w;
  }
}

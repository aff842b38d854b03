// @include window_rolling_backward
// @requires float4_word from_word4 to_word4
// Backward average pooling over small windows at stride 1 along H (K_H ≤ 3,
// dilation 1) for channels-last tensors whose channel count is a multiple of 4:
// the rolling walk (window_rolling_backward.wgsl) for 4 channels a thread, with
// vector loads, as window_backward_small_vec4.wgsl is the gather's.

// Average only: no indices.
@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> grad_in4: array<float4_word>;

alias Grad = vec4<f32>;

struct Acc {
  grad: Grad,
  // The first output vec4 of this (n, channel group).
  base: u32,
  groups: u32,
}

fn gather_cell(acc: ptr<function, Acc>, o: u32, ok: bool, divisor: f32) {
  let at = select(0u, (*acc).base + o * (*acc).groups, ok);
  (*acc).grad += select(vec4<f32>(0.0), from_word4(grad_out4[at]) / divisor, vec4<bool>(ok));
}

fn store_grad(col: Column, s: u32, g: Grad) {
  grad_in4[(col.n * in_plane() + s) * (P.channels / 4u) + col.c] = to_word4(g);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let col = column_of(i, groups, P.in_d, P.in_h, P.in_w, true, 1u);
  roll_column(Acc(vec4<f32>(0.0), col.n * out_plane() * groups + col.c, groups), col);
}

// @include window_rolling_backward
// Backward average pooling over small windows at stride 1 along H (K_H ≤ 3,
// dilation 1), either layout, one element a thread: the rolling walk
// (window_rolling_backward.wgsl) on scalars.

// Average only: no indices.
@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad_in: array<f32>;

alias Grad = f32;

struct Acc {
  grad: Grad,
  // Output (n, c, o) sits at base + o * step.
  base: u32,
  step: u32,
}

fn gather_cell(acc: ptr<function, Acc>, o: u32, ok: bool, divisor: f32) {
  let at = select(0u, (*acc).base + o * (*acc).step, ok);
  (*acc).grad += select(0.0, grad_out[at] / divisor, ok);
}

fn store_grad(col: Column, s: u32, g: Grad) {
  grad_in[offset_of(col.n, col.c, s, P.channels, in_plane())] = g;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let col = column_of(i, P.channels, P.in_d, P.in_h, P.in_w, CHANNELS_LAST, 1u);
  let step = select(1u, P.channels, CHANNELS_LAST);
  roll_column(Acc(0.0, offset_of(col.n, col.c, 0u, P.channels, out_plane()), step), col);
}

// Backward max and average pooling over small windows (K ≤ 3 per dimension,
// dilation 1), either layout: one thread per input element gathers from the
// covering outputs (window_small_backward.wgsl).
// Prepended by the host: common.wgsl, window_params.wgsl, window_small.wgsl,
// window_small_backward.wgsl.

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
// Max: the forward's indices. Avg: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> grad_in: array<f32>;

struct Acc {
  grad: f32,
  // Output (n, c, o) sits at base + o * step; the input's plane index.
  base: u32,
  step: u32,
  s_in: u32,
}

fn gather_cell(acc: ptr<function, Acc>, o: u32, ok: bool, divisor: f32) {
  let at = select(0u, (*acc).base + o * (*acc).step, ok);
  let g = grad_out[at];
  if (MODE == 0u) {
    (*acc).grad += select(0.0, g, ok & (saved_indices[at] == (*acc).s_in));
  } else {
    (*acc).grad += select(0.0, g / divisor, ok);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let at = coords_of(i, P.channels, in_plane());
  let s_in = at.z;
  let step = select(1u, P.channels, CHANNELS_LAST);
  var acc = Acc(0.0, offset_of(at.x, at.y, 0u, P.channels, out_plane()), step, s_in);
  gather_windows(&acc, s_in / (P.in_w * P.in_h), (s_in / P.in_w) % P.in_h, s_in % P.in_w);
  grad_in[i] = acc.grad;
}

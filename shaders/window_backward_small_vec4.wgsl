// Backward max and average pooling over small windows (K ≤ 3 per dimension,
// dilation 1) for channels-last tensors whose channel count is a multiple of 4:
// one thread per input position and 4 channels gathers from the covering
// outputs (window_small_backward.wgsl), with vector loads.
// Prepended by the host: common.wgsl, window_params.wgsl, window_small.wgsl,
// window_small_backward.wgsl.

@group(0) @binding(1) var<storage, read> grad_out4: array<vec4<f32>>;
// Max: the forward's indices. Avg: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<vec4<f32>>;

struct Acc {
  grad: vec4<f32>,
  // The first output vec4 of this (n, channel group), and the input's plane index.
  base: u32,
  groups: u32,
  s_in: u32,
}

fn gather_cell(acc: ptr<function, Acc>, o: u32, ok: bool, divisor: f32) {
  let at = select(0u, (*acc).base + o * (*acc).groups, ok);
  let g = grad_out4[at];
  if (MODE == 0u) {
    (*acc).grad += select(vec4<f32>(0.0), g, vec4<bool>(ok) & (saved_indices4[at] == vec4<u32>((*acc).s_in)));
  } else {
    (*acc).grad += select(vec4<f32>(0.0), g / divisor, vec4<bool>(ok));
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let rest = i / groups;
  let s_in = rest % in_plane();
  let n = rest / in_plane();
  var acc = Acc(vec4<f32>(0.0), n * out_plane() * groups + i % groups, groups, s_in);
  gather_windows(&acc, s_in / (P.in_w * P.in_h), (s_in / P.in_w) % P.in_h, s_in % P.in_w);
  grad_in4[i] = acc.grad;
}

// Backward max and average pooling over small windows (K ≤ 3 per dimension,
// dilation 1) for channels-last tensors whose channel count is a multiple of 4:
// each input position gathers for 4 channels from the covering outputs
// (window_small_backward.wgsl), with vector loads; one thread per column of
// input positions makes up to P.rows of its rows top to bottom.
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
  // The thread's column of input positions (n, d, w) for 4 channels and its run
  // of up to P.rows rows.
  let groups = P.channels / 4u;
  let chunks = (P.in_h + P.rows - 1u) / P.rows;
  let c4 = i % groups;
  let rest = i / groups;
  let w = rest % P.in_w;
  let rest2 = rest / P.in_w;
  let chunk = rest2 % chunks;
  let rest3 = rest2 / chunks;
  let d = rest3 % P.in_d;
  let n = rest3 / P.in_d;
  let h_begin = chunk * P.rows;
  let h_end = min(h_begin + P.rows, P.in_h);
  var s_in = (d * P.in_h + h_begin) * P.in_w + w;
  for (var h = h_begin; h < h_end; h++) {
    var acc = Acc(vec4<f32>(0.0), n * out_plane() * groups + c4, groups, s_in);
    gather_windows(&acc, d, h, w);
    grad_in4[(n * in_plane() + s_in) * groups + c4] = acc.grad;
    s_in += P.in_w;
  }
}

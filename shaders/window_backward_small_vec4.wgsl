// @include window_small_backward
// @requires float4_word from_word4 to_word4
// Backward max and average pooling over small windows (K ≤ 3 per dimension,
// dilation 1) for channels-last tensors whose channel count is a multiple of 4:
// each input position gathers for 4 channels from the covering outputs
// (window_small_backward.wgsl), with vector loads; one thread per column of
// input positions makes up to P.rows of its rows top to bottom.

@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
// Max: the forward's indices. Avg: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<float4_word>;

struct Acc {
  grad: vec4<f32>,
  // The first output vec4 of this (n, channel group), and the input's plane index.
  base: u32,
  groups: u32,
  s_in: u32,
}

fn gather_cell(acc: ptr<function, Acc>, o: u32, ok: bool, divisor: f32) {
  let at = select(0u, (*acc).base + o * (*acc).groups, ok);
  let g = from_word4(grad_out4[at]);
  if (MODE == MODE_MAX) {
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
  let col = column_of(i, groups, P.in_d, P.in_h, P.in_w, true, 1u);
  var s_in = (col.d * P.in_h + col.h_begin) * P.in_w + col.w;
  for (var h = col.h_begin; h < col.h_end; h++) {
    var acc = Acc(vec4<f32>(0.0), col.n * out_plane() * groups + col.c, groups, s_in);
    gather_windows(&acc, col.d, h, col.w);
    grad_in4[(col.n * in_plane() + s_in) * groups + col.c] = to_word4(acc.grad);
    s_in += P.in_w;
  }
}

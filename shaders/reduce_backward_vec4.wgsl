// Backward of global average pooling for channels-last tensors whose channel
// count is a multiple of 4: one invocation per spatial cell and 4 channels, each
// spreading its row's gradient / (cells in the plane). CHANNELS_LAST is true here.
// Prepended by the host: common.wgsl, binned_params.wgsl.

@group(0) @binding(1) var<storage, read> grad_out4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> grad_in4: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  // [N, …spatial, C/4]: the batch item and the channel group of this element.
  let n = i / (in_plane() * groups);
  grad_in4[i] = grad_out4[n * groups + i % groups] / f32(in_plane());
}

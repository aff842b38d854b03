// Backward of global average and max pooling with vector stores: one invocation
// per 4 input elements. Channels-last with a channel count that is a multiple of
// 4: a cell's 4 channels, from one vec4 of rows. Channels-first with maps of at
// least 4 elements: 4 neighbours in memory, from at most two rows (the vec4 may
// cross one row's end). The host binds buffers that hold whole vec4s.
// Prepended by the host: common.wgsl, binned_params.wgsl.

@group(0) @binding(1) var<storage, read> grad_out4: array<vec4<f32>>;
// MAX: the forward's winner per row. Average binds a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<vec4<f32>>;

fn grad_of(row: u32) -> f32 { return grad_out4[row / 4u][row % 4u]; }
fn winner_of(row: u32) -> u32 { return saved_indices4[row / 4u][row % 4u]; }

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let plane = in_plane();
  var g: vec4<f32>;
  var winner: vec4<u32>;
  var s: vec4<u32>;
  if (CHANNELS_LAST) {
    // [N, …spatial, C/4]: the batch item, cell and channel group of this vec4.
    let groups = P.channels / 4u;
    let rows4 = (i / (plane * groups)) * groups + i % groups;
    g = grad_out4[rows4];
    if (MODE == MODE_MAX) {
      winner = saved_indices4[rows4];
      s = vec4<u32>((i / groups) % plane);
    }
  } else {
    // Elements 4i … 4i + 3: row r0, or the next one past its end.
    let e = vec4<u32>(4u * i) + vec4<u32>(0u, 1u, 2u, 3u);
    let r0 = (4u * i) / plane;
    let r1 = min(r0 + 1u, P.batch * P.channels - 1u);
    let next = e >= vec4<u32>((r0 + 1u) * plane);
    g = select(vec4<f32>(grad_of(r0)), vec4<f32>(grad_of(r1)), next);
    if (MODE == MODE_MAX) { winner = select(vec4<u32>(winner_of(r0)), vec4<u32>(winner_of(r1)), next); }
    s = e - select(vec4<u32>(r0 * plane), vec4<u32>((r0 + 1u) * plane), next);
  }
  if (MODE == MODE_MAX) {
    grad_in4[i] = select(vec4<f32>(0.0), g, winner == s);
  } else {
    grad_in4[i] = g / f32(plane);
  }
}

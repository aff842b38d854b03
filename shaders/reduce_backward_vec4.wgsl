// @include binned_params
// @requires float4_word from_word4 to_word4
// Backward of global average and max pooling with vector stores, 4 input
// elements a step. Channels-last with a channel count that is a multiple of 4:
// a cell's 4 channels, from one vec4 of rows. Channels-first with maps of at
// least 4 elements: 4 neighbours in memory, from at most two rows (the vec4 may
// cross one row's end). The host binds buffers that hold whole vec4s.
//
// Each of T = ceil(total / steps) threads makes up to P.steps vec4s, i, i + T,
// i + 2T, …: neighbouring threads store neighbouring vec4s, and the thread's
// coordinates advance by T's without a division a step (a software adapter pays
// most of a store's cost again for each division).

@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
// MAX: the forward's winner per row. Average binds a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<float4_word>;

fn grad_of(row: u32) -> f32 { return from_word4(grad_out4[row / 4u])[row % 4u]; }
fn winner_of(row: u32) -> u32 { return saved_indices4[row / 4u][row % 4u]; }

// The gradient of 4 inputs at plane positions s, whose rows' gradients are g and winners w.
fn grad_at(g: vec4<f32>, w: vec4<u32>, s: vec4<u32>) -> vec4<f32> {
  if (MODE == MODE_MAX) { return select(vec4<f32>(0.0), g, w == s); }
  return g / f32(in_plane());
}

// Adds `by` (below 2·size) to a position below `size`; returns 1 where it wrapped past size.
fn wrap_add(pos: ptr<function, u32>, by: u32, size: u32) -> u32 {
  let sum = *pos + by;
  let wrapped = select(0u, 1u, sum >= size);
  *pos = sum - wrapped * size;
  return wrapped;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  let threads = (P.total + P.steps - 1u) / P.steps;
  if (i >= threads) { return; }
  let plane = in_plane();
  if (CHANNELS_LAST) {
    // vec4 v of [N, …spatial, C/4] is channel group v % groups of cell m = v / groups,
    // which is position m % plane of batch item m / plane.
    let groups = P.channels / 4u;
    // A step of T vec4s: step_c4 channel groups and step_cells cells, which are
    // step_n batch items and step_s positions.
    let step_c4 = threads % groups;
    let step_cells = threads / groups;
    let step_n = step_cells / plane;
    let step_s = step_cells % plane;
    var c4 = i % groups;
    var s = (i / groups) % plane;
    var n = (i / groups) / plane;
    for (var v = i; v < P.total; v += threads) {
      let rows4 = n * groups + c4;
      var w = vec4<u32>(0u);
      if (MODE == MODE_MAX) { w = saved_indices4[rows4]; }
      grad_in4[v] = to_word4(grad_at(from_word4(grad_out4[rows4]), w, vec4<u32>(s)));
      let cell_carry = wrap_add(&c4, step_c4, groups);
      n += step_n + wrap_add(&s, step_s + cell_carry, plane);
    }
  } else {
    // Elements 4v … 4v + 3 start at position o of row r; those past the row's end
    // are the next row's (the last row's where there is none: past the tensor).
    let last_row = P.batch * P.channels - 1u;
    // A step of T vec4s: step_r rows and step_o positions.
    let step_r = (4u * threads) / plane;
    let step_o = (4u * threads) % plane;
    var r = (4u * i) / plane;
    var o = (4u * i) % plane;
    for (var v = i; v < P.total; v += threads) {
      let r1 = min(r + 1u, last_row);
      let e = vec4<u32>(o) + vec4<u32>(0u, 1u, 2u, 3u);
      let next = e >= vec4<u32>(plane);
      let g = select(vec4<f32>(grad_of(r)), vec4<f32>(grad_of(r1)), next);
      var w = vec4<u32>(0u);
      if (MODE == MODE_MAX) { w = select(vec4<u32>(winner_of(r)), vec4<u32>(winner_of(r1)), next); }
      grad_in4[v] = to_word4(grad_at(g, w, e - select(vec4<u32>(0u), vec4<u32>(plane), next)));
      r += step_r + wrap_add(&o, step_o, plane);
    }
  }
}

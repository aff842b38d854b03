// @include window_tiled_backward
// @requires float4_word from_word4 to_word4
// Backward max and average pooling over windows that tile the input
// (window_tiled_backward.wgsl) for channels-first tensors whose output rows are
// whole vec4s: one thread per 4 neighbouring outputs of a column of output rows
// makes up to P.rows of its rows top to bottom. The 4 windows' input rows are
// K_W whole vec4s (input rows are 4 · K_W · out_w / 4 wide).

@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
// Max: the forward's indices. Avg: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<float4_word>;

// Element e of vec4 j of the 4 windows' input row lies in window (4j + e) / K_W.
fn spread(v: vec4<f32>, j: u32) -> vec4<f32> {
  return vec4<f32>(v[(4u * j) / K_W], v[(4u * j + 1u) / K_W], v[(4u * j + 2u) / K_W], v[(4u * j + 3u) / K_W]);
}
fn spread_u(v: vec4<u32>, j: u32) -> vec4<u32> {
  return vec4<u32>(v[(4u * j) / K_W], v[(4u * j + 1u) / K_W], v[(4u * j + 2u) / K_W], v[(4u * j + 3u) / K_W]);
}

// Vec4 j of the row: the inputs at plane indices s … s + 3.
fn row_vec4(g: vec4<f32>, winner: vec4<u32>, s: u32, j: u32) -> vec4<f32> {
  if (MODE == MODE_MAX) { return select(vec4<f32>(0.0), spread(g, j), spread_u(winner, j) == vec4<u32>(s) + vec4<u32>(0u, 1u, 2u, 3u)); }
  return spread(g, j);
}

// One window row of the 4 windows: K_W vec4s from plane index s (a multiple of 4), the plane's first vec4 at base.
fn write_row(base: u32, s: u32, g: vec4<f32>, winner: vec4<u32>) {
  let at = base + s / 4u;
  grad_in4[at] = to_word4(row_vec4(g, winner, s, 0u));
  if (K_W > 1u) { grad_in4[at + 1u] = to_word4(row_vec4(g, winner, s + 4u, 1u)); }
  if (K_W > 2u) { grad_in4[at + 2u] = to_word4(row_vec4(g, winner, s + 8u, 2u)); }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let quads = P.out_w / 4u;
  // (n, c) as one index.
  let col = column_of(i, 1u, P.out_d, P.out_h, quads, false, 1u);
  let base = col.n * (in_plane() / 4u);
  let divisor = vec4<f32>(tiled_divisor());
  var o = ((col.n * P.out_d + col.d) * P.out_h + col.h_begin) * quads + col.w;
  // The first input of the thread's first window.
  var s = (col.d * K_D * P.in_h + col.h_begin * K_H) * P.in_w + col.w * 4u * K_W;
  for (var oh = col.h_begin; oh < col.h_end; oh++) {
    var g = from_word4(grad_out4[o]);
    var winner = vec4<u32>(0u);
    if (MODE == MODE_MAX) { winner = saved_indices4[o]; } else { g = g / divisor; }
    write_window(base, s, g, winner);
    o += quads;
    s += K_H * P.in_w;
  }
}

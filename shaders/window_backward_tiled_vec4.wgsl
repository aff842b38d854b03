// @include window_tiled_backward
// @requires float4_word from_word4 to_word4
// Backward max and average pooling over windows that tile the input
// (window_tiled_backward.wgsl) for channels-last tensors whose channel count is
// a multiple of 4: one thread per 4 channels of a column of outputs makes up to
// P.rows of its rows top to bottom, each writing its window's inputs as vec4s.

@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
// Max: the forward's indices. Avg: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<float4_word>;

// The gradient of 4 channels of the input at plane index s.
fn cell_grad(g: vec4<f32>, winner: vec4<u32>, s: u32) -> vec4<f32> {
  if (MODE == MODE_MAX) { return select(vec4<f32>(0.0), g, winner == vec4<u32>(s)); }
  return g;
}

// One window row: K_W inputs from plane index s, the first channel vec4 of (n, c) at base.
fn write_row(base: u32, s: u32, g: vec4<f32>, winner: vec4<u32>) {
  let groups = P.channels / 4u;
  grad_in4[base + s * groups] = to_word4(cell_grad(g, winner, s));
  if (K_W > 1u) { grad_in4[base + (s + 1u) * groups] = to_word4(cell_grad(g, winner, s + 1u)); }
  if (K_W > 2u) { grad_in4[base + (s + 2u) * groups] = to_word4(cell_grad(g, winner, s + 2u)); }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let col = column_of(i, groups, P.out_d, P.out_h, P.out_w, true, 1u);
  let base = col.n * in_plane() * groups + col.c;
  let divisor = tiled_divisor();
  var o = (col.n * out_plane() + (col.d * P.out_h + col.h_begin) * P.out_w + col.w) * groups + col.c;
  // The first input of the thread's first window.
  var s = (col.d * K_D * P.in_h + col.h_begin * K_H) * P.in_w + col.w * K_W;
  for (var oh = col.h_begin; oh < col.h_end; oh++) {
    var g = from_word4(grad_out4[o]);
    var winner = vec4<u32>(0u);
    if (MODE == MODE_MAX) { winner = saved_indices4[o]; } else { g = g / divisor; }
    write_window(base, s, g, winner);
    o += P.out_w * groups;
    s += K_H * P.in_w;
  }
}

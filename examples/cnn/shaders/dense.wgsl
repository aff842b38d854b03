// Dense layer: y [N, OUT] = x [N, IN] · weightᵀ + bias, weight [OUT, IN], in
// float32; x and y in the storage gpu.ts prepends (load_*.wgsl, store_*.wgsl).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  batch: u32,
  in_features: u32,
  out_features: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<x_word>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<y_word>;

// Output element i.
fn output_value(i: u32) -> f32 {
  let o = i % P.out_features;
  let n = i / P.out_features;
  var sum = bias[o];
  for (var k = 0u; k < P.in_features; k++) {
    sum += weight[o * P.in_features + k] * load_x(n * P.in_features + k);
  }
  return sum;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  store_y((wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid, P.batch * P.out_features);
}

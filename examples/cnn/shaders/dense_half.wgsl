// The float16 twin of dense.wgsl: y [N, OUT] = x [N, IN] · weightᵀ + bias, weight
// [OUT, IN] float32, x and y float16 (packed two to a u32, element 2k in the low
// half of word k), computed in float32. Prepended at load: the engine's
// shaders/half.wgsl (half_of, f32_to_half).
//
// Each thread owns one whole word of y: outputs 2t and 2t + 1 of the flat [N, OUT]
// array (a pair may span two rows). When the count is odd, the last thread computes
// one output and keeps the word's upper half as it was.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  batch: u32,
  in_features: u32,
  out_features: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;

// Output element i, in float32.
fn dense(i: u32) -> f32 {
  let o = i % P.out_features;
  let n = i / P.out_features;
  var sum = bias[o];
  for (var k = 0u; k < P.in_features; k++) {
    let j = n * P.in_features + k;
    sum += weight[o * P.in_features + k] * half_of(x[j >> 1u], j);
  }
  return sum;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let word = (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid;
  let count = P.batch * P.out_features;
  let first = 2u * word;
  if (first >= count) { return; }
  let lo = f32_to_half(dense(first));
  var hi: u32;
  if (first + 1u < count) {
    hi = f32_to_half(dense(first + 1u));
  } else {
    hi = y[word] >> 16u; // an odd count's last word: its upper half is not this layer's
  }
  y[word] = lo | (hi << 16u);
}

// The float16 twin of conv2d.wgsl: the same convolution (stride 1, zero padding
// (KERNEL - 1) / 2, bias, then ReLU when RELU), computed in float32, reading its
// input as float16 (or as float32 when !HALF_INPUT: the network's images) and
// writing float16. Halves are packed two to a u32, element 2k in the low 16 bits of
// word k. Prepended at load: the engine's shaders/half.wgsl (half_of, f32_to_half).
//
// Each thread owns one whole word of y, so no two threads ever write the two halves
// of one u32: thread t computes outputs 2t and 2t + 1 and writes word t once. When
// the count is odd, the last thread computes one output and keeps the word's upper
// half as it was (it is not this layer's).

override WORKGROUP_SIZE: u32 = 64u;
override KERNEL: u32 = 3u;
override RELU: bool = true;
override HALF_INPUT: bool = true;

struct Params {
  batch: u32,
  in_channels: u32,
  out_channels: u32,
  height: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
// Packed halves when HALF_INPUT, else float32 bits.
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
// Packed halves.
@group(0) @binding(4) var<storage, read_write> y: array<u32>;

fn x_at(i: u32) -> f32 {
  if (HALF_INPUT) { return half_of(x[i >> 1u], i); }
  return bitcast<f32>(x[i]);
}

// Output element i, in float32.
fn conv(i: u32) -> f32 {
  let plane = P.height * P.width;
  let xo = i % P.width;
  let yo = (i / P.width) % P.height;
  let co = (i / plane) % P.out_channels;
  let n = i / (plane * P.out_channels);
  let pad = i32(KERNEL / 2u);

  var sum = bias[co];
  for (var ci = 0u; ci < P.in_channels; ci++) {
    let x_base = (n * P.in_channels + ci) * plane;
    let w_base = (co * P.in_channels + ci) * KERNEL * KERNEL;
    for (var ky = 0u; ky < KERNEL; ky++) {
      let yi = i32(yo) + i32(ky) - pad;
      if (yi < 0 || yi >= i32(P.height)) { continue; }
      for (var kx = 0u; kx < KERNEL; kx++) {
        let xi = i32(xo) + i32(kx) - pad;
        if (xi < 0 || xi >= i32(P.width)) { continue; }
        sum += weight[w_base + ky * KERNEL + kx] * x_at(x_base + u32(yi) * P.width + u32(xi));
      }
    }
  }
  return select(sum, max(sum, 0.0), RELU);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Dispatches wider than the per-dimension limit are folded into rows of workgroups.
  let word = (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid;
  let count = P.batch * P.out_channels * P.height * P.width;
  let first = 2u * word;
  if (first >= count) { return; }
  let lo = f32_to_half(conv(first));
  var hi: u32;
  if (first + 1u < count) {
    hi = f32_to_half(conv(first + 1u));
  } else {
    hi = y[word] >> 16u; // an odd count's last word: its upper half is not this layer's
  }
  y[word] = lo | (hi << 16u);
}

// 2-D convolution, stride 1, zero padding (KERNEL - 1) / 2 so the output keeps the
// input's size, plus bias, then ReLU when RELU. Channels-first: x [N, Cin, H, W],
// weight [Cout, Cin, K, K], y [N, Cout, H, W]. One thread per output element.

override WORKGROUP_SIZE: u32 = 64u;
override KERNEL: u32 = 3u;
override RELU: bool = true;

struct Params {
  batch: u32,
  in_channels: u32,
  out_channels: u32,
  height: u32,
  width: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Dispatches wider than the per-dimension limit are folded into rows of workgroups.
  let i = (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid;
  let plane = P.height * P.width;
  if (i >= P.batch * P.out_channels * plane) { return; }
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
        sum += weight[w_base + ky * KERNEL + kx] * x[x_base + u32(yi) * P.width + u32(xi)];
      }
    }
  }
  y[i] = select(sum, max(sum, 0.0), RELU);
}

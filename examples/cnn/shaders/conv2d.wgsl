// 2-D convolution, stride 1, zero padding (KERNEL - 1) / 2 so the output keeps the
// input's size, plus bias, then ReLU when RELU. Channels-first: x [N, Cin, H, W],
// weight [Cout, Cin, K, K], y [N, Cout, H, W]. Computed in float32; x and y in the
// storage gpu.ts prepends (load_f32/load_f16 for x, store_f32/store_f16 for y).

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
@group(0) @binding(1) var<storage, read> x: array<x_word>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<y_word>;

// Output element i.
fn output_value(i: u32) -> f32 {
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
        sum += weight[w_base + ky * KERNEL + kx] * load_x(x_base + u32(yi) * P.width + u32(xi));
      }
    }
  }
  return select(sum, max(sum, 0.0), RELU);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Dispatches wider than the per-dimension limit are folded into rows of workgroups.
  store_y((wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid, P.batch * P.out_channels * P.height * P.width);
}

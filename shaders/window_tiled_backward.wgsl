// @include window_small
// @requires write_row
// Shared by the backward kernels for windows that tile the input
// (window_backward_tiled_*.wgsl): stride = kernel ≤ 3, no padding or dilation,
// and input = output · kernel in every dimension (VGG's 2×2, 3-D 2×2×2, adaptive
// pooling with even bins). Every input lies in exactly one window, so each
// output scatters into its own window what the gather
// (window_small_backward.wgsl) would collect: max the output's gradient where
// its index names the input and 0 elsewhere, average the gradient over the
// divisor everywhere. Each output and index is read once.

// The divisor of every window (they are alike: none reaches into padding).
fn tiled_divisor() -> f32 {
  return avg_divisor(vec3<i32>(0));
}

// Writes the window of inputs whose first is at plane index s, through the
// kernel's write_row(base, s, g, winner) for each of its rows.
fn write_window(base: u32, s: u32, g: vec4<f32>, winner: vec4<u32>) {
  let plane_hw = P.in_h * P.in_w;
  write_rows(base, s, g, winner);
  if (K_D > 1u) { write_rows(base, s + plane_hw, g, winner); }
  if (K_D > 2u) { write_rows(base, s + 2u * plane_hw, g, winner); }
}

fn write_rows(base: u32, s: u32, g: vec4<f32>, winner: vec4<u32>) {
  write_row(base, s, g, winner);
  if (K_H > 1u) { write_row(base, s + P.in_w, g, winner); }
  if (K_H > 2u) { write_row(base, s + 2u * P.in_w, g, winner); }
}

// torchvision's bilinear_interpolate, one side at a time (the 2-D weights are the
// products of the two sides'): the boundary rules of bilinearTaps in
// src/reference/roi.ts.

// A sample more than one pixel outside the map (v < −1 or v > size) reads nothing.
fn roi_sample_inside(v: f32, size: u32) -> bool {
  return v >= -1.0 && v <= f32(size);
}

// The two rows (columns) a sample reads and the weight l of the second (the first
// gets 1 − l): a coordinate below 0 counts as 0; from the last row on, the sample
// reads that row alone (lo = hi = size − 1, l = 0).
struct RoiTaps {
  lo: u32,
  hi: u32,
  l: f32,
}

fn roi_taps(v: f32, size: u32) -> RoiTaps {
  let clamped = max(v, 0.0);
  let lo = u32(floor(clamped));
  if (lo >= size - 1u) { return RoiTaps(size - 1u, size - 1u, 0.0); }
  return RoiTaps(lo, lo + 1u, clamped - f32(lo));
}

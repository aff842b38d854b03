// @include common modes
// Parameters of the whole-map and binned pooling kernels (global, adaptive,
// spatial pyramid, strip, GeM), shared by their forward and backward passes.
// Ranks 1 and 2 run as rank 3 with leading sizes of 1. The field order is
// declared once more in src/ops/binned-uniforms.ts; a test checks that the two
// lists agree. chunk and chunks: the row-per-thread reductions' split of each row
// into chunks of `chunk` elements (reduce_rows*.wgsl). steps: the walking
// backward's vec4s per thread (reduce_backward_vec4.wgsl).
struct BinnedParams {
  total: u32,
  batch: u32,
  channels: u32,
  in_d: u32,
  in_h: u32,
  in_w: u32,
  out_d: u32,
  out_h: u32,
  out_w: u32,
  num_levels: u32,
  features: u32,
  row_divisor: f32,
  col_divisor: f32,
  p: f32,
  eps: f32,
  chunk: u32,
  chunks: u32,
  steps: u32,
}

@group(0) @binding(0) var<uniform> P: BinnedParams;

fn in_size() -> vec3<u32> { return vec3<u32>(P.in_d, P.in_h, P.in_w); }
fn out_size() -> vec3<u32> { return vec3<u32>(P.out_d, P.out_h, P.out_w); }
fn in_plane() -> u32 { return P.in_d * P.in_h * P.in_w; }
fn out_plane() -> u32 { return P.out_d * P.out_h * P.out_w; }

// (d, h, w) of flat index s inside a plane of `size`, and back.
fn unflatten(s: u32, size: vec3<u32>) -> vec3<u32> {
  return vec3<u32>(s / (size.y * size.z), (s / size.z) % size.y, s % size.z);
}
fn flatten(at: vec3<u32>, size: vec3<u32>) -> u32 {
  return (at.x * size.y + at.y) * size.z + at.z;
}

// PyTorch's adaptive bins: bin i of `out` over `size` positions covers
// [floor(i * size / out), ceil((i + 1) * size / out)), per dimension.
fn bin_start1(i: u32, size: u32, out: u32) -> u32 {
  return (i * size) / out;
}
fn bin_end1(i: u32, size: u32, out: u32) -> u32 {
  return ((i + 1u) * size + out - 1u) / out;
}
fn bin_start(i: vec3<u32>, size: vec3<u32>, out: vec3<u32>) -> vec3<u32> {
  return (i * size) / out;
}
fn bin_end(i: vec3<u32>, size: vec3<u32>, out: vec3<u32>) -> vec3<u32> {
  return ((i + 1u) * size + out - 1u) / out;
}

// Index of the workgroup in a dispatch that the host may have folded into a 2-D grid.
fn workgroup_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.y * nwg.x + wid.x;
}

// The mode (modes.wgsl), set per pipeline. The adaptive and pyramid kernels take
// MODE_AVG and MODE_MAX; the reductions also MODE_GEM, the generalized mean.
override MODE: u32 = MODE_AVG;
// Max-style forward kernels: false when the call asked for no indices (inference);
// the index stores are skipped and the indices binding holds a placeholder.
override INDICES: bool = true;

// Max pooling's pick, PyTorch's `val > maxval || isnan(val)` walking from the bin's
// first element: the first maximum wins ties, and a NaN always takes over (so the
// last NaN is reported). A NaN best stays: no number compares greater.
fn max_takes(v: f32, best: f32) -> bool {
  return is_nan(v) | (!is_nan(best) & (v > best));
}
fn max_takes4(v: vec4<f32>, best: vec4<f32>) -> vec4<bool> {
  return (v > best) | is_nan4(v);
}

// Max-style modes: the flat plane index of the winner, before any is found.
const NO_INDEX: u32 = 0xffffffffu;

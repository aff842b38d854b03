// @include common
// Max unpooling: one invocation per pooled value. Forward writes the
// value at its index in an output the host cleared to zero; backward (BACKWARD)
// gathers the output gradient at the same index. Indices are flat positions in
// each (n, c) spatial plane of the output (PyTorch's; FLAT_INDICES: ONNX's); an
// index outside the plane is skipped (forward) or reads 0 (backward).

struct UnpoolParams {
  total: u32,
  channels: u32,
  in_plane: u32,
  out_plane: u32,
  // The output's sizes, and those of the grid the indices count in (the same but
  // for ONNX's output_shape, whose indices count in the inferred size).
  out_d: u32,
  out_h: u32,
  out_w: u32,
  index_d: u32,
  index_h: u32,
  index_w: u32,
}

// Set per pipeline: the backward pass (else the forward).
override BACKWARD: bool = false;
// Indices count the whole output (ONNX's), not each plane: each (n, c) plane's
// offset is taken off first; an index of another plane wraps past out_plane.
override FLAT_INDICES: bool = false;

@group(0) @binding(0) var<uniform> P: UnpoolParams;
// Forward: the pooled values. Backward: the output gradient.
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> unpool_indices: array<u32>;
// Forward: the unpooled map. Backward: the gradient of the pooled values.
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let at = coords_of(i, P.channels, P.in_plane);
  let index_plane = P.index_d * P.index_h * P.index_w;
  let raw = unpool_indices[i] - select(0u, (at.x * P.channels + at.y) * index_plane, FLAT_INDICES);
  // The index's (d, h, w) in its grid, at the same place in the output.
  let w = raw % P.index_w;
  let h = (raw / P.index_w) % P.index_h;
  let d = raw / (P.index_w * P.index_h);
  let inside = raw < index_plane && d < P.out_d && h < P.out_h && w < P.out_w;
  let spot = (d * P.out_h + h) * P.out_w + w;
  let o = offset_of(at.x, at.y, min(spot, P.out_plane - 1u), P.channels, P.out_plane);
  if (!BACKWARD) {
    if (inside) { dst[o] = src[i]; }
  } else {
    dst[i] = select(0.0, src[o], inside);
  }
}

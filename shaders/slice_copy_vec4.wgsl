// @include common
// slice_copy.wgsl's copy in units of 4 elements, where every block and stride is
// whole vec4s and both bound ranges start on one (float32 and int32 bits; no ADD):
// a chunk of whole groups of 4 channels of a channels-last tensor, the common case.
// One thread per destination vec4; a quarter of the threads and vector loads.

struct SliceParams {
  words: u32,      // destination vec4s, from the one holding dst_base
  outer: u32,
  inner: u32,      // in vec4s, as every field below
  src_stride: u32,
  dst_stride: u32,
  src_base: u32,
  dst_base: u32,
}

@group(0) @binding(0) var<uniform> P: SliceParams;
@group(0) @binding(1) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<u32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.words) { return; }
  let o = i / P.dst_stride;
  let j = i - o * P.dst_stride;
  if (o >= P.outer || j >= P.inner) { return; }
  dst[P.dst_base + i] = src[P.src_base + o * P.src_stride + j];
}

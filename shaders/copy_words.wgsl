// @include common
// Copies `count` 32-bit words from one storage view to another, or (ZERO) fills
// the destination with zeros. The engine stages views through it where a kernel
// cannot bind them directly (a view that shares its buffer with a written binding
// of the same dispatch, or one that ends mid-vec4 under a vec4 binding), and
// clears outputs with it: it needs only STORAGE usage, so it works on any
// wrapped buffer, and it keeps a batch in one compute pass.

struct CopyParams {
  count: u32,
}

override ZERO: bool = false;

@group(0) @binding(0) var<uniform> P: CopyParams;
// ZERO binds a placeholder here.
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.count) { return; }
  if (ZERO) {
    dst[i] = 0u;
  } else {
    dst[i] = src[i];
  }
}

// The benchmark's roofline: a plain vec4 copy, the fastest a memory-bound kernel
// can move bytes on this device. Not part of the library.
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i < arrayLength(&dst)) { dst[i] = src[i]; }
}

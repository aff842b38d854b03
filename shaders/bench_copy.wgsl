// The benchmark's roofline: a plain vec4 copy, the fastest a memory-bound kernel
// can move bytes on this device. With CONVERT, the same copy unpacks the 8 halves
// of each vec4 to float32 and packs them back (shaders/half.wgsl, prepended by the
// bench): the float16 kernels' conversion cost on top of the bytes, as a roofline
// for the float16 column. Not part of the library.
override CONVERT: bool = false;

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * 256u + gid.x;
  if (i >= arrayLength(&dst)) { return; }
  if (CONVERT) {
    let w = bitcast<vec4<u32>>(src[i]);
    let a = vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
    let b = vec4<f32>(unpack2x16float(w.z), unpack2x16float(w.w));
    dst[i] = bitcast<vec4<f32>>(vec4<u32>(pack_halves(a.xy), pack_halves(a.zw), pack_halves(b.xy), pack_halves(b.zw)));
  } else {
    dst[i] = src[i];
  }
}

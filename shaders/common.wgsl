// Index math and float helpers shared by every kernel: every kernel includes this
// file (through its @include headers), so there is one definition of each.

const WORKGROUP_SIZE: u32 = 64u;

// True for channels-last tensors (NWC, NHWC, NDHWC); set per pipeline.
override CHANNELS_LAST: bool = false;

// Linear thread index of a dispatch that the host may have folded into a 2-D grid
// (more than 65,535 workgroups in x).
fn thread_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid;
}

// Bit patterns loaded at run time: WGSL rejects NaN and infinities in constant
// expressions (a const bitcast included), and a compiler may fold `v != v` away.
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NEG_INF_BITS: u32 = 0xff800000u;
fn f32_nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn f32_inf() -> f32 { return bitcast<f32>(INF_BITS); }
fn f32_neg_inf() -> f32 { return bitcast<f32>(NEG_INF_BITS); }
// The smallest normal f32. Stochastic picks weigh subnormal values as 0: devices
// may flush them, and the CPU reference must pick the same elements.
const MIN_NORMAL: f32 = 1.17549435e-38;

fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn is_nan4(v: vec4<f32>) -> vec4<bool> {
  return (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u);
}

// torch.pow (C's pow) for a real base: WGSL's pow() is undefined for x <= 0 and
// at infinities. NaN stays NaN (JavaScript's Math.pow would give pow(NaN, 0) = 1;
// the CPU reference does the same as this).
fn pow_real(x: f32, e: f32) -> f32 {
  if (is_nan(x) || is_nan(e)) { return f32_nan(); }
  if (e == 0.0) { return 1.0; }
  // Exact where C's pow is (x^1) or correctly rounded (x^2), as the reference: WGSL's
  // pow (exp2 of a log2) is off by ulps, and a power sum that cancels to exactly 0
  // (lp pooling with p = 1) must stay 0, where the gradient's clamp switches.
  if (e == 1.0) { return x; }
  if (e == 2.0) { return x * x; }
  let odd = fract(e) == 0.0 && fract(e * 0.5) != 0.0;
  if (abs(x) == f32_inf()) {
    // pow(±inf, e): inf for e > 0, 0 for e < 0, negative only for an odd integer e.
    let magnitude = select(0.0, f32_inf(), e > 0.0);
    return select(magnitude, -magnitude, x < 0.0 && odd);
  }
  if (x > 0.0) { return pow(x, e); }
  if (x == 0.0) { return select(f32_inf(), 0.0, e > 0.0); }
  if (fract(e) != 0.0) { return f32_nan(); }
  let magnitude = pow(-x, e);
  return select(magnitude, -magnitude, odd);
}

// PCG (O'Neill) RXS-M-XS output hash; twin of pcgHash in src/random.ts.
fn pcg_hash(input: u32) -> u32 {
  let state = input * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
fn pcg_hash4(input: vec4<u32>) -> vec4<u32> {
  let state = input * 747796405u + 2891336453u;
  let word = ((state >> ((state >> vec4<u32>(28u)) + 4u)) ^ state) * 277803737u;
  return (word >> vec4<u32>(22u)) ^ word;
}

// The numbers of (seed, stream) are unit24(pcg_hash(key ^ index)) with
// key = pcg_hash(pcg_hash(seed) ^ stream), which the host computes once
// (streamKey in src/random.ts): 24 bits in [0, 1), exact in f32.
// (Through i32, exact below 2^24: devices without an unsigned conversion emulate it.
// Times 2^-24, exact: a division costs more.)
fn unit24(h: u32) -> f32 { return f32(i32(h >> 8u)) * (1.0 / 16777216.0); }
fn unit24x4(h: vec4<u32>) -> vec4<f32> { return vec4<f32>(vec4<i32>(h >> vec4<u32>(8u))) * (1.0 / 16777216.0); }

// Memory offset of element (n, c, s), s being the flat index inside the spatial plane.
fn offset_of(n: u32, c: u32, s: u32, channels: u32, plane: u32) -> u32 {
  if (CHANNELS_LAST) { return (n * plane + s) * channels + c; }
  return (n * channels + c) * plane + s;
}

// (n, c, s) of the element at memory offset i; inverse of offset_of.
fn coords_of(i: u32, channels: u32, plane: u32) -> vec3<u32> {
  if (CHANNELS_LAST) {
    let c = i % channels;
    let rest = i / channels;
    return vec3<u32>(rest / plane, c, rest % plane);
  }
  let s = i % plane;
  let nc = i / plane;
  return vec3<u32>(nc / channels, nc % channels, s);
}

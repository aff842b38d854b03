// IEEE binary16 ("half") in u32 words, two to a word (the lower half first): the
// twin of src/half.ts, bit for bit.
//
// The conversions are the WGSL builtins unpack2x16float and pack2x16float: one
// instruction on GPUs, and on a software adapter the CPU's own (x86's F16C), where
// the integer form of these functions cost 3x the kernel's time. WGSL defines
// pack2x16float only inside the half range, so the value is clamped into it and
// ±inf (from 65520, the first value that rounds past 65504) and NaN (0x7e00 with its
// sign) are set here. Inside the range the device rounds: IEEE hardware and
// SwiftShader to nearest even, which test/browser/float16.test.ts checks bit for bit
// (ties, subnormals, overflow). A device that rounded otherwise would still be within
// the one half ulp the non-picking ops are held to.

// Two values to a word of halves (x in the low 16 bits).
fn pack_halves(v: vec2<f32>) -> u32 {
  let bits = bitcast<vec2<u32>>(v);
  let a = bits & vec2<u32>(0x7fffffffu);
  let in_range = pack2x16float(clamp(v, vec2<f32>(-65504.0), vec2<f32>(65504.0)));
  let special = ((bits >> vec2<u32>(16u)) & vec2<u32>(0x8000u)) | select(vec2<u32>(0x7c00u), vec2<u32>(0x7e00u), a > vec2<u32>(0x7f800000u));
  let fix = a >= vec2<u32>(0x477ff000u); // 65520 and up: inf; and inf and NaN
  let lo = select(in_range & 0xffffu, special.x, fix.x);
  let hi = select(in_range >> 16u, special.y, fix.y);
  return lo | (hi << 16u);
}

// The float32 value of half bits `h` (exact: every half is a float32).
fn half_to_f32(h: u32) -> f32 {
  return unpack2x16float(h).x;
}

// The half bits nearest to `v`: ties to even, ±inf from 65520 up, NaN as 0x7e00 with its sign.
fn f32_to_half(v: f32) -> u32 {
  return pack_halves(vec2<f32>(v, 0.0)) & 0xffffu;
}

// Element k of a packed array's word `w` (k's low bit picks the half).
fn half_of(w: u32, k: u32) -> f32 {
  return half_to_f32(select(w & 0xffffu, w >> 16u, (k & 1u) == 1u));
}

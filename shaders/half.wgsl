// IEEE binary16 ("half") in u32 words, two to a word (the lower half first): the
// twin of src/half.ts, bit for bit. Written with integer operations rather than
// pack2x16float/unpack2x16float: WGSL leaves pack2x16float's result indeterminate
// for values beyond the half range (inf, NaN, overflow), and lets an implementation
// round either way; float16 results must be those of the CPU reference on every
// device. The cost is a few integer instructions per element in kernels bound by
// the bytes they move.

// The float32 value of half bits `h` (exact: every half is a float32).
fn half_to_f32(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    // Subnormal: m · 2^-24, a normal float32.
    let v = f32(m) * (1.0 / 16777216.0);
    return select(v, -v, sign != 0u);
  }
  if (e == 31u) { return bitcast<f32>(sign | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}

// The half bits nearest to `v`: ties to even, ±inf past 65504, NaN as 0x7e00 with its sign.
fn f32_to_half(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  let sign = (x >> 16u) & 0x8000u;
  let exp = (x >> 23u) & 0xffu;
  let mant = x & 0x7fffffu;
  if (exp == 0xffu) { return sign | select(0x7c00u, 0x7e00u, mant != 0u); }
  if (exp >= 143u) { return sign | 0x7c00u; }
  if (exp >= 113u) {
    // Normal: 10 mantissa bits kept, rounded on the other 13; a carry steps the exponent.
    var h = ((exp - 112u) << 10u) | (mant >> 13u);
    let rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) == 1u)) { h += 1u; }
    return sign | h;
  }
  // Subnormal (or 0): the value in units of 2^-24, rounded.
  if (exp < 102u) { return sign; }
  let full = 0x800000u | mant;
  let shift = 126u - exp;
  var n = full >> shift;
  let rest = full & ((1u << shift) - 1u);
  let halfway = 1u << (shift - 1u);
  if (rest > halfway || (rest == halfway && (n & 1u) == 1u)) { n += 1u; }
  return sign | n;
}

// Element k of a packed array's word `w` (k's low bit picks the half).
fn half_of(w: u32, k: u32) -> f32 {
  return half_to_f32(select(w & 0xffffu, w >> 16u, (k & 1u) == 1u));
}

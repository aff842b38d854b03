// IEEE binary16 ("half") on the host: the twin of shaders/half.wgsl, bit for bit.
// float32 -> half rounds to nearest, ties to even; beyond ±65504 (after rounding)
// gives ±inf; NaN gives the quiet NaN 0x7e00 with the input's sign. These rules
// are the float16 semantics of every op (docs/API.md, "float16").

const word = new Float32Array(1);
const bits = new Uint32Array(word.buffer);

/** The half bits nearest to `v` (first rounded to float32, as a Float32Array holds it). */
export function halfBits(v: number): number {
  word[0] = v;
  const x = bits[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00);
  if (exp >= 143) return sign | 0x7c00; // 2^16 and above
  if (exp >= 113) {
    // A normal half: keep 10 of the 23 mantissa bits, round on the other 13. A carry
    // out of the mantissa steps the exponent, up to 0x7c00 (inf) past 65504.
    let h = ((exp - 112) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
    return sign | h;
  }
  // A subnormal half (or 0): the value in units of 2^-24, rounded; 1024 units is the smallest normal, 0x0400.
  if (exp < 102) return sign;
  const full = 0x800000 | mant;
  const shift = 126 - exp;
  let n = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && (n & 1) === 1)) n++;
  return sign | n;
}

/** The value of half bits `h`. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (e - 15) * (1 + m / 1024);
}

/** Float values to half bits, element by element. */
export function toHalfBits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = halfBits(values[i]);
  return out;
}

/** Half bits to float32 values (exact: every half is a float32). */
export function fromHalfBits(h: ArrayLike<number>): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = halfValue(h[i]);
  return out;
}

/** Each value rounded to the nearest half, as float32: what a float16 tensor holds of it. */
export function roundToHalf(values: ArrayLike<number>): Float32Array {
  return fromHalfBits(toHalfBits(values));
}

/** The spacing of halves at `v` (one unit in the last place): the tolerance of float16 results that are not exact. */
export function halfUlp(v: number): number {
  const a = Math.abs(v);
  if (!Number.isFinite(a)) return 0;
  if (a < 2 ** -14) return 2 ** -24;
  return 2 ** (Math.floor(Math.log2(Math.min(a, 65504))) - 10);
}

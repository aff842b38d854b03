import type { Dims } from '../../src/layout';
import { halfUlp } from '../../src/half';

export interface Tolerance {
  abs: number;
  rel: number;
}

/** "n=0,c=1,h=2,w=3" for a memory offset: mismatches are reported with their coordinates. */
export function coordsAt(offset: number, dims: Dims, channelsLast: boolean): string {
  const names = ['d', 'h', 'w'].slice(3 - dims.spatial.length);
  const plane = dims.spatial.reduce((a, b) => a * b, 1);
  let n: number, c: number, s: number;
  if (channelsLast) {
    c = offset % dims.channels;
    s = Math.floor(offset / dims.channels) % plane;
    n = Math.floor(offset / dims.channels / plane);
  } else {
    s = offset % plane;
    c = Math.floor(offset / plane) % dims.channels;
    n = Math.floor(offset / plane / dims.channels);
  }
  const parts = [`n=${n}`, `c=${c}`];
  for (let i = dims.spatial.length - 1, rest = s; i >= 0; i--) {
    parts.splice(2, 0, `${names[i]}=${rest % dims.spatial[i]}`);
    rest = Math.floor(rest / dims.spatial[i]);
  }
  return parts.join(',');
}

/** float32 machine epsilon (2^-23, twice the unit roundoff). */
export const EPS32 = 2 ** -23;
/** The smallest normal float32: a floor under every bound, as devices may flush subnormals to zero. */
export const MIN_NORMAL32 = 2 ** -126;

/**
 * Per-element absolute bounds: `{ perElement }` passes an element when
 * |got − want| ≤ perElement[i] (NaN and infinities as in `Tolerance`).
 */
export interface PerElement {
  perElement: ArrayLike<number>;
}

/**
 * How many float32 epsilons a result computed from `terms` summed terms may be
 * off, relative to the sum of the terms' magnitudes: 4 · (⌈log2 terms⌉ + 2).
 *
 * The rule: a float32 sum of n terms, in any order a kernel may use (sequential
 * within a thread, then a tree across threads), has an error of the order of
 * depth · u · Σ|t_i| (u = eps/2, depth ⌈log2 n⌉ for a pairwise tree); the + 2
 * covers the scaling of the sum (the divisor, a multiply) and the final
 * float32 rounding; the factor 4 covers both sides (the GPU's order and the
 * reference's) with a factor of 2 to spare (eps = 2u). So a result is accepted
 * within a few dozen ulps of Σ|terms|, never within a fixed abs or rel: an
 * average of 1024 gradients ~1e-4 gets a bound of ~1e-10, not 1e-5, and a
 * kernel 0.1% off fails.
 */
export function sumUlps(terms: number): number {
  return 4 * (Math.ceil(Math.log2(Math.max(1, terms))) + 2);
}

/**
 * Per-element bounds for results that are sums: bound_i = sumUlps(terms) · eps ·
 * magnitude[i] + MIN_NORMAL32, where magnitude[i] is Σ|t| of the terms that
 * produced element i, in the result's units (for an average: Σ|x_i| / divisor),
 * computed on the CPU from the reference's inputs (test/support/magnitude.ts).
 * `terms` is the largest number of terms of any element (an upper bound is fine:
 * it enters through its log2). A magnitude that is NaN gives a bound of 0 (an
 * exact match, which a NaN or infinite expected value gets anyway); one that is
 * infinite gives an infinite bound, and arises only where a term is infinite.
 */
export function sumTolerance(magnitude: ArrayLike<number>, terms: number): PerElement {
  const k = sumUlps(terms) * EPS32;
  const perElement = new Float64Array(magnitude.length);
  for (let i = 0; i < magnitude.length; i++) {
    const m = Math.abs(magnitude[i]);
    perElement[i] = Number.isNaN(m) ? 0 : k * m + MIN_NORMAL32;
  }
  return { perElement };
}

/**
 * The tighter of a fixed tolerance and per-element bounds, element by element
 * (golden cases: their own tolerance is never loosened, the sum bound tightens
 * it where it is smaller). Bounds that are not finite leave the fixed tolerance.
 * `slack` is added to every bound: the expected values' own rounding where they
 * were stored as decimals.
 */
export function tighter(tol: Tolerance, bounds: PerElement, want: ArrayLike<number>, slack = 0): PerElement {
  const perElement = new Float64Array(want.length);
  for (let i = 0; i < want.length; i++) {
    const fixed = tol.abs + tol.rel * Math.abs(want[i]);
    const b = bounds.perElement[i];
    perElement[i] = Number.isFinite(b) && b > 0 ? Math.min(fixed, b + slack) : fixed;
  }
  return { perElement };
}

/** Whether a tolerance is per-element bounds. */
export function isPerElement(tol: Tolerance | PerElement): tol is PerElement {
  return (tol as PerElement).perElement !== undefined;
}

/**
 * Ulps of the result itself that a per-element bound adds: the last operations
 * (a divide, a root, a pow) round the value once more, which Σ|terms| misses
 * where the terms cancel (Lp with p = 1 on signed data) or a window's 1e30 or
 * infinity leaves its magnitude undefined. Measured: Lp gradients next to 1e30
 * and infinite inputs differ between GPU and CPU by up to 5e-6 relative (fuzz
 * seeds 1437497158 and 316627475). 128 ulps is 1.5e-5 relative, still 1/60 of
 * the 0.1% error the mutation tests must catch.
 */
export const RESULT_ULPS = 128;

/**
 * Every element where |got − want| > abs + rel·|want| (or, with per-element
 * bounds, > perElement[i] + RESULT_ULPS ulps of |want|; NaN matches only NaN,
 * infinities match only themselves), as one line each with its coordinates.
 */
export function mismatches(
  label: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance | PerElement,
  dims: Dims,
  channelsLast: boolean,
  limit = 10,
): string[] {
  const out: string[] = [];
  if (got.length !== want.length) return [`${label}: length ${got.length}, want ${want.length}`];
  const bounds = isPerElement(tol) ? tol.perElement : null;
  if (bounds && bounds.length !== want.length) return [`${label}: ${bounds.length} bounds for ${want.length} values`];
  let count = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    const bound = bounds ? bounds[i] + RESULT_ULPS * EPS32 * Math.abs(w) : (tol as Tolerance).abs + (tol as Tolerance).rel * Math.abs(w);
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= bound;
    if (!ok) {
      count++;
      if (out.length < limit) out.push(`${label}[${coordsAt(i, dims, channelsLast)}]: got ${g}, want ${w} (bound ${bound.toPrecision(3)})`);
    }
  }
  if (count > limit) out.push(`${label}: … ${count - limit} more mismatches`);
  return out;
}

/**
 * Bounds of float16 results that are not picked: one half ulp of the expected value
 * (halfUlp, src/half.ts) plus the result's float32 bound `tol`. The GPU computes in
 * float32 and rounds once to half, as the reference's float16 semantics do
 * (reference.inFloat16), but its float32 value may differ from the reference's by
 * `tol` (another order of summation), and the rounding to half may then go the
 * other way; a device may also round to either neighbouring half (WGSL's
 * pack2x16float). Picked results (max-style values, unpooling, indices) are
 * compared exactly instead.
 */
export function halfBounds(want: ArrayLike<number>, tol: Tolerance | PerElement): PerElement {
  const bounds = isPerElement(tol) ? tol.perElement : null;
  const perElement = new Float64Array(want.length);
  for (let i = 0; i < want.length; i++) {
    const f32 = bounds ? bounds[i] : (tol as Tolerance).abs + (tol as Tolerance).rel * Math.abs(want[i]);
    perElement[i] = halfUlp(want[i]) + f32;
  }
  return { perElement };
}

/** A failure line where a result's dtype is not the one wanted (float results take their inputs' dtype, indices are int32). */
export function dtypeMismatch(label: string, got: string, want: string): string[] {
  return got === want ? [] : [`${label}: dtype ${got}, want ${want}`];
}

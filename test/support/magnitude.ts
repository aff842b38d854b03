// Magnitudes for the sum-based comparisons (compare.ts, sumTolerance): for each
// result element, Σ|t| over the terms that produced it, in the result's units,
// computed on the CPU from the reference's inputs. A result computed as a float32
// sum is then accepted within sumUlps(terms) ulps of that magnitude, and no more.
//
// Linear ops (average pooling of every kind, strip pooling, their gradients) get
// theirs from the reference itself, run on |x| or |gradOutput|: the same sum with
// every term made non-negative. The others (Lp, SoftPool, mixed, stochastic
// evaluation, GeM) are walked here; where a term goes through exp or pow, its
// magnitude is weighted by (1 + |argument|) as WGSL's exp2 is accurate to
// 3 + 2|x| ulps, so an argument error grows with the argument.
import { layoutInfo, offsetOf, planeIndex, unflatten } from '../../src/layout';
import * as reference from '../../src/reference/index';
import type { HostTensor } from '../../src/reference/index';
import { avgDivisor, windowSpec, windowStart, type WindowMode, type WindowSpec } from '../../src/window-spec';
import { gemSpec } from '../../src/binned-spec';

/** A host tensor's data made non-negative (|x|; NaN stays NaN). */
export function absOf<T extends HostTensor>(t: T): T {
  return { ...t, data: t.data.map(Math.abs) };
}

/** Magnitudes of one pass: one per result element, and the largest number of terms of any element. */
export interface Magnitude {
  magnitude: Float64Array;
  terms: number;
}

interface Window {
  out: number;
  starts: number[];
  /** Memory offsets of the window's real elements, in row-major tap order. */
  taps: number[];
}

function* windows(spec: WindowSpec, x: HostTensor): Generator<Window> {
  const cl = layoutInfo(x.layout).channelsLast;
  const outDims = { ...x.dims, spatial: spec.outputSpatial };
  const outPlane = spec.outputSpatial.reduce((a, b) => a * b, 1);
  const cells = spec.kernel.reduce((a, b) => a * b, 1);
  for (let n = 0; n < x.dims.batch; n++)
    for (let c = 0; c < x.dims.channels; c++)
      for (let s = 0; s < outPlane; s++) {
        const starts = unflatten(s, spec.outputSpatial).map((o, i) => windowStart(spec, i, o));
        const taps: number[] = [];
        for (let k = 0; k < cells; k++) {
          const tap = unflatten(k, spec.kernel).map((t, i) => starts[i] + t * spec.dilation[i]);
          if (tap.every((v, i) => v >= 0 && v < spec.inputSpatial[i])) taps.push(offsetOf(x.dims, cl, n, c, planeIndex(tap, spec.inputSpatial)));
        }
        yield { out: offsetOf(outDims, cl, n, c, s), starts, taps };
      }
}

/** A window's largest number of real taps, and so of terms in a forward sum; also bounds how many windows cover one element. */
function kernelCells(spec: WindowSpec): number {
  return spec.kernel.reduce((a, b) => a * b, 1);
}

/**
 * Forward and backward magnitudes of a window mode (avg, lp, soft, mixed,
 * stochasticEval) for input `x`, upstream gradient `g` and the call's options.
 * Each backward element sums over the windows covering it (at most the kernel's
 * cell count) terms that are themselves window sums, so its terms count twice.
 */
export function windowMagnitudes(mode: WindowMode, x: HostTensor, g: HostTensor, options: unknown): { forward: Magnitude; backward: Magnitude } {
  const spec = windowSpec(mode, x.dims.spatial, options);
  const cells = kernelCells(spec);
  const out = new Float64Array(g.data.length);
  const grad = new Float64Array(x.data.length);
  for (const w of windows(spec, x)) {
    const v = w.taps.map((t) => x.data[t]);
    const gw = Math.abs(g.data[w.out]);
    const n = w.taps.length;
    if (mode === 'avg') {
      const d = avgDivisor(spec, w.starts);
      out[w.out] = v.reduce((a, b) => a + Math.abs(b), 0) / d;
      for (const t of w.taps) grad[t] += gw / d;
    } else if (mode === 'mixed') {
      // λ·max (exact) + (1 − λ)·mean: the mean's terms; the max's gradient is one exact term.
      let best = -Infinity;
      let at = w.taps[0];
      v.forEach((b, i) => {
        if (b > best || Number.isNaN(b)) [best, at] = [b, w.taps[i]];
      });
      out[w.out] = spec.lambda * Math.abs(best) + ((1 - spec.lambda) * v.reduce((a, b) => a + Math.abs(b), 0)) / n;
      for (const t of w.taps) grad[t] += (gw * (1 - spec.lambda)) / n;
      grad[at] += gw * spec.lambda;
    } else if (mode === 'lp') {
      // out = s·(T·cells/d)^(1/p), T = Σ (x/s)^p: T's error is relative to Σ|t|, and
      // reaches out divided by p; each term and the root go through pow. ONNX's norm
      // is the same over |x| with d = cells.
      if (spec.norm) for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
      const s = Math.max(0, ...v.map(Math.abs));
      const scale = s > 0 && s < Infinity ? s : 1;
      const terms = v.map((b) => Math.abs(Math.pow(b / scale, spec.p)));
      const powWeight = (b: number, e: number) => 1 + Math.abs(e * Math.log2(Math.abs(b) || 1));
      const absT = terms.reduce((a, b, i) => a + b * powWeight(v[i] / scale, spec.p), 0);
      const T = Math.abs(v.reduce((a, b) => a + Math.pow(b / scale, spec.p), 0));
      const d = spec.norm ? cells : avgDivisor(spec, w.starts);
      const t = (T * cells) / d;
      const o = scale * Math.pow(t, 1 / spec.p);
      const rel = T > 0 ? absT / T : 0;
      out[w.out] = o * (rel / spec.p + powWeight(t, 1 / spec.p));
      if (t === 0) continue;
      const c = (gw * Math.pow(t, 1 / spec.p - 1) * cells) / d;
      w.taps.forEach((tap, i) => {
        const gi = c * Math.abs(Math.pow(v[i] / scale, spec.p - 1));
        // T's cancellation (rel = Σ|t| / |T|) reaches the gradient through out and t even where p = 1.
        const bound = gi * (Math.max(1, Math.abs(1 / spec.p - 1)) * rel + powWeight(t, 1 / spec.p - 1) + powWeight(v[i] / scale, spec.p - 1));
        // A window with an infinite or NaN tap gives its other taps a gradient of 0
        // (out^(1-p) = 0) or NaN (compared exactly): its bound adds nothing to a finite one.
        // But with p = 1 the gradient is g·sign(x) whatever T is: the term keeps its own magnitude.
        if (Number.isFinite(bound)) grad[tap] += bound;
        else if (spec.p === 1 && Number.isFinite(gi)) grad[tap] += gi;
      });
    } else if (mode === 'soft') {
      // out = Σ e_i x_i / Σ e_i, e_i = exp(x_i − m): terms e_i·(|x_i| + |out|), each e_i off by (1 + |x_i − m|) ulps.
      const m = Math.max(...v);
      const e = v.map((b) => (b - m < -88 ? 0 : Math.exp(b - m)));
      const sum = e.reduce((a, b) => a + b, 0);
      const o = e.reduce((a, b, i) => a + b * v[i], 0) / sum;
      const ew = v.map((b) => 1 + Math.abs(b - m));
      out[w.out] = e.reduce((a, b, i) => a + b * (Math.abs(v[i]) + Math.abs(o)) * ew[i], 0) / sum;
      w.taps.forEach((tap, j) => {
        const spread = e.reduce((a, b, i) => a + b * Math.abs(v[j] - v[i]) * ew[i], 0) / sum;
        grad[tap] += (gw * e[j] * ew[j] * (1 + spread + Math.abs(o - v[j]))) / sum;
      });
    } else if (mode === 'stochasticEval') {
      // Σa²/Σa over non-negative a: both sums of non-negative terms, so |out| times two sums' worth.
      const a = v.map((b) => (b > 0 ? b : 0));
      const s1 = a.reduce((p, q) => p + q, 0);
      const s2 = a.reduce((p, q) => p + q * q, 0);
      out[w.out] = s1 > 0 ? (2 * s2) / s1 : 0;
      if (!(s1 > 0)) continue;
      w.taps.forEach((tap, i) => {
        if (v[i] >= 0) grad[tap] += (2 * gw * (2 * a[i] * s1 + s2)) / (s1 * s1);
      });
    } else {
      throw new Error(`no magnitudes for window mode ${mode}`);
    }
  }
  return { forward: { magnitude: out, terms: cells }, backward: { magnitude: grad, terms: 2 * cells } };
}

/** A linear reference op's magnitudes: the op itself on non-negative inputs. */
export function linearMagnitude(result: HostTensor, terms: number): Magnitude {
  return { magnitude: Float64Array.from(result.data), terms };
}

/**
 * GeM's magnitudes: out = (mean y^p)^(1/p), y = max(x, eps) > 0, so the mean's
 * terms are non-negative; each goes through pow, weighted by (1 + |p·log2 y|).
 * gradInput = g·m^(1/p − 1)·y^(p − 1)/count: three pow-carried factors and m's error.
 * gradP sums over every (n, c) terms with logarithms: Σ|terms| of that sum.
 */
export function gemMagnitudes(x: HostTensor, g: HostTensor, options: unknown): { forward: Magnitude; backward: Magnitude; gradP: Magnitude } {
  const { p, eps } = gemSpec(x.dims.spatial, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const plane = x.dims.spatial.reduce((a, b) => a * b, 1);
  const outDims = { ...x.dims, spatial: [1, 1] };
  const out = new Float64Array(g.data.length);
  const grad = new Float64Array(x.data.length);
  let gp = 0;
  const w = (b: number, e: number) => 1 + Math.abs(e * Math.log2(b));
  for (let n = 0; n < x.dims.batch; n++)
    for (let c = 0; c < x.dims.channels; c++) {
      const at = offsetOf(outDims, cl, n, c, 0);
      const gw = Math.abs(g.data[at]);
      const offsets = Array.from({ length: plane }, (_, s) => offsetOf(x.dims, cl, n, c, s));
      const y = offsets.map((o) => (Number.isNaN(x.data[o]) ? NaN : Math.max(x.data[o], eps)));
      const m = y.reduce((a, b) => a + b ** p, 0) / plane;
      const mw = y.reduce((a, b) => a + b ** p * w(b, p), 0) / plane / m;
      const o = m ** (1 / p);
      out[at] = o * (mw / p + w(m, 1 / p));
      offsets.forEach((off, s) => {
        if (x.data[off] >= eps) grad[off] = (gw * m ** (1 / p - 1) * y[s] ** (p - 1) * (Math.abs(1 / p - 1) * mw + w(m, 1 / p - 1) + w(y[s], p - 1))) / plane;
      });
      const mLog = y.reduce((a, b) => a + b ** p * Math.abs(Math.log(b)) * (1 + w(b, p)), 0) / plane;
      gp += gw * ((1 / p) * m ** (1 / p - 1) * mLog * (1 + w(m, 1 / p - 1)) + (o * (Math.abs(Math.log(m)) + mw) * (1 + w(m, 1 / p))) / (p * p));
    }
  return {
    forward: { magnitude: out, terms: plane },
    backward: { magnitude: grad, terms: 2 * plane },
    gradP: { magnitude: Float64Array.of(gp), terms: 2 * plane * x.dims.batch * x.dims.channels },
  };
}

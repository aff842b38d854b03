// CPU reference of window pooling (max, avg, lp): the readable definition of each
// mode. Loops over every output window and its real taps; the backward passes
// scatter from each window (the GPU gathers), so the two are written differently.
import { PoolError } from '../errors';
import { layoutInfo, offsetOf, shapeOf, sizeOf, type Dims, unflatten, planeIndex } from '../layout';
import {
  avgDivisor,
  checkPlaneIndices,
  conventionIndex,
  windowSpec,
  windowStart,
  type AvgPoolOptions,
  type LpPoolOptions,
  type MaxPoolOptions,
  type MixedPoolOptions,
  type SoftPoolOptions,
  type StochasticPoolOptions,
  type WindowSpec,
} from '../window-spec';
import type { HostTensor } from './host-tensor';
import { STOCHASTIC_STREAM, uniform01 } from '../random';
import { checkShape } from '../validate';

/** The smallest normal float32. */
const MIN_NORMAL = 1.1754943508222875e-38;

interface Window {
  n: number;
  c: number;
  /** Memory offset of the output cell. */
  out: number;
  /** Flat index of the output cell in its spatial plane. */
  cell: number;
  /** Per-dimension window start (may be negative). */
  starts: number[];
  /** Flat plane indices of the window's real elements, in row-major tap order. */
  taps: number[];
}

/** Every output window of `spec` over tensors of `dims`, with its real taps. */
function* windows(spec: WindowSpec, dims: Dims, channelsLast: boolean): Generator<Window> {
  const outDims = { ...dims, spatial: spec.outputSpatial };
  const outPlane = spec.outputSpatial.reduce((a, b) => a * b, 1);
  const kernelCells = spec.kernel.reduce((a, b) => a * b, 1);
  for (let n = 0; n < dims.batch; n++) {
    for (let c = 0; c < dims.channels; c++) {
      for (let s = 0; s < outPlane; s++) {
        const outCoords = unflatten(s, spec.outputSpatial);
        const starts = outCoords.map((o, i) => windowStart(spec, i, o));
        const taps: number[] = [];
        for (let k = 0; k < kernelCells; k++) {
          const tap = unflatten(k, spec.kernel).map((t, i) => starts[i] + t * spec.dilation[i]);
          if (tap.every((v, i) => v >= 0 && v < spec.inputSpatial[i])) taps.push(planeIndex(tap, spec.inputSpatial));
        }
        yield { n, c, out: offsetOf(outDims, channelsLast, n, c, s), cell: s, starts, taps };
      }
    }
  }
}

function outputOf(x: HostTensor, spec: WindowSpec): HostTensor {
  const dims = { ...x.dims, spatial: spec.outputSpatial };
  return { data: new Float32Array(sizeOf(dims)), shape: shapeOf(dims, x.layout), layout: x.layout, dims };
}

function checkLikeOutput(t: HostTensor<Float32Array | Int32Array>, param: string, x: HostTensor, spec: WindowSpec): void {
  checkShape(t, param, shapeOf({ ...x.dims, spatial: spec.outputSpatial }, x.layout), x.layout, "the forward output's shape");
}

/** torch.pow (C's pow) for a real base; NaN stays NaN, as in the shaders' pow_real. */
export function powReal(x: number, e: number): number {
  return Number.isNaN(x) ? NaN : Math.pow(x, e);
}

export function maxPool(x: HostTensor, options: MaxPoolOptions): { output: HostTensor; indices: HostTensor<Int32Array> } {
  const spec = windowSpec('max', x.dims.spatial, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(x, spec);
  const indices: HostTensor<Int32Array> = { ...output, data: new Int32Array(output.data.length) };
  for (const w of windows(spec, x.dims, cl)) {
    // PyTorch: a value wins when it is greater than the best so far (so the first
    // maximum wins ties), and any NaN takes over.
    // TensorFlow's rule (nanMode 'ignore'): a NaN never wins; a window of only NaN gives −Infinity.
    let best = -Infinity;
    // A window of padding only (largePadding): −Infinity, index −1.
    let bestIndex = w.taps.length ? w.taps[0] : -1;
    let found = false;
    for (const s of w.taps) {
      const v = x.data[offsetOf(x.dims, cl, w.n, w.c, s)];
      if (spec.ignoreNaN && Number.isNaN(v)) continue;
      if (!found && spec.ignoreNaN) {
        found = true;
        best = v;
        bestIndex = s;
      } else if (v > best || Number.isNaN(v)) {
        best = v;
        bestIndex = s;
      }
    }
    output.data[w.out] = best;
    indices.data[w.out] = conventionIndex(spec.indexConvention, bestIndex, w.n, w.c, x.dims.channels, spec.inputSpatial);
  }
  return { output, indices };
}

export function maxPoolBackward(gradOutput: HostTensor, x: HostTensor, indices: HostTensor<Int32Array>, options: MaxPoolOptions): HostTensor {
  const spec = windowSpec('max', x.dims.spatial, options);
  checkPlaneIndices(spec);
  checkLikeOutput(gradOutput, 'gradOutput', x, spec);
  checkLikeOutput(indices, 'indices', x, spec);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const w of windows(spec, x.dims, cl)) {
    // −1: a window of padding only (largePadding) has no winner to send its gradient to.
    if (indices.data[w.out] >= 0) grad[offsetOf(x.dims, cl, w.n, w.c, indices.data[w.out])] += gradOutput.data[w.out];
  }
  return { ...x, data: Float32Array.from(grad) };
}

export function avgPool(x: HostTensor, options: AvgPoolOptions): HostTensor {
  const spec = windowSpec('avg', x.dims.spatial, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(x, spec);
  for (const w of windows(spec, x.dims, cl)) {
    let sum = 0;
    for (const s of w.taps) sum += x.data[offsetOf(x.dims, cl, w.n, w.c, s)];
    output.data[w.out] = sum / avgDivisor(spec, w.starts);
  }
  return output;
}

export function avgPoolBackward(gradOutput: HostTensor, x: HostTensor, options: AvgPoolOptions): HostTensor {
  const spec = windowSpec('avg', x.dims.spatial, options);
  checkLikeOutput(gradOutput, 'gradOutput', x, spec);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const w of windows(spec, x.dims, cl)) {
    const share = gradOutput.data[w.out] / avgDivisor(spec, w.starts);
    for (const s of w.taps) grad[offsetOf(x.dims, cl, w.n, w.c, s)] += share;
  }
  return { ...x, data: Float32Array.from(grad) };
}

/**
 * One power-average window as PyTorch defines LPPool: out = T^(1/p) with
 * T = avg_pool(x^p) · prod(kernel), which is Σ x^p except in a ceil-mode window
 * clipped at the edge (the average's divisor is then the clipped count). Written
 * as out = scale · t^(1/p), scale being the window's largest magnitude and
 * t = T / scale^p, so that 1e30 does not overflow where the result does not; a
 * window whose largest magnitude is 0, infinite or NaN uses the direct formula.
 */
function lpWindow(x: HostTensor, cl: boolean, spec: WindowSpec, w: Window): { scale: number; t: number; divisor: number; cells: number } {
  const raw = w.taps.map((s) => x.data[offsetOf(x.dims, cl, w.n, w.c, s)]);
  // ONNX's norm sums |x|ᵖ, unscaled: a divisor of prod(kernel) cancels the scaling.
  const values = spec.norm ? raw.map(Math.abs) : raw;
  let scale = Math.max(0, ...values.map(Math.abs));
  if (!(scale > 0 && scale < Infinity)) scale = 1; // NaN, 0 or ∞: direct formula
  // In float32, as PyTorch and the GPU compute it: overflow and underflow must match.
  const f = Math.fround;
  let sum = 0;
  for (const v of values) sum = f(sum + f(powReal(f(v / scale), spec.p)));
  const cells = spec.kernel.reduce((a, b) => a * b, 1);
  const divisor = spec.norm ? cells : avgDivisor(spec, w.starts);
  return { scale, t: f(f(sum / divisor) * cells), divisor, cells };
}

export function lpPool(x: HostTensor, options: LpPoolOptions): HostTensor {
  const spec = windowSpec('lp', x.dims.spatial, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(x, spec);
  for (const w of windows(spec, x.dims, cl)) {
    const { scale, t } = lpWindow(x, cl, spec, w);
    output.data[w.out] = scale * powReal(t, 1 / spec.p);
  }
  return output;
}

export function lpPoolBackward(gradOutput: HostTensor, x: HostTensor, options: LpPoolOptions): HostTensor {
  const spec = windowSpec('lp', x.dims.spatial, options);
  checkLikeOutput(gradOutput, 'gradOutput', x, spec);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const w of windows(spec, x.dims, cl)) {
    const { scale, t, divisor, cells } = lpWindow(x, cl, spec, w);
    if (t === 0) continue; // PyTorch's relu mask: no gradient through an all-zero window
    // d out / d x_i = t^(1/p − 1) · prod(kernel) / divisor · (x_i / scale)^(p − 1)
    const g = Math.fround((gradOutput.data[w.out] * Math.fround(powReal(t, 1 / spec.p - 1)) * cells) / divisor);
    for (const s of w.taps) {
      const at = offsetOf(x.dims, cl, w.n, w.c, s);
      const v = x.data[at];
      const slope = spec.norm ? Math.sign(v) * powReal(Math.fround(Math.abs(v) / scale), spec.p - 1) : powReal(Math.fround(v / scale), spec.p - 1);
      grad[at] += g * Math.fround(slope);
    }
  }
  return { ...x, data: Float32Array.from(grad) };
}

/** The values of a window's real taps, in row-major tap order. */
function tapValues(x: HostTensor, cl: boolean, w: Window): number[] {
  return w.taps.map((s) => x.data[offsetOf(x.dims, cl, w.n, w.c, s)]);
}

/** SoftPool's weights e^{x_i − m} (m the window maximum, so 1e4 does not overflow) and result; NaN anywhere gives NaN. */
function softWindow(values: number[]): { weights: number[]; sum: number; m: number; out: number } {
  if (values.some(Number.isNaN)) return { weights: values.map(() => NaN), sum: NaN, m: NaN, out: NaN };
  const m = Math.max(...values);
  // Exactly 0 below −88, where float32 has no normal result (as the shaders do).
  const weights = values.map((v) => (v - m < -88 ? 0 : Math.exp(v - m)));
  const sum = weights.reduce((a, b) => a + b, 0);
  return { weights, sum, m, out: weights.reduce((acc, e, i) => acc + e * values[i], 0) / sum };
}

/** SoftPool (Stergiou et al. 2021): Σ e^{x_i}·x_i / Σ e^{x_i} over each window. */
export function softPool(x: HostTensor, options: SoftPoolOptions): HostTensor {
  const spec = windowSpec('soft', x.dims.spatial, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(x, spec);
  for (const w of windows(spec, x.dims, cl)) output.data[w.out] = softWindow(tapValues(x, cl, w)).out;
  return output;
}

export function softPoolBackward(gradOutput: HostTensor, x: HostTensor, options: SoftPoolOptions): HostTensor {
  const spec = windowSpec('soft', x.dims.spatial, options);
  checkLikeOutput(gradOutput, 'gradOutput', x, spec);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const w of windows(spec, x.dims, cl)) {
    const values = tapValues(x, cl, w);
    const { weights, sum } = softWindow(values);
    // d out / d x_j = e^{x_j − m} / Σ e^{x_i − m} · (1 + x_j − out), with
    // x_j − out = Σ_i e^{x_i − m} (x_j − x_i) / Σ e^{x_i − m}: no cancellation at 1e30.
    w.taps.forEach((s, j) => {
      const spread = weights.reduce((acc, e, i) => acc + e * (values[j] - values[i]), 0) / sum;
      grad[offsetOf(x.dims, cl, w.n, w.c, s)] += (gradOutput.data[w.out] * weights[j] * (1 + spread)) / sum;
    });
  }
  return { ...x, data: Float32Array.from(grad) };
}

/** Max pooling's winner of a window (first maximum; a NaN takes over) and the window's mean. */
function mixedWindow(values: number[], taps: number[]): { best: number; bestIndex: number; mean: number } {
  let best = -Infinity;
  let bestIndex = taps[0];
  values.forEach((v, i) => {
    if (v > best || Number.isNaN(v)) {
      best = v;
      bestIndex = taps[i];
    }
  });
  return { best, bestIndex, mean: values.reduce((a, b) => a + b, 0) / values.length };
}

/** Mixed pooling (Yu et al. 2014): λ·max + (1 − λ)·average over the same window. */
export function mixedPool(x: HostTensor, options: MixedPoolOptions): HostTensor {
  const spec = windowSpec('mixed', x.dims.spatial, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(x, spec);
  for (const w of windows(spec, x.dims, cl)) {
    const { best, mean } = mixedWindow(tapValues(x, cl, w), w.taps);
    output.data[w.out] = spec.lambda * best + (1 - spec.lambda) * mean;
  }
  return output;
}

export function mixedPoolBackward(gradOutput: HostTensor, x: HostTensor, options: MixedPoolOptions): HostTensor {
  const spec = windowSpec('mixed', x.dims.spatial, options);
  checkLikeOutput(gradOutput, 'gradOutput', x, spec);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const w of windows(spec, x.dims, cl)) {
    const g = gradOutput.data[w.out];
    const { bestIndex } = mixedWindow(tapValues(x, cl, w), w.taps);
    for (const s of w.taps) grad[offsetOf(x.dims, cl, w.n, w.c, s)] += (g * (1 - spec.lambda)) / w.taps.length;
    grad[offsetOf(x.dims, cl, w.n, w.c, bestIndex)] += g * spec.lambda;
  }
  return { ...x, data: Float32Array.from(grad) };
}

/**
 * Stochastic pooling's weights a_i = max(x_i, 0) (NaN weighs 0) over the largest
 * weight m, so that 1e30 does not overflow in a²: s1 = Σ a_i/m, s2 = Σ (a_i/m)².
 * Then Σa²/Σa = m·s2/s1. m = 0 gives sums of 0; m = ∞ takes the direct sums.
 */
function stochasticWindow(values: number[]): { a: number[]; m: number; s1: number; s2: number } {
  const top = Math.max(0, ...values.filter((v) => !Number.isNaN(v)));
  const m = top > 0 && top < Infinity ? top : 1;
  const a = values.map((v) => (v > 0 ? v : 0) / m);
  return { a, m, s1: a.reduce((p, q) => p + q, 0), s2: a.reduce((p, q) => p + q * q, 0) };
}

/**
 * Stochastic pooling at evaluation (Zeiler & Fergus 2013): the window's average
 * weighted by p_i = a_i / Σ a, that is Σ a_i² / Σ a_i; 0 where Σ a = 0.
 */
export function stochasticPoolEval(x: HostTensor, options: StochasticPoolOptions): HostTensor {
  const spec = windowSpec('stochasticEval', x.dims.spatial, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(x, spec);
  for (const w of windows(spec, x.dims, cl)) {
    const { m, s1, s2 } = stochasticWindow(tapValues(x, cl, w));
    output.data[w.out] = s1 > 0 ? m * (s2 / s1) : 0;
  }
  return output;
}

export function stochasticPoolEvalBackward(gradOutput: HostTensor, x: HostTensor, options: StochasticPoolOptions): HostTensor {
  const spec = windowSpec('stochasticEval', x.dims.spatial, options);
  checkLikeOutput(gradOutput, 'gradOutput', x, spec);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const w of windows(spec, x.dims, cl)) {
    const values = tapValues(x, cl, w);
    const { a, s1, s2 } = stochasticWindow(values);
    if (!(s1 > 0)) continue;
    // d/dx_j of Σa²/Σa = (2 a_j Σa − Σa²) / (Σa)² where x_j ≥ 0 (a = x there; the
    // rule is defined on non-negative activations, so x_j = 0 takes that branch too)
    w.taps.forEach((s, i) => {
      if (values[i] >= 0) grad[offsetOf(x.dims, cl, w.n, w.c, s)] += (gradOutput.data[w.out] * (2 * a[i] * s1 - s2)) / (s1 * s1);
    });
  }
  return { ...x, data: Float32Array.from(grad) };
}

/**
 * Stochastic pooling in training (Zeiler & Fergus 2013): in each window, element i
 * with probability p_i = a_i / Σ a (a = max(x, 0), NaN weighs 0), output that
 * element and return its plane index; a window whose weights sum to 0 outputs 0
 * and picks its first element. The random number of each output is uniform01(seed,
 * STOCHASTIC_STREAM, (n·C + c)·cells + cell); the pick is the first element whose
 * running sum of weights exceeds r·Σ a, summed in float32 in row-major tap order —
 * exactly as the GPU does, so the same seed picks the same elements.
 */
export function stochasticPool(x: HostTensor, options: StochasticPoolOptions): { output: HostTensor; indices: HostTensor<Int32Array> } {
  const spec = windowSpec('stochastic', x.dims.spatial, options);
  if (spec.seed === null) throw new PoolError('INVALID_OPTION', 'seed', undefined, 'the CPU reference needs a seed to pick with');
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(x, spec);
  const indices: HostTensor<Int32Array> = { ...output, data: new Int32Array(output.data.length) };
  const cells = spec.outputSpatial.reduce((a, b) => a * b, 1);
  const f = Math.fround;
  for (const w of windows(spec, x.dims, cl)) {
    const values = tapValues(x, cl, w);
    const r = uniform01(spec.seed, STOCHASTIC_STREAM, (w.n * x.dims.channels + w.c) * cells + w.cell);
    let total = 0;
    // Subnormal weights count as 0, as on the GPU (devices may flush them).
    const weighs = (v: number) => v >= MIN_NORMAL;
    for (const v of values) if (weighs(v)) total = f(total + v);
    let pick = w.taps[0];
    if (total > 0) {
      const goal = f(r * total);
      let running = 0;
      pick = -1;
      values.forEach((v, i) => {
        if (weighs(v) && pick < 0) {
          running = f(running + v);
          if (running > goal) pick = w.taps[i];
        }
      });
      if (pick < 0) pick = w.taps[values.map(weighs).lastIndexOf(true)]; // r·Σa rounded up to Σa
    }
    const v = x.data[offsetOf(x.dims, cl, w.n, w.c, pick)];
    output.data[w.out] = weighs(v) ? v : 0; // a zero-sum window outputs 0
    indices.data[w.out] = pick;
  }
  return { output, indices };
}

/** Gradient of stochastic pooling in training: each output's gradient goes to its picked element. */
export function stochasticPoolBackward(gradOutput: HostTensor, x: HostTensor, indices: HostTensor<Int32Array>, options: StochasticPoolOptions): HostTensor {
  const spec = windowSpec('stochastic', x.dims.spatial, options);
  checkLikeOutput(gradOutput, 'gradOutput', x, spec);
  checkLikeOutput(indices, 'indices', x, spec);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const w of windows(spec, x.dims, cl)) grad[offsetOf(x.dims, cl, w.n, w.c, indices.data[w.out])] += gradOutput.data[w.out];
  return { ...x, data: Float32Array.from(grad) };
}

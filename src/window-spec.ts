import { PoolError } from './errors';
import { unbatchedHint } from './layout';

/**
 * Padding, in any of the forms users bring from PyTorch and TensorFlow:
 * - a number: the same on both sides of every spatial dimension;
 * - one number per spatial dimension (symmetric);
 * - `[before, after]` pairs, one per spatial dimension;
 * - `'valid'`: none;
 * - `'same'`: TensorFlow's SAME (ONNX's SAME_UPPER): output = ceil(in / stride), the odd extra cell after;
 * - `'sameLower'`: ONNX's SAME_LOWER: the same sizes, the odd extra cell before.
 */
export type Padding = number | readonly number[] | readonly (readonly [number, number])[] | 'valid' | 'same' | 'sameLower';

/**
 * Where a max-style call's indices point (`indexConvention`):
 * - `'plane'` (default, PyTorch's): the winner's row-major position in its (n, c) spatial plane;
 * - `'flat'` (ONNX's, storage_order 0): its row-major position in the whole [N, C, ...spatial] tensor;
 * - `'flatColumnMajor'` (ONNX's storage_order 1): the plane's offset plus the spatial position in column-major order;
 * - `'channelsLast'` (TensorFlow's MaxPoolWithArgmax): (spatial position · C + c), within one batch item;
 * - `'channelsLastBatch'` (TensorFlow's includeBatchInIndex): the same plus n · spatial size · C.
 * The backward ops take `'plane'` indices. A window of padding only (largePadding) has index −1 in every convention.
 */
export type IndexConvention = 'plane' | 'flat' | 'flatColumnMajor' | 'channelsLast' | 'channelsLastBatch';

export const INDEX_CONVENTIONS: readonly IndexConvention[] = ['plane', 'flat', 'flatColumnMajor', 'channelsLast', 'channelsLastBatch'];

/**
 * The index of plane position `s` of item `n`, channel `c`, in `convention`, over an
 * input of `channels` channels and `spatial` sizes (the host's definition; the GPU's
 * is shaders/index_convention.wgsl).
 */
export function conventionIndex(convention: IndexConvention, s: number, n: number, c: number, channels: number, spatial: readonly number[]): number {
  if (s < 0) return s;
  const plane = spatial.reduce((a, b) => a * b, 1);
  switch (convention) {
    case 'plane':
      return s;
    case 'flat':
      return (n * channels + c) * plane + s;
    case 'flatColumnMajor': {
      // The spatial coordinates counted first dimension fastest.
      let rest = s;
      const coords = spatial
        .map((_, i) => spatial.slice(i + 1).reduce((a, b) => a * b, 1))
        .map((stride) => {
          const v = Math.floor(rest / stride);
          rest -= v * stride;
          return v;
        });
      let column = 0;
      for (let i = spatial.length - 1; i >= 0; i--) column = column * spatial[i] + coords[i];
      return (n * channels + c) * plane + column;
    }
    case 'channelsLast':
      return s * channels + c;
    case 'channelsLastBatch':
      return (n * plane + s) * channels + c;
  }
}

/** Max pooling options. Defaults: stride = kernel, padding 0, dilation 1, ceilMode false. */
export interface MaxPoolOptions {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  padding?: Padding;
  dilation?: number | readonly number[];
  ceilMode?: boolean;
  /** Write the winners' indices (default true); false for inference: no index bytes, `indices: null`. */
  indices?: boolean;
  /** What the indices count (default `'plane'`, PyTorch's); see IndexConvention. */
  indexConvention?: IndexConvention;
  /** Allow padding beyond half the effective kernel, as TensorFlow and ONNX do (PyTorch refuses it). A window of padding only gives −Infinity, index −1. */
  largePadding?: boolean;
  /** `'propagate'` (default, PyTorch's): a NaN in a window wins; `'ignore'` (TensorFlow's): a NaN never wins (a window of only NaN gives −Infinity). */
  nanMode?: 'propagate' | 'ignore';
}

/**
 * Average pooling options. Defaults: stride = kernel, padding 0, ceilMode false,
 * countIncludePad true (false under `'same'` or asymmetric padding, as TensorFlow does,
 * unless given), divisorOverride none.
 */
export interface AvgPoolOptions {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  padding?: Padding;
  /** Spacing of the taps (default 1), as ONNX's and tf.pool's dilations; the divisor counts taps, not cells. */
  dilation?: number | readonly number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
  /**
   * Allow padding beyond half the kernel, as TensorFlow and ONNX do (PyTorch refuses it).
   * A window of padding only then averages to 0.
   */
  largePadding?: boolean;
}

/**
 * Power-average (Lp) pooling options: `p > 0`; stride = kernel, ceilMode false by default.
 * PyTorch's LPPool (the default) takes no padding or dilation; `norm: true` computes ONNX's
 * LpPool, (Σ |x|ᵖ)^(1/p) over the window's real cells, which takes both.
 */
export interface LpPoolOptions {
  p: number;
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  ceilMode?: boolean;
  /** ONNX's norm of |x| instead of PyTorch's scaled power sum of x (default false). */
  norm?: boolean;
  /** With `norm`: padding (padding cells add nothing to the sum). */
  padding?: Padding;
  /** With `norm`: spacing of the taps. */
  dilation?: number | readonly number[];
  /** With `norm`: padding beyond half the kernel. */
  largePadding?: boolean;
}

/** SoftPool options: kernel, stride (default: the kernel); no padding. */
export interface SoftPoolOptions {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
}

/** Mixed pooling options: λ·max + (1 − λ)·average over the same window; `lambda` in [0, 1], default 0.5; no padding. */
export interface MixedPoolOptions {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  lambda?: number;
}

/**
 * Stochastic pooling options. Padding cells weigh nothing. `seed` (training only):
 * the picks' random stream; default the engine's own counter, so successive calls differ.
 */
export interface StochasticPoolOptions {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  padding?: Padding;
  seed?: number;
}

export type WindowMode = 'max' | 'avg' | 'lp' | 'soft' | 'mixed' | 'stochasticEval' | 'stochastic';

const WINDOW_OPTIONS: Record<WindowMode, string[]> = {
  max: ['kernel', 'stride', 'padding', 'dilation', 'ceilMode', 'indices', 'indexConvention', 'largePadding', 'nanMode'],
  avg: ['kernel', 'stride', 'padding', 'dilation', 'ceilMode', 'countIncludePad', 'divisorOverride', 'largePadding'],
  lp: ['p', 'kernel', 'stride', 'ceilMode', 'norm', 'padding', 'dilation', 'largePadding'],
  soft: ['kernel', 'stride'],
  mixed: ['kernel', 'stride', 'lambda'],
  stochasticEval: ['kernel', 'stride', 'padding'],
  stochastic: ['kernel', 'stride', 'padding', 'seed'],
};

/**
 * A window pooling call, normalized and validated once. The GPU path, the CPU
 * reference and the tests all read this; nothing recomputes output sizes.
 */
export interface WindowSpec {
  mode: WindowMode;
  rank: number;
  kernel: number[];
  stride: number[];
  dilation: number[];
  padBefore: number[];
  padAfter: number[];
  ceilMode: boolean;
  /** avg: divisor counts padding cells (never the part of a ceil-mode window past the padded edge). */
  countIncludePad: boolean;
  /** avg: replaces the divisor when not null. */
  divisorOverride: number | null;
  /** lp: the power. */
  p: number;
  /** lp: ONNX's norm (Σ |x|ᵖ)^(1/p) rather than PyTorch's LPPool. */
  norm: boolean;
  /** mixed: the weight of the max, in [0, 1]. */
  lambda: number;
  /** stochastic (training): the seed given, or null for the engine's counter. */
  seed: number | null;
  /** max and stochastic training: whether the call writes indices (`indices: false` skips them). */
  indices: boolean;
  /** max: what the indices count ('plane' unless asked). */
  indexConvention: IndexConvention;
  /** Whether some padding exceeds half the effective kernel (`largePadding`); the kernels that assume it does not are then not chosen. */
  largePadding: boolean;
  /** max: TensorFlow's rule, a NaN never wins (`nanMode: 'ignore'`). */
  ignoreNaN: boolean;
  inputSpatial: number[];
  outputSpatial: number[];
}

/**
 * PyTorch's pooling output size (pooling_output_shape_pad_lr), with ceil mode's
 * rule that the last window must start inside the input or the left padding.
 */
export function pooledSize(input: number, kernel: number, stride: number, dilation: number, padBefore: number, padAfter: number, ceilMode: boolean): number {
  const span = input + padBefore + padAfter - dilation * (kernel - 1) - 1;
  let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + padBefore) out--;
  return out;
}

/** TensorFlow SAME padding for one dimension: [before, after], the odd cell after (or before: ONNX's SAME_LOWER). */
export function samePadding(input: number, kernel: number, stride: number, dilation: number, oddBefore = false): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + effective - input, 0);
  const small = Math.floor(total / 2);
  return oddBefore ? [total - small, small] : [small, total - small];
}

function perDim(name: string, value: unknown, rank: number, rule: 'positive' | 'nonNegative'): number[] {
  const list = typeof value === 'number' ? new Array(rank).fill(value) : value;
  if (!Array.isArray(list) || list.length !== rank) {
    const entries = Array.isArray(list) ? list.length : 0;
    throw new PoolError('INVALID_OPTION', name, value, `must be a number or ${rank} numbers (one per spatial dimension)${unbatchedHint(rank, entries)}`);
  }
  const code = name === 'kernel' ? 'INVALID_KERNEL' : name === 'stride' ? 'INVALID_STRIDE' : name === 'dilation' ? 'INVALID_DILATION' : 'INVALID_PADDING';
  for (const v of list) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new PoolError(typeof v === 'number' ? 'NOT_FINITE' : code, name, value, 'must hold finite integers');
    }
    const ok = Number.isInteger(v) && (rule === 'positive' ? v >= 1 : v >= 0);
    if (!ok) throw new PoolError(code, name, value, rule === 'positive' ? 'must hold positive integers' : 'must hold non-negative integers');
  }
  return list as number[];
}

interface PadResult {
  before: number[];
  after: number[];
  same: boolean;
}

function resolvePadding(padding: unknown, input: number[], kernel: number[], stride: number[], dilation: number[]): PadResult {
  const rank = input.length;
  if (padding === undefined || padding === 'valid') return { before: new Array(rank).fill(0), after: new Array(rank).fill(0), same: false };
  if (padding === 'same' || padding === 'sameLower') {
    const pairs = input.map((n, i) => samePadding(n, kernel[i], stride[i], dilation[i], padding === 'sameLower'));
    return { before: pairs.map((p) => p[0]), after: pairs.map((p) => p[1]), same: true };
  }
  if (Array.isArray(padding) && padding.length === rank && padding.every((p) => Array.isArray(p))) {
    const pairs = padding as unknown[][];
    for (const pair of pairs) {
      if (pair.length !== 2) throw new PoolError('INVALID_PADDING', 'padding', padding, 'pairs must be [before, after]');
    }
    const flat = perDim('padding', pairs.flat(), rank * 2, 'nonNegative');
    return { before: flat.filter((_, i) => i % 2 === 0), after: flat.filter((_, i) => i % 2 === 1), same: false };
  }
  if (typeof padding === 'string') {
    throw new PoolError('INVALID_PADDING', 'padding', padding, "must be a number, one per dimension, [before, after] pairs, 'valid', 'same' or 'sameLower'");
  }
  const sym = perDim('padding', padding, rank, 'nonNegative');
  return { before: sym, after: sym.slice(), same: false };
}

function checkFlag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new PoolError('INVALID_OPTION', name, value, 'must be true or false');
  return value;
}

/** Validates a window pooling call and computes its output size; throws PoolError on any bad parameter. */
export function windowSpec(mode: WindowMode, inputSpatial: readonly number[], options: unknown): WindowSpec {
  if (!Object.prototype.hasOwnProperty.call(WINDOW_OPTIONS, mode)) {
    throw new PoolError('INVALID_MODE', 'mode', mode, `must be one of ${Object.keys(WINDOW_OPTIONS).join(', ')}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new PoolError('INVALID_OPTION', 'options', options, 'must be an object with at least a kernel');
  }
  const o = options as Record<string, unknown>;
  const allowed = WINDOW_OPTIONS;
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && !allowed[mode].includes(key)) {
      throw new PoolError('INVALID_OPTION', key, o[key], `is not an option of ${mode} pooling (options: ${allowed[mode].join(', ')})`);
    }
  }
  const rank = inputSpatial.length;
  const norm = mode === 'lp' && checkFlag('norm', o.norm);
  if (mode === 'lp' && !norm) {
    for (const key of ['padding', 'dilation', 'largePadding']) {
      if (o[key] !== undefined) {
        throw new PoolError('INVALID_OPTION', key, o[key], "is not an option of PyTorch's Lp pooling; norm: true (ONNX's LpPool) takes it");
      }
    }
  }
  const kernel = perDim('kernel', o.kernel, rank, 'positive');
  const stride = o.stride === undefined || o.stride === null ? kernel.slice() : perDim('stride', o.stride, rank, 'positive');
  const dilation = o.dilation === undefined ? new Array(rank).fill(1) : perDim('dilation', o.dilation, rank, 'positive');
  const ceilMode = checkFlag('ceilMode', o.ceilMode);
  const pad = resolvePadding(o.padding, [...inputSpatial], kernel, stride, dilation);
  if (pad.same && ceilMode) {
    throw new PoolError('INVALID_OPTION', 'ceilMode', true, "must be false with padding 'same' (SAME fixes the output size at ceil(in / stride))");
  }

  const allowLarge = checkFlag('largePadding', o.largePadding);
  let largePadding = false;
  for (let i = 0; i < rank; i++) {
    const half = Math.floor(((kernel[i] - 1) * dilation[i] + 1) / 2);
    if (pad.before[i] > half || pad.after[i] > half) {
      if (!allowLarge) {
        throw new PoolError(
          'INVALID_PADDING',
          'padding',
          o.padding,
          `must be at most half the effective kernel (${half} in dimension ${i}); largePadding: true allows more, as TensorFlow and ONNX do`,
        );
      }
      largePadding = true;
    }
  }
  if (o.nanMode !== undefined && o.nanMode !== 'propagate' && o.nanMode !== 'ignore') {
    throw new PoolError('INVALID_OPTION', 'nanMode', o.nanMode, "must be 'propagate' (PyTorch's) or 'ignore' (TensorFlow's)");
  }
  const ignoreNaN = o.nanMode === 'ignore';
  let indexConvention: IndexConvention = 'plane';
  if (o.indexConvention !== undefined) {
    if (!INDEX_CONVENTIONS.includes(o.indexConvention as IndexConvention)) {
      throw new PoolError('INVALID_OPTION', 'indexConvention', o.indexConvention, `must be one of ${INDEX_CONVENTIONS.join(', ')}`);
    }
    indexConvention = o.indexConvention as IndexConvention;
  }

  let p = 0;
  if (mode === 'lp') {
    if (typeof o.p !== 'number') throw new PoolError('INVALID_P', 'p', o.p, 'must be a number greater than 0');
    if (!Number.isFinite(o.p)) throw new PoolError('NOT_FINITE', 'p', o.p, 'must be finite and greater than 0');
    if (o.p <= 0) throw new PoolError('INVALID_P', 'p', o.p, 'must be greater than 0');
    p = o.p;
  }

  let lambda = 0.5;
  if (mode === 'mixed' && o.lambda !== undefined) {
    const l = o.lambda;
    if (typeof l !== 'number' || Number.isNaN(l))
      throw new PoolError(typeof l === 'number' ? 'NOT_FINITE' : 'INVALID_OPTION', 'lambda', l, 'must be a number in [0, 1]');
    if (!(l >= 0 && l <= 1)) throw new PoolError('INVALID_OPTION', 'lambda', l, 'must be in [0, 1]');
    lambda = l;
  }

  let seed: number | null = null;
  if (mode === 'stochastic' && o.seed !== undefined && o.seed !== null) {
    const v = o.seed;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new PoolError('INVALID_OPTION', 'seed', v, 'must be an integer from 0 to 2^32 − 1');
    }
    seed = v;
  }

  let divisorOverride: number | null = null;
  if (o.divisorOverride !== undefined && o.divisorOverride !== null) {
    const d = o.divisorOverride;
    if (typeof d !== 'number' || !Number.isFinite(d))
      throw new PoolError(typeof d === 'number' ? 'NOT_FINITE' : 'INVALID_OPTION', 'divisorOverride', d, 'must be a non-zero finite integer or null');
    if (!Number.isInteger(d) || d === 0) throw new PoolError('INVALID_OPTION', 'divisorOverride', d, 'must be a non-zero integer or null');
    divisorOverride = d;
  }
  const asymmetric = pad.before.some((b, i) => b !== pad.after[i]);
  const countIncludePad = o.countIncludePad === undefined ? !(pad.same || asymmetric) : checkFlag('countIncludePad', o.countIncludePad);

  const outputSpatial = inputSpatial.map((n, i) => pooledSize(n, kernel[i], stride[i], dilation[i], pad.before[i], pad.after[i], ceilMode));
  if (outputSpatial.some((n) => n < 1)) {
    throw new PoolError(
      'EMPTY_OUTPUT',
      'kernel',
      o.kernel,
      `with input ${JSON.stringify(inputSpatial)} and this stride, padding and dilation gives output ${JSON.stringify(outputSpatial)}; every output size must be at least 1`,
    );
  }
  for (let i = 0; i < rank; i++) {
    for (let out = 0; out < outputSpatial[i]; out++) {
      const start = out * stride[i] - pad.before[i];
      let real = false;
      for (let k = 0; k < kernel[i] && !real; k++) {
        const at = start + k * dilation[i];
        real = at >= 0 && at < inputSpatial[i];
      }
      // Where large padding is allowed a window may hold padding only (TensorFlow's rule):
      // an average gives 0, a max −Infinity with index −1.
      if (!real && !((mode === 'avg' || mode === 'max') && largePadding)) {
        throw new PoolError(
          'EMPTY_WINDOW',
          'dilation',
          o.dilation ?? 1,
          `makes output window ${out} of dimension ${i} cover only padding; every window must hold a real element`,
        );
      }
    }
  }
  return {
    mode,
    rank,
    kernel,
    stride,
    dilation,
    padBefore: pad.before,
    padAfter: pad.after,
    ceilMode,
    countIncludePad,
    divisorOverride,
    p,
    norm,
    lambda,
    seed,
    indices: (mode === 'max' || mode === 'stochastic') && (o.indices === undefined || checkFlag('indices', o.indices)),
    indexConvention,
    largePadding,
    ignoreNaN,
    inputSpatial: [...inputSpatial],
    outputSpatial,
  };
}

/** The backward ops take PyTorch's per-plane indices: a spec of another convention is refused. */
export function checkPlaneIndices(spec: WindowSpec): void {
  if (spec.indexConvention !== 'plane') {
    throw new PoolError(
      'INVALID_OPTION',
      'indexConvention',
      spec.indexConvention,
      "must be 'plane' for the backward, which takes per-plane indices (run the forward with indexConvention 'plane' to train)",
    );
  }
}

/** Window bounds of output `out` in one dimension: first tap (may be negative), PyTorch's avg end (clipped at the padded edge). */
export function windowStart(spec: WindowSpec, dim: number, out: number): number {
  return out * spec.stride[dim] - spec.padBefore[dim];
}

/** Taps t in [0, kernel) of a window starting at `start` with this dilation that land in [lo, hi). */
function tapsWithin(start: number, kernel: number, dilation: number, lo: number, hi: number): number {
  const first = Math.max(Math.ceil((lo - start) / dilation), 0);
  const end = Math.min(Math.ceil((hi - start) / dilation), kernel);
  return Math.max(end - first, 0);
}

/**
 * PyTorch's average pooling divisor for one output cell, from per-dimension starts.
 * With countIncludePad the window is clipped at the padded edge (input + padAfter);
 * otherwise only real elements count. With dilation it counts taps, not cells. lp
 * uses the same clipped count to scale its sum (PyTorch computes Lp pooling as
 * avg_pool(x^p) * prod(kernel)). A window of padding only (largePadding) divides by 1.
 */
export function avgDivisor(spec: WindowSpec, starts: readonly number[]): number {
  if (spec.divisorOverride !== null) return spec.divisorOverride;
  let padded = 1;
  let real = 1;
  for (let i = 0; i < spec.rank; i++) {
    const [start, k, d] = [starts[i], spec.kernel[i], spec.dilation[i]];
    padded *= tapsWithin(start, k, d, start, spec.inputSpatial[i] + spec.padAfter[i]);
    real *= tapsWithin(start, k, d, 0, spec.inputSpatial[i]);
  }
  return Math.max(spec.countIncludePad ? padded : real, 1);
}

// Parameter grids for window pooling (max, avg, lp): seeded random draws from
// kernels 1–5, strides 1–3, paddings up to half the kernel (every form),
// dilations 1–3 and both ceil modes, over odd sizes with N > 1 and C > 1, kept
// only where the call is valid. Each case is named after its parameters, a name
// that `vitest -t` selects it by.
import { windowSpec, type WindowMode } from '../../src/window-spec';
import { optionsText, shapeText } from './case-name';
import { pick, rng, type DataKind } from './random';

export interface WindowCase {
  name: string;
  mode: WindowMode;
  /** Channels-first shape [N, C, ...spatial]. */
  shape: number[];
  channelsLast: boolean;
  options: Record<string, unknown>;
  data: DataKind;
  seed: number;
  /** The engine's `parallelism` option where the case sets it (the kernels' rows per thread follow it). */
  parallelism?: number;
  /** 'float16': inputs rounded to half and stored as float16, results checked against the reference's float16 semantics (float32 where unset). */
  dtype?: 'float16';
  /**
   * Test-only mutation (tolerance-mutation.test.ts): every float result read back
   * from the GPU is multiplied by this before the comparison, to prove that the
   * comparison catches an error of that size.
   */
  scaleResults?: number;
}

const SIZES: Record<number, number[][]> = {
  1: [[11], [7], [16], [5]],
  2: [
    [9, 7],
    [5, 8],
    [12, 11],
    [6, 6],
  ],
  3: [
    [5, 6, 4],
    [4, 3, 7],
    [6, 5, 5],
  ],
};

function perDim(r: () => number, rank: number, max: number): number[] {
  return Array.from({ length: rank }, () => 1 + Math.floor(r() * max));
}

/** A case's name: its parameters, as text that `vitest -t` selects it by (case-name.ts). */
export function describeWindowCase(c: Omit<WindowCase, 'name'>): string {
  const o = optionsText(c.options);
  const threads = c.parallelism === undefined ? '' : ` parallelism=${c.parallelism}`;
  return `${c.mode} x=${shapeText(c.shape)} ${c.channelsLast ? 'channels-last' : 'channels-first'}${o ? ` ${o}` : ''}${dtypeText(c.dtype)} data=${c.data} dataSeed=${c.seed}${threads}`;
}

/**
 * A case's dtype in its name: ' dtype=float16', or nothing for float32. It goes
 * before the data, so that no float32 case's name is part of its float16 twin's.
 */
export function dtypeText(dtype: 'float16' | undefined): string {
  return dtype ? ` dtype=${dtype}` : '';
}

/**
 * Every `every`th case (from the first) again in float16, renamed by `describe`:
 * an odd `every` keeps both layouts of grids that alternate them.
 */
export function float16Slice<C extends { name: string; dtype?: 'float16' }>(cases: readonly C[], every: number, describe: (c: Omit<C, 'name'>) => string): C[] {
  return cases
    .filter((_, i) => i % every === 0)
    .map((c) => {
      const half = { ...c, dtype: 'float16' as const };
      return { ...half, name: describe(half) };
    });
}

export function drawOptions(r: () => number, mode: WindowMode, rank: number, maxKernel = 5): Record<string, unknown> {
  if (mode === 'soft' || mode === 'mixed') {
    // No padding, dilation or ceil mode: kernel, stride (and λ).
    const o: Record<string, unknown> = { kernel: perDim(r, rank, 4), stride: r() < 0.3 ? undefined : perDim(r, rank, 3) };
    if (mode === 'mixed') o.lambda = pick(r, [0, 0.25, 0.5, 0.9, 1]);
    return o;
  }
  if (mode === 'stochastic') {
    const kernel = perDim(r, rank, Math.min(4, maxKernel));
    return {
      kernel,
      stride: r() < 0.3 ? undefined : perDim(r, rank, 3),
      padding: r() < 0.5 ? 0 : kernel.map((k) => Math.floor((r() * (k + 1)) / 2)),
      seed: Math.floor(r() * 1e6),
    };
  }
  if (mode === 'stochasticEval') {
    const kernel = perDim(r, rank, 4);
    return { kernel, stride: r() < 0.3 ? undefined : perDim(r, rank, 3), padding: r() < 0.5 ? 0 : kernel.map((k) => Math.floor((r() * (k + 1)) / 2)) };
  }
  const kernel = perDim(r, rank, maxKernel);
  const stride = r() < 0.2 ? undefined : perDim(r, rank, 3);
  const dilation = mode === 'max' && r() < 0.5 ? perDim(r, rank, 3) : undefined;
  const ceilMode = r() < 0.5;
  const effective = kernel.map((k, i) => (k - 1) * (dilation?.[i] ?? 1) + 1);
  const halves = effective.map((e) => Math.floor(e / 2));
  const form = r();
  let padding: unknown;
  if (mode === 'lp') padding = undefined;
  else if (form < 0.35) padding = halves.map((h) => Math.floor(r() * (h + 1)));
  else if (form < 0.5) padding = Math.floor(r() * (Math.min(...halves) + 1));
  else if (form < 0.65) padding = halves.map((h) => [Math.floor(r() * (h + 1)), Math.floor(r() * (h + 1))]);
  else if (form < 0.8) padding = 'same';
  else padding = 'valid';
  const options: Record<string, unknown> = { kernel, stride, padding: padding === 'same' || padding === undefined ? padding : padding };
  if (mode === 'max') options.dilation = dilation;
  if (padding !== 'same') options.ceilMode = ceilMode;
  if (mode === 'avg') {
    if (r() < 0.5) options.countIncludePad = r() < 0.5;
    if (r() < 0.15) options.divisorOverride = 1 + Math.floor(r() * 7);
  }
  if (mode === 'lp') options.p = pick(r, [1, 2, 3, 1.5]);
  // TensorFlow's and ONNX's rules, drawn after PyTorch's so that those draws stay as they were.
  if ((mode === 'max' || mode === 'avg') && r() < 0.2) {
    if (r() < 0.3) {
      options.padding = 'sameLower';
      delete options.ceilMode;
    } else {
      // Padding beyond half the kernel: up to the effective kernel itself.
      options.padding = effective.map((e) => [Math.floor(r() * (e + 1)), Math.floor(r() * (e + 1))]);
      options.largePadding = true;
    }
  }
  if (mode === 'avg' && r() < 0.25) options.dilation = perDim(r, rank, 3);
  if (mode === 'lp' && r() < 0.35) {
    // ONNX's LpPool: the norm of |x|, with padding (beyond half the kernel where drawn) and dilation.
    options.norm = true;
    const large = r() < 0.3;
    options.padding = kernel.map((k) => [0, 1].map(() => Math.floor(r() * (large ? k + 1 : Math.floor(k / 2) + 1))));
    if (large) options.largePadding = true;
    if (r() < 0.3) options.dilation = perDim(r, rank, 2);
  }
  if (mode === 'max' && r() < 0.3) options.nanMode = 'ignore';
  if (mode === 'max' && r() < 0.3) options.indexConvention = pick(r, ['flat', 'flatColumnMajor', 'channelsLast', 'channelsLastBatch'] as const);
  return options;
}

/** `count` valid cases of `mode` at `rank`, alternating layouts, drawn from `seed`. */
export function windowGrid(mode: WindowMode, rank: number, count: number, seed: number): WindowCase[] {
  const r = rng(seed);
  const cases: WindowCase[] = [];
  for (let attempt = 0; cases.length < count && attempt < count * 50; attempt++) {
    const spatial = pick(r, SIZES[rank]);
    // Channel counts that are multiples of 4 take the vec4 channels-last kernels.
    const shape = [1 + Math.floor(r() * 2), pick(r, [1, 2, 3, 4, 8]), ...spatial];
    const options = drawOptions(r, mode, rank);
    try {
      windowSpec(mode, spatial, options);
    } catch {
      continue;
    }
    const data =
      mode === 'max' || mode === 'mixed'
        ? pick(r, ['normal', 'ties', 'nan'] as const)
        : mode === 'lp' || mode === 'stochasticEval' || mode === 'stochastic'
          ? pick(r, ['positive', 'positive', 'normal'] as const)
          : 'normal';
    const c = { mode, shape, channelsLast: cases.length % 2 === 1, options, data, seed: seed * 1000 + cases.length };
    cases.push({ ...c, name: describeWindowCase(c) });
  }
  return cases;
}

// Sizes whose width, and often output width, are whole vec4s (the channels-first
// row kernel needs both), and some that are not (the scalar kernel).
const ROW_SIZES: Record<number, number[][]> = {
  1: [[16], [24], [12], [32], [13]],
  2: [
    [5, 16],
    [7, 24],
    [6, 12],
    [3, 8],
    [5, 9],
    [19, 6],
    [17, 8],
  ],
  3: [
    [3, 4, 16],
    [4, 3, 8],
    [2, 5, 24],
    [3, 4, 7],
  ],
};

/**
 * `count` valid max, average or stochastic cases with at most 3 taps per dimension,
 * over sizes and channel counts (mostly multiples of 4 channels-last) that suit
 * each small-window kernel; `keep` filters them (the test keeps those a given kernel runs).
 */
export function smallWindowGrid(mode: 'max' | 'avg' | 'stochastic', rank: number, count: number, seed: number, keep: (c: WindowCase) => boolean): WindowCase[] {
  const r = rng(seed);
  const cases: WindowCase[] = [];
  for (let attempt = 0; cases.length < count && attempt < count * 5000; attempt++) {
    const channelsLast = r() < 0.5;
    const spatial = pick(r, ROW_SIZES[rank]);
    const shape = [1 + Math.floor(r() * 2), channelsLast ? pick(r, [4, 8, 4, 3]) : pick(r, [1, 2, 3]), ...spatial];
    const options = drawOptions(r, mode, rank, 3);
    // TensorFlow's NaN rule runs on the general kernels only: not a small-window case.
    delete options.nanMode;
    try {
      windowSpec(mode, spatial, options);
    } catch {
      continue;
    }
    const data =
      mode === 'max'
        ? pick(r, ['normal', 'ties', 'nan', 'neginf', 'special'] as const)
        : mode === 'stochastic'
          ? pick(r, ['positive', 'normal', 'ties', 'neginf', 'special'] as const)
          : pick(r, ['normal', 'normal', 'special'] as const);
    const c = { mode, shape, channelsLast, options, data, seed: seed * 1000 + cases.length };
    const named = { ...c, name: describeWindowCase(c) };
    if (keep(named)) cases.push(named);
  }
  return cases;
}

/**
 * `count` max or average cases whose windows tile the input (stride = kernel ≤ 3,
 * no padding, input = output · kernel), in one layout: channels-last with whole
 * vec4s of channels, channels-first with output rows of whole vec4s (the tiled
 * backward kernels' conditions); ceil mode, PyTorch's default stride, dilation
 * where the kernel is 1, and the average's divisor options drawn too.
 */
export function tiledWindowGrid(mode: 'max' | 'avg', rank: number, count: number, seed: number, channelsLast: boolean): WindowCase[] {
  const r = rng(seed);
  const cases: WindowCase[] = [];
  while (cases.length < count) {
    const kernel = perDim(r, rank, 3);
    const out = kernel.map((_, i) => (i === rank - 1 && !channelsLast ? pick(r, [4, 8, 12]) : 1 + Math.floor(r() * 5)));
    const spatial = out.map((o, i) => o * kernel[i]);
    const shape = [1 + Math.floor(r() * 2), channelsLast ? pick(r, [4, 8, 12]) : pick(r, [1, 2, 3]), ...spatial];
    const options: Record<string, unknown> = { kernel, stride: r() < 0.3 ? undefined : kernel, padding: pick(r, [0, 'valid'] as const), ceilMode: r() < 0.5 };
    if (mode === 'max' && r() < 0.3) options.dilation = kernel.map((k) => (k === 1 ? 1 + Math.floor(r() * 3) : 1));
    if (mode === 'avg') {
      if (r() < 0.5) options.countIncludePad = r() < 0.5;
      if (r() < 0.3) options.divisorOverride = 1 + Math.floor(r() * 7);
    }
    const data = mode === 'max' ? pick(r, ['normal', 'ties', 'nan', 'neginf', 'special'] as const) : pick(r, ['normal', 'special'] as const);
    const c = { mode, shape, channelsLast, options, data, seed: seed * 1000 + cases.length };
    cases.push({ ...c, name: describeWindowCase(c) });
  }
  return cases;
}

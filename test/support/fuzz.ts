// Seeded fuzzing of the engine against the CPU reference: random valid calls
// (every op, rank, layout, dtype (float16 for half of them) and pass, with odd and large shapes, at several engine
// parallelisms) and random invalid calls, which must raise the typed PoolError
// and nothing else. Each run draws a new seed (printed) unless FUZZ_SEED is set;
// FUZZ_CASES sets the count. A failure names the seed and the call to replay.
import { fractionalSpec } from '../../src/fractional-spec';
import { unpoolSpec } from '../../src/unpool-spec';
import { windowSpec, type WindowMode } from '../../src/window-spec';
import { pick, rng, type DataKind } from './random';
import { describeWindowCase, drawOptions, dtypeText, type WindowCase } from './window-grid';
import { adaptiveGrid, describeCase, gemGrid, globalGrid, pyramidGrid, stripGrid, type BinnedCase } from './binned-grid';
import { optionsText, shapeText } from './case-name';
import { PoolError, type PoolErrorCode } from '../../src/errors';
import type { RoiCase } from '../browser/roi-cases';

export interface InvalidCase {
  name: string;
  mode: WindowMode;
  shape: number[];
  channelsLast: boolean;
  options: Record<string, unknown>;
}

const MODES: WindowMode[] = ['max', 'avg', 'lp', 'soft', 'mixed', 'stochasticEval', 'stochastic'];

/** Engine `parallelism` options a case may run under (undefined: the page's default engine). */
export const PARALLELISMS: readonly (number | undefined)[] = [undefined, 1, 7, 64, 512, 131072];

/** At most this many input elements per case, so that the default run stays within a few minutes. */
export const MAX_ELEMENTS = 1 << 16;

/** Largest side drawn per spatial rank. */
const MAX_SIDE: Record<number, number> = { 1: 1024, 2: 64, 3: 24 };

/** A side length: small (where edge effects are) half the time, up to `max` otherwise. */
function side(r: () => number, max: number): number {
  return 1 + Math.floor(r() * (r() < 0.5 ? Math.min(16, max) : max));
}

/** A random channels-first shape [N, C, ...spatial] of `rank`, N·C ≤ 64, at most MAX_ELEMENTS elements. */
function drawShape(r: () => number, rank: number, maxSide = MAX_SIDE[rank], minSide = 1): number[] {
  const spatial = Array.from({ length: rank }, () => Math.max(minSide, side(r, maxSide)));
  const plane = spatial.reduce((a, b) => a * b, 1);
  let batch = 1 + Math.floor(r() * 4);
  // Multiples of 4 take the vec4 channels-last kernels.
  let channels = pick(r, [1, 2, 3, 4, 5, 8, 12, 16, 32, 64]);
  while (batch * channels > 64 || batch * channels * plane > MAX_ELEMENTS) {
    if (batch > 1) batch--;
    else if (channels > 1) channels = Math.max(1, Math.floor(channels / 2));
    else break;
  }
  return [batch, channels, ...spatial];
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A valid case's dtype: float16 with probability 1/2, drawn from the case's own data
 * seed (so a run's seed replays it, and the calls a seed drew before float16 are drawn
 * as they were), float32 (unset) otherwise.
 */
export function drawDtype(caseSeed: number): 'float16' | undefined {
  return rng(caseSeed ^ 0x3c6ef35f)() < 0.5 ? 'float16' : undefined;
}

/** `count` valid cases drawn from `seed`, spread over modes, ranks, shapes and parallelisms. */
export function fuzzValid(seed: number, count: number): WindowCase[] {
  const r = rng(seed);
  const out: WindowCase[] = [];
  while (out.length < count) {
    const mode = pick(r, MODES);
    const rank = 1 + Math.floor(r() * 3);
    const shape = drawShape(r, rank);
    if (elements(shape) > MAX_ELEMENTS) continue;
    const options = drawOptions(r, mode, rank);
    try {
      windowSpec(mode, shape.slice(2), options);
    } catch {
      continue;
    }
    const c: Omit<WindowCase, 'name'> = {
      mode,
      shape,
      channelsLast: r() < 0.5,
      options,
      data: pick(r, ['normal', 'ties', 'nan', 'special', 'positive'] as const),
      seed: Math.floor(r() * 2 ** 30),
      parallelism: pick(r, PARALLELISMS),
    };
    c.dtype = drawDtype(c.seed);
    out.push({ ...c, name: `fuzz seed=${seed} #${out.length} ${describeWindowCase(c)}` });
  }
  return out;
}

/** Ways to break a valid call; each must give a PoolError. */
const BREAKERS: ((o: Record<string, unknown>, rank: number, r: () => number) => Record<string, unknown>)[] = [
  (o) => ({ ...o, kernel: 0 }),
  (o) => ({ ...o, kernel: 2.5 }),
  (o, rank) => ({ ...o, kernel: new Array(rank + 1).fill(2) }),
  (o) => ({ ...o, stride: -1 }),
  (o) => ({ ...o, stride: NaN }),
  (o) => ({ ...o, kernel: 3, padding: 5 }),
  (o) => ({ ...o, kernel: 100000 }),
  (o) => ({ ...o, ceilMode: 'yes' }),
  (o) => ({ ...o, padding: 'full' }),
  (o) => ({ ...o, unknownOption: 1 }),
  (o) => ('p' in o ? { ...o, p: -1 } : { ...o, dilation: 0 }),
  (o) => ('p' in o ? { ...o, p: Infinity } : { ...o, kernel: Infinity }),
];

/** `count` invalid calls drawn from `seed`: valid ones with one parameter broken. */
export function fuzzInvalid(seed: number, count: number): InvalidCase[] {
  const r = rng(seed ^ 0x5bd1e995);
  const out: InvalidCase[] = [];
  for (const c of fuzzValid(seed + 1, count)) {
    const rank = c.shape.length - 2;
    const options = pick(r, BREAKERS)(c.options, rank, r);
    let valid = true;
    try {
      windowSpec(c.mode, c.shape.slice(2), options);
    } catch {
      valid = false;
    }
    if (valid) continue; // the breaker happened to keep it valid (e.g. dilation on avg is caught elsewhere)
    out.push({
      name: `fuzz-invalid seed=${seed} #${out.length} ${c.mode} x=${shapeText(c.shape)} ${optionsText(options)}`,
      mode: c.mode,
      shape: c.shape,
      channelsLast: c.channelsLast,
      options,
    });
  }
  return out;
}

/** A fresh seed for a run (FUZZ_SEED unset): a positive 31-bit integer. */
function freshSeed(): number {
  const [u] = crypto.getRandomValues(new Uint32Array(1));
  return 1 + (u % (2 ** 31 - 1));
}

/** The run's seed (FUZZ_SEED, or a fresh one: `fixed` says which) and case count (FUZZ_CASES, default 300). */
export function fuzzSettings(env: Record<string, string | undefined>): { seed: number; cases: number; fixed: boolean } {
  const fixed = env.FUZZ_SEED !== undefined && env.FUZZ_SEED !== '';
  const seed = fixed ? Number(env.FUZZ_SEED) : freshSeed();
  const cases = env.FUZZ_CASES ? Number(env.FUZZ_CASES) : 300;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 31 || !Number.isInteger(cases) || cases < 1)
    throw new Error(`bad FUZZ_SEED=${env.FUZZ_SEED} or FUZZ_CASES=${env.FUZZ_CASES}`);
  return { seed, cases, fixed };
}

/**
 * `count` valid whole-map and binned calls (global, adaptive, pyramid, strip,
 * GeM) drawn from `seed`: cases of the binned grids under fresh seeds, with
 * random data kinds (special values included), layouts and parallelisms.
 */
export function fuzzBinned(seed: number, count: number): BinnedCase[] {
  const r = rng(seed ^ 0x2545f491);
  const out: BinnedCase[] = [];
  while (out.length < count) {
    const s = Math.floor(r() * 2 ** 20);
    const pool = pick(r, [() => globalGrid(s), () => adaptiveGrid(s, 8), () => pyramidGrid(s), () => stripGrid(s), () => gemGrid(s)])();
    const c = { ...pick(r, pool) };
    // GeM is defined for positive inputs (it clamps at eps); the others take anything.
    c.data = c.op === 'gem' ? 'positive' : pick(r, ['normal', 'ties', 'nan', 'special'] as const);
    c.channelsLast = r() < 0.5;
    c.subgroups = r() < 0.5;
    c.seed = s;
    c.parallelism = pick(r, PARALLELISMS);
    c.dtype = drawDtype(s);
    c.name = `fuzz seed=${seed} #${out.length} ${describeCase(c)}`;
    out.push(c);
  }
  return out;
}

/** How a max unpooling case's indices are made (in the page, from the case's seed). */
export type UnpoolIndices =
  /** max pooling's own indices, of a random map of the unpooled size */
  | 'pool'
  /** distinct in-range indices */
  | 'unique'
  /** in-range indices, many of them the same within a plane */
  | 'dups'
  /** random in-range indices (some the same) and out-of-range ones (negative, ≥ the plane, ±2³¹) */
  | 'oob';

export interface UnpoolCase {
  name: string;
  /** Channels-first shape of the values [N, C, ...pooled]. */
  shape: number[];
  channelsLast: boolean;
  options: { kernel: number[] | number; stride?: number[] | number; padding?: number[] | number; outputSize?: number[] };
  indices: UnpoolIndices;
  data: DataKind;
  seed: number;
  parallelism?: number;
  /** 'float16': values and gradients stored as float16, results against the reference's float16 semantics (float32 where unset). */
  dtype?: 'float16';
}

export function describeUnpoolCase(c: Omit<UnpoolCase, 'name'>): string {
  const threads = c.parallelism === undefined ? '' : ` parallelism=${c.parallelism}`;
  return `maxUnpool x=${shapeText(c.shape)} ${c.channelsLast ? 'channels-last' : 'channels-first'} ${optionsText(c.options)} indices=${c.indices}${dtypeText(c.dtype)} data=${c.data} dataSeed=${c.seed}${threads}`;
}

/** `count` valid max unpooling calls (forward and backward) drawn from `seed`: ranks 1–3, every index kind. */
export function fuzzUnpool(seed: number, count: number): UnpoolCase[] {
  const r = rng(seed ^ 0x1b873593);
  const out: UnpoolCase[] = [];
  while (out.length < count) {
    const rank = 1 + Math.floor(r() * 3);
    const kernel = Array.from({ length: rank }, () => 1 + Math.floor(r() * 4));
    const stride = r() < 0.3 ? undefined : Array.from({ length: rank }, () => 1 + Math.floor(r() * 3));
    // Mostly the paddings max pooling takes (≤ kernel/2), sometimes larger ones (unpooling takes any that leave an output).
    const padding = r() < 0.3 ? undefined : kernel.map((k) => Math.floor(r() * (r() < 0.85 ? Math.floor(k / 2) + 1 : k + 2)));
    const s = stride ?? kernel;
    const p = padding ?? kernel.map(() => 0);
    // The pooled (values') shape, drawn small enough that the unpooled map fits the element cap.
    const values = drawShape(r, rank, Math.max(1, Math.floor(MAX_SIDE[rank] / Math.max(...s))));
    const defaults = values.slice(2).map((n, i) => (n - 1) * s[i] - 2 * p[i] + kernel[i]);
    const outputSize = r() < 0.5 ? undefined : defaults.map((d, i) => d + Math.floor(r() * s[i]));
    const options: UnpoolCase['options'] = { kernel: r() < 0.2 && kernel.every((k) => k === kernel[0]) ? kernel[0] : kernel, stride, padding, outputSize };
    let spec;
    try {
      spec = unpoolSpec(values.slice(2), options);
    } catch {
      continue;
    }
    const outPlane = elements(spec.outputSpatial);
    const inPlane = elements(values.slice(2));
    if (values[0] * values[1] * Math.max(outPlane, inPlane) > MAX_ELEMENTS) continue;
    let indices = pick(r, ['pool', 'unique', 'dups', 'oob'] as const);
    if (indices === 'pool') {
      // Max pooling of the unpooled size must be valid and give the values' size.
      try {
        const w = windowSpec('max', spec.outputSpatial, { kernel, stride, padding });
        if (w.outputSpatial.join() !== values.slice(2).join()) indices = 'oob';
      } catch {
        indices = 'oob';
      }
    }
    if (indices === 'unique' && inPlane > outPlane) indices = 'dups';
    const c: Omit<UnpoolCase, 'name'> = {
      shape: values,
      channelsLast: r() < 0.5,
      options,
      indices,
      data: pick(r, ['normal', 'ties', 'nan', 'special'] as const),
      seed: Math.floor(r() * 2 ** 30),
      parallelism: pick(r, PARALLELISMS),
    };
    c.dtype = drawDtype(c.seed);
    out.push({ ...c, name: `fuzz seed=${seed} #${out.length} ${describeUnpoolCase(c)}` });
  }
  return out;
}

/** Where a fractional case's samples come from: its seed option, given ones (random, or with the edges 0 and 1 − 2⁻²⁴), or the engine's own counter. */
export type FractionalSamples = 'seed' | 'given' | 'edges' | 'engine';

export interface FractionalCase {
  name: string;
  /** Channels-first shape [N, C, ...spatial], rank 2 or 3. */
  shape: number[];
  channelsLast: boolean;
  options: { kernel: number | number[]; outputSize?: number | number[]; outputRatio?: number | number[]; seed?: number };
  samples: FractionalSamples;
  data: DataKind;
  seed: number;
  parallelism?: number;
  /** 'float16': input and gradients stored as float16, results against the reference's float16 semantics (float32 where unset). */
  dtype?: 'float16';
}

export function describeFractionalCase(c: Omit<FractionalCase, 'name'>): string {
  const threads = c.parallelism === undefined ? '' : ` parallelism=${c.parallelism}`;
  return `fractionalMaxPool x=${shapeText(c.shape)} ${c.channelsLast ? 'channels-last' : 'channels-first'} ${optionsText(c.options)} samples=${c.samples}${dtypeText(c.dtype)} data=${c.data} dataSeed=${c.seed}${threads}`;
}

/** `count` valid fractional max pooling calls (forward and backward) drawn from `seed`: ranks 2 and 3, outputSize and outputRatio, every source of samples. */
export function fuzzFractional(seed: number, count: number): FractionalCase[] {
  const r = rng(seed ^ 0x68e31da4);
  const out: FractionalCase[] = [];
  while (out.length < count) {
    const rank = 2 + Math.floor(r() * 2);
    const shape = drawShape(r, rank, MAX_SIDE[rank], 2);
    const spatial = shape.slice(2);
    const kernel = spatial.map((n) => 1 + Math.floor(r() * Math.min(4, n)));
    const options: FractionalCase['options'] = { kernel: kernel.every((k) => k === kernel[0]) && r() < 0.3 ? kernel[0] : kernel };
    if (r() < 0.5) {
      const size = spatial.map((n, i) => 1 + Math.floor(r() * (n - kernel[i] + 1)));
      options.outputSize = size.every((v) => v === size[0]) && r() < 0.3 ? size[0] : size;
    } else {
      const ratio = spatial.map(() => Math.round((0.05 + r() * 0.9) * 100) / 100);
      options.outputRatio = r() < 0.3 ? ratio[0] : ratio;
    }
    const samples = pick(r, ['seed', 'given', 'edges', 'engine'] as const);
    if (samples === 'seed') options.seed = Math.floor(r() * 2 ** 31);
    try {
      fractionalSpec(spatial, options);
    } catch {
      continue;
    }
    const c: Omit<FractionalCase, 'name'> = {
      shape,
      channelsLast: r() < 0.5,
      options,
      samples,
      data: pick(r, ['normal', 'ties', 'nan', 'special', 'neginf'] as const),
      seed: Math.floor(r() * 2 ** 30),
      parallelism: pick(r, PARALLELISMS),
    };
    c.dtype = drawDtype(c.seed);
    out.push({ ...c, name: `fuzz seed=${seed} #${out.length} ${describeFractionalCase(c)}` });
  }
  return out;
}

/** An invalid max unpooling or fractional call: the page builds it from a valid one and must see PoolError `code`. */
export interface InvalidPoolCall {
  name: string;
  op: 'maxUnpool' | 'maxUnpoolBackward' | 'fractionalMaxPool' | 'fractionalMaxPoolBackward';
  /** Channels-first shape of the call's first input (values, or the input of fractional pooling). */
  shape: number[];
  channelsLast: boolean;
  options: Record<string, unknown>;
  /** What the call breaks other than its options: none, indices of another shape or dtype, gradOutput of another shape, samples given as a list of numbers. */
  breaks: 'options' | 'indices-shape' | 'indices-dtype' | 'grad-shape' | 'samples-array';
  /** Samples to give as a Float32Array (in the page), where the call gives some. */
  samples?: number[];
  code: PoolErrorCode;
}

type Breaker<O> = (o: O, spatial: number[], r: () => number) => [Record<string, unknown>, PoolErrorCode, InvalidPoolCall['breaks']?, number[]?] | null;

/** The output unpooling gives without `outputSize`, or null where that is empty (a case valid only through its explicit `outputSize`). */
function defaultUnpoolOutput(spatial: number[], o: UnpoolCase['options']): number[] | null {
  try {
    return [...unpoolSpec(spatial, { ...o, outputSize: undefined }).outputSpatial];
  } catch (e) {
    if (e instanceof PoolError && e.code === 'EMPTY_OUTPUT') return null;
    throw e;
  }
}

const UNPOOL_BREAKERS: Breaker<UnpoolCase['options']>[] = [
  (o) => [{ ...o, kernel: 0 }, 'INVALID_KERNEL'],
  (o) => [{ ...o, kernel: 2.5 }, 'INVALID_KERNEL'],
  (o) => [{ ...o, kernel: NaN }, 'NOT_FINITE'],
  (o, s) => [{ ...o, kernel: new Array(s.length + 1).fill(2) }, 'INVALID_OPTION'],
  (o) => [{ ...o, stride: 0 }, 'INVALID_STRIDE'],
  (o) => [{ ...o, stride: Infinity }, 'NOT_FINITE'],
  (o) => [{ ...o, padding: -1 }, 'INVALID_PADDING'],
  (o, s) => [{ ...o, padding: s.map(() => [0, 1]) }, 'INVALID_PADDING'],
  (o) => [{ ...o, dilation: 2 }, 'INVALID_OPTION'],
  (o) => [{ ...o, ceilMode: true }, 'INVALID_OPTION'],
  (o, s) => [{ ...o, outputSize: new Array(s.length + 1).fill(4) }, 'INVALID_OPTION'],
  (o, s) => {
    // One more than the largest size max pooling's floor can have dropped, in dimension 0.
    const size = defaultUnpoolOutput(s, o);
    if (!size) return null;
    const stride = o.stride ?? o.kernel;
    size[0] += typeof stride === 'number' ? stride : stride[0];
    return [{ ...o, outputSize: size }, 'INVALID_OUTPUT_SIZE'];
  },
  (o, s) => {
    const size = defaultUnpoolOutput(s, o);
    if (!size) return null;
    size[size.length - 1] -= 1;
    return [{ ...o, outputSize: size }, 'INVALID_OUTPUT_SIZE'];
  },
  (o, s) => [{ kernel: 1, stride: 1, padding: s.map((n) => n) }, 'EMPTY_OUTPUT'],
  (o) => [o, 'SHAPE_MISMATCH', 'indices-shape'],
  (o) => [o, 'INVALID_OPTION', 'indices-dtype'],
  (o) => [o, 'SHAPE_MISMATCH', 'grad-shape'],
];

const FRACTIONAL_BREAKERS: Breaker<FractionalCase['options']>[] = [
  (o) => [{ ...o, kernel: 0 }, 'INVALID_KERNEL'],
  (o) => [{ ...o, kernel: 1.5 }, 'INVALID_KERNEL'],
  (o) => [{ ...o, kernel: NaN }, 'NOT_FINITE'],
  (o, s) => [{ ...o, kernel: new Array(s.length + 1).fill(1) }, 'INVALID_OPTION'],
  (o) => [{ ...o, outputSize: 2, outputRatio: 0.5 }, 'INVALID_OPTION'],
  (o) => [{ kernel: o.kernel, seed: o.seed }, 'INVALID_OPTION'],
  (o, s) => [{ kernel: 1, outputSize: s.map((n, i) => (i === 0 ? n + 1 : 1)), seed: o.seed }, 'INVALID_OUTPUT_SIZE'],
  (o, s) => [{ kernel: 2, outputSize: s.map((n, i) => (i === s.length - 1 ? n : 1)), seed: o.seed }, 'INVALID_OUTPUT_SIZE'],
  (o, s) => [{ kernel: 1, outputSize: s.map((_, i) => (i === 0 ? 0 : 1)), seed: o.seed }, 'INVALID_OUTPUT_SIZE'],
  (o, s) => [{ kernel: 1, outputSize: s.map(() => 1.5), seed: o.seed }, 'INVALID_OUTPUT_SIZE'],
  (o) => [{ kernel: o.kernel, outputRatio: 1, seed: o.seed }, 'INVALID_OPTION'],
  (o) => [{ kernel: o.kernel, outputRatio: 0, seed: o.seed }, 'INVALID_OPTION'],
  (o) => [{ kernel: o.kernel, outputRatio: -0.5, seed: o.seed }, 'INVALID_OPTION'],
  (o) => [{ kernel: o.kernel, outputRatio: NaN, seed: o.seed }, 'NOT_FINITE'],
  (o, s) => [{ kernel: 1, outputRatio: 0.99 / Math.max(...s), seed: o.seed }, 'EMPTY_OUTPUT'],
  (o) => [{ ...o, seed: -1 }, 'INVALID_OPTION'],
  (o) => [{ ...o, seed: 1.5 }, 'INVALID_OPTION'],
  (o) => [{ ...o, stride: 2 }, 'INVALID_OPTION'],
  (o) => [{ ...o, seed: undefined }, 'DATA_LENGTH', 'options', [0.5]],
  (o) => [{ ...o, seed: undefined }, 'INVALID_OPTION', 'samples-array'],
  // Samples of the right length holding 1 (filled in below).
  (o) => [{ ...o, seed: undefined }, 'INVALID_OPTION', 'options', []],
  (o) => [o, 'SHAPE_MISMATCH', 'grad-shape'],
  (o) => [o, 'SHAPE_MISMATCH', 'indices-shape'],
];

/** `count` invalid max unpooling and fractional calls drawn from `seed`: valid ones with one thing broken, each with the code it must raise. */
export function fuzzInvalidPool(seed: number, count: number): InvalidPoolCall[] {
  const r = rng(seed ^ 0x3c6ef372);
  const unpool = fuzzUnpool(seed + 2, count);
  const fractional = fuzzFractional(seed + 3, count);
  const out: InvalidPoolCall[] = [];
  for (let i = 0; out.length < count && i < count * 4; i++) {
    const isUnpool = i % 2 === 0;
    const c = isUnpool ? unpool[(i >> 1) % unpool.length] : fractional[(i >> 1) % fractional.length];
    const spatial = c.shape.slice(2);
    const broken = isUnpool
      ? pick(r, UNPOOL_BREAKERS)(c.options as UnpoolCase['options'], spatial, r)
      : pick(r, FRACTIONAL_BREAKERS)(c.options as FractionalCase['options'], spatial, r);
    if (!broken) continue;
    const [options, code, breaks = 'options', samples] = broken;
    // A wrong gradOutput (and, for fractional pooling, wrong indices) only a backward can have.
    const backward = breaks === 'grad-shape' || (!isUnpool && breaks === 'indices-shape') || r() < 0.4;
    const op = isUnpool ? (backward ? 'maxUnpoolBackward' : 'maxUnpool') : backward ? 'fractionalMaxPoolBackward' : 'fractionalMaxPool';
    let sampleList = samples;
    // A backward always gives samples (it needs them); the one breaker of samples' values fills them with 1.
    if (!isUnpool && samples && samples.length === 0) sampleList = new Array(c.shape[0] * c.shape[1] * spatial.length).fill(1);
    if (!isUnpool && backward && !sampleList && breaks !== 'samples-array') sampleList = new Array(c.shape[0] * c.shape[1] * spatial.length).fill(0.5);
    const what = breaks === 'options' ? optionsText(options) : `${optionsText(options)} ${breaks}`;
    const given = sampleList ? ` samples=${sampleList.length}x${sampleList[0]}` : '';
    out.push({
      name: `fuzz-invalid seed=${seed} #${out.length} ${op} x=${shapeText(c.shape)} ${what}${given} code=${code}`,
      op,
      shape: c.shape,
      channelsLast: c.channelsLast,
      options,
      breaks,
      samples: sampleList,
      code,
    });
  }
  return out;
}

/** A region pooling call: test/browser/roi-cases.ts's case, which runs it. */
export type RoiFuzzCase = RoiCase;

/**
 * `count` valid region pooling calls drawn from `seed`: every op, both layouts, both box
 * forms ([K, 5]; [K, 4] with batch indices), boxes inside the map, crossing its edge,
 * tiny, larger than the map and stacked on one spot, at scales 1, 1/2 and 1/4.
 */
export function fuzzRoi(seed: number, count: number): RoiFuzzCase[] {
  const r = rng(seed ^ 0x2545f491);
  const out: RoiFuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const op = pick(r, ['roiAlign', 'roiPool', 'psRoiAlign', 'psRoiPool'] as const);
    const outH = 1 + Math.floor(r() * 4);
    const outW = 1 + Math.floor(r() * 4);
    const ps = op === 'psRoiAlign' || op === 'psRoiPool';
    const channels = ps ? (1 + Math.floor(r() * 2)) * outH * outW : 1 + Math.floor(r() * 6);
    const [n, h, w] = [1 + Math.floor(r() * 2), 3 + Math.floor(r() * 22), 3 + Math.floor(r() * 22)];
    const scale = pick(r, [1, 0.5, 0.25]);
    const [imageH, imageW] = [h / scale, w / scale];
    const k = 1 + Math.floor(r() * 12);
    const boxes: number[][] = [];
    const stacked = r() < 0.2;
    for (let b = 0; b < k; b++) {
      const kind = stacked ? 'stacked' : pick(r, ['inside', 'edge', 'tiny', 'huge'] as const);
      let x1: number, y1: number, bw: number, bh: number;
      if (kind === 'tiny') [x1, y1, bw, bh] = [r() * imageW, r() * imageH, r() * 0.9, r() * 0.9];
      else if (kind === 'huge') [x1, y1, bw, bh] = [-r() * imageW, -r() * imageH, imageW * (1.5 + r()), imageH * (1.5 + r())];
      else if (kind === 'edge') [x1, y1, bw, bh] = [imageW * (r() * 1.2 - 0.4), imageH * (r() * 1.2 - 0.4), imageW * r() * 0.8, imageH * r() * 0.8];
      else if (kind === 'stacked') [x1, y1, bw, bh] = [imageW * 0.2, imageH * 0.3, imageW * 0.5, imageH * 0.4];
      else [x1, y1, bw, bh] = [r() * imageW * 0.5, r() * imageH * 0.5, r() * imageW * 0.5, r() * imageH * 0.5];
      boxes.push([Math.floor(r() * n), x1, y1, x1 + bw, y1 + bh].map((v, j) => (j === 0 ? v : Math.round(v * 100) / 100)));
    }
    const options: Record<string, unknown> = { outputSize: outH === outW && r() < 0.5 ? outH : [outH, outW], spatialScale: scale };
    if (op === 'roiAlign' || op === 'psRoiAlign') options.samplingRatio = pick(r, [-1, 0, 1, 2, 3]);
    if (op === 'roiAlign') options.aligned = r() < 0.5;
    const onnxForm = op === 'roiAlign' && r() < 0.3;
    const rois = onnxForm
      ? { data: boxes.flatMap((b) => b.slice(1)), shape: [k, 4], batchIndices: boxes.map((b) => b[0]) }
      : { data: boxes.flat(), shape: [k, 5] };
    const channelsLast = r() < 0.5;
    const data: DataKind = op === 'roiPool' || op === 'psRoiPool' ? pick(r, ['normal', 'ties'] as const) : 'normal';
    const caseSeed = Math.floor(r() * 1e9);
    const dtype = drawDtype(caseSeed);
    const shape = [n, channels, h, w];
    const name = `fuzz seed=${seed} #${i} ${op} x=${shapeText(shape)} ${channelsLast ? 'channels-last' : 'channels-first'} boxes=${k}${stacked ? ' stacked' : ''}${onnxForm ? ' boxForm=K4' : ''} ${optionsText(options)}${dtypeText(dtype)} data=${data} dataSeed=${caseSeed}`;
    out.push({ name, op, shape, channelsLast, rois, options, seed: caseSeed, data, ...(dtype ? { dtype } : {}) });
  }
  return out;
}

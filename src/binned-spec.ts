import { PoolError } from './errors';
import { shapeOf, unbatchedHint, type Dims, type Layout } from './layout';

/**
 * Whole-map and binned pooling (global, adaptive, spatial pyramid, strip, GeM):
 * the one place where their options are validated and their output sizes
 * computed. The GPU path, the CPU reference and the tests all read these specs.
 */

/** The pooling of a bin: its mean or its maximum. */
export type BinnedMode = 'avg' | 'max';

/**
 * Adaptive pooling options. `outputSize` is one number for every spatial
 * dimension, or one entry per dimension where `null` keeps that dimension's
 * input size. Outputs larger than the input are allowed (bins then overlap).
 */
export interface AdaptivePoolOptions {
  outputSize: number | readonly (number | null)[];
  /** Max only: write the winners' indices (default true); false for inference. */
  indices?: boolean;
}

/** Global max pooling options. */
export interface GlobalMaxPoolOptions {
  /** Write the winners' indices (default true); false for inference: `indices: null`. */
  indices?: boolean;
}

/** Spatial pyramid pooling options. Defaults: levels [1, 2, 4], mode 'max'. */
export interface SpatialPyramidPoolOptions {
  /** Pyramid levels: level l pools each channel into l × l bins. Positive integers, at least one. */
  levels?: readonly number[];
  mode?: BinnedMode;
  /** Mode 'max' only: write the winners' indices (default true); false for inference. */
  indices?: boolean;
}

/** GeM (generalized-mean) pooling options. Defaults: p = 3, eps = 1e-6. */
export interface GemPoolOptions {
  /** The power, greater than 0 (1: average; large: towards max). */
  p?: number;
  /** Inputs are clamped to at least `eps` (> 0) before the power. */
  eps?: number;
}

/** An adaptive (or global) pooling call, validated: every output cell's bin follows from the sizes. */
export interface AdaptiveSpec {
  mode: BinnedMode;
  rank: number;
  inputSpatial: number[];
  outputSpatial: number[];
  /** Every output size is 1: the call runs as a whole-map reduction. */
  global: boolean;
  /** Max: whether the call writes indices (`indices: false` skips them). */
  indices: boolean;
}

export interface PyramidSpec {
  mode: BinnedMode;
  levels: number[];
  inputSpatial: number[];
  /** Σ l²: output features per channel; the output is [N, C · cells]. */
  cells: number;
  /** Max: whether the call writes indices. */
  indices: boolean;
}

export interface GemSpec {
  p: number;
  eps: number;
  inputSpatial: number[];
}

/** Index math runs in 32-bit integers on the GPU: bin bounds multiply an output index by an input size. */
const MAX_BIN_PRODUCT = 2 ** 31;

export const DEFAULT_LEVELS: readonly number[] = [1, 2, 4];
export const DEFAULT_GEM_P = 3;
export const DEFAULT_GEM_EPS = 1e-6;

/** First input position of bin `i` of `out` bins over `size` positions: floor(i · size / out) (PyTorch). */
export function binStart(i: number, size: number, out: number): number {
  return Math.floor((i * size) / out);
}

/** One past the last input position of bin `i`: ceil((i + 1) · size / out) (PyTorch). */
export function binEnd(i: number, size: number, out: number): number {
  return Math.ceil(((i + 1) * size) / out);
}

/**
 * The bins that contain input position `pos`: [floor(pos · out / size), ceil((pos + 1) · out / size)).
 * The same formula as a bin's extent with the roles of input and output swapped.
 */
export function binsCovering(pos: number, size: number, out: number): [number, number] {
  return [binStart(pos, out, size), binEnd(pos, out, size)];
}

function checkOptions(what: string, options: unknown, allowed: string[], required: boolean): Record<string, unknown> {
  if (options === undefined && !required) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new PoolError('INVALID_OPTION', 'options', options, `must be an object (options of ${what}: ${allowed.join(', ')})`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && !allowed.includes(key)) {
      throw new PoolError('INVALID_OPTION', key, o[key], `is not an option of ${what} (options: ${allowed.join(', ') || 'none'})`);
    }
  }
  return o;
}

/** The value named in a rank error is the input's spatial sizes. */
function checkRank(what: string, inputSpatial: readonly number[], ranks: readonly number[]): void {
  if (!ranks.includes(inputSpatial.length)) {
    const want = ranks.length === 1 ? `spatial rank ${ranks[0]} (NCHW or NHWC)` : `spatial rank ${ranks.slice(0, -1).join(', ')} or ${ranks[ranks.length - 1]}`;
    throw new PoolError('INVALID_RANK', 'input', inputSpatial, `has these spatial sizes (spatial rank ${inputSpatial.length}); ${what} needs ${want}`);
  }
}

function checkMode(mode: unknown): BinnedMode {
  if (mode !== 'avg' && mode !== 'max') throw new PoolError('INVALID_MODE', 'mode', mode, "must be 'max' or 'avg'");
  return mode;
}

/** A positive finite number option, or its default. */
function positive(name: string, value: unknown, fallback: number, code: 'INVALID_P' | 'INVALID_EPS'): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new PoolError(code, name, value, 'must be a number greater than 0');
  if (!Number.isFinite(value)) throw new PoolError('NOT_FINITE', name, value, 'must be finite and greater than 0');
  if (value <= 0) throw new PoolError(code, name, value, 'must be greater than 0');
  return value;
}

/** The `indices` option of max-style calls: true unless false is given; only max takes it. */
function indicesFlag(mode: BinnedMode, value: unknown): boolean {
  if (value === undefined) return mode === 'max';
  if (typeof value !== 'boolean') throw new PoolError('INVALID_OPTION', 'indices', value, 'must be true or false');
  if (mode !== 'max' && value) throw new PoolError('INVALID_OPTION', 'indices', value, "is an option of mode 'max' only");
  return mode === 'max' && value;
}

/** Whole-map pooling: one value per (n, c). Spatial rank 1–3. Options: max's `indices`. */
export function globalSpec(mode: BinnedMode, inputSpatial: readonly number[], options?: unknown): AdaptiveSpec {
  checkMode(mode);
  const what = `global ${mode} pooling`;
  checkRank(what, inputSpatial, [1, 2, 3]);
  const o = checkOptions(what, options, mode === 'max' ? ['indices'] : [], false);
  const indices = indicesFlag(mode, o.indices);
  return { mode, rank: inputSpatial.length, inputSpatial: [...inputSpatial], outputSpatial: inputSpatial.map(() => 1), global: true, indices };
}

/** Validates an adaptive pooling call and resolves its output size. Spatial rank 1–3. */
export function adaptiveSpec(mode: BinnedMode, inputSpatial: readonly number[], options: unknown): AdaptiveSpec {
  checkMode(mode);
  const what = `adaptive ${mode} pooling`;
  checkRank(what, inputSpatial, [1, 2, 3]);
  const o = checkOptions(what, options, mode === 'max' ? ['outputSize', 'indices'] : ['outputSize'], true);
  const rank = inputSpatial.length;
  const given = o.outputSize;
  const list = typeof given === 'number' ? new Array(rank).fill(given) : given;
  if (!Array.isArray(list) || list.length !== rank) {
    throw new PoolError(
      'INVALID_OUTPUT_SIZE',
      'outputSize',
      given,
      `must be a number or ${rank} entries (one per spatial dimension, null keeps that dimension)${unbatchedHint(rank, Array.isArray(list) ? list.length : 0)}`,
    );
  }
  const outputSpatial = list.map((v: unknown, i: number) => {
    if (v === null) return inputSpatial[i];
    if (typeof v !== 'number') throw new PoolError('INVALID_OUTPUT_SIZE', 'outputSize', given, 'must hold positive integers or null');
    if (!Number.isFinite(v)) throw new PoolError('NOT_FINITE', 'outputSize', given, 'must hold finite positive integers or null');
    if (v === 0) throw new PoolError('EMPTY_OUTPUT', 'outputSize', given, `gives an empty output in dimension ${i}; every output size must be at least 1`);
    if (!Number.isInteger(v) || v < 0) throw new PoolError('INVALID_OUTPUT_SIZE', 'outputSize', given, 'must hold positive integers or null');
    if (v * inputSpatial[i] > MAX_BIN_PRODUCT) {
      throw new PoolError(
        'INVALID_OUTPUT_SIZE',
        'outputSize',
        given,
        `times the input size must be at most 2^31 in every dimension (dimension ${i}: ${v} × ${inputSpatial[i]})`,
      );
    }
    return v;
  });
  return { mode, rank, inputSpatial: [...inputSpatial], outputSpatial, global: outputSpatial.every((n) => n === 1), indices: indicesFlag(mode, o.indices) };
}

/**
 * The window of an adaptive call whose bins tile the input evenly (every input
 * size a multiple of its output size): bin i is then [i·k, (i + 1)·k), window
 * pooling with kernel = stride = k, and runs as that. Null where bins differ.
 */
export function evenBinKernel(spec: AdaptiveSpec): number[] | null {
  if (spec.global || spec.inputSpatial.some((n, i) => n % spec.outputSpatial[i] !== 0)) return null;
  return spec.inputSpatial.map((n, i) => n / spec.outputSpatial[i]);
}

/** Validates a spatial pyramid pooling call (spatial rank 2). */
export function pyramidSpec(inputSpatial: readonly number[], options: unknown): PyramidSpec {
  const what = 'spatial pyramid pooling';
  checkRank(what, inputSpatial, [2]);
  const o = checkOptions(what, options, ['levels', 'mode', 'indices'], false);
  const mode = o.mode === undefined ? 'max' : checkMode(o.mode);
  const levels = o.levels === undefined ? [...DEFAULT_LEVELS] : o.levels;
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new PoolError('INVALID_LEVELS', 'levels', levels, 'must be a non-empty list of positive integers, e.g. [1, 2, 4]');
  }
  for (const l of levels) {
    if (typeof l === 'number' && !Number.isFinite(l)) throw new PoolError('NOT_FINITE', 'levels', levels, 'must hold finite positive integers');
    if (typeof l !== 'number' || !Number.isInteger(l) || l < 1) throw new PoolError('INVALID_LEVELS', 'levels', levels, 'must hold positive integers');
    if (l * Math.max(...inputSpatial) > MAX_BIN_PRODUCT) {
      throw new PoolError('INVALID_LEVELS', 'levels', levels, `times the input size must be at most 2^31 (level ${l})`);
    }
  }
  const list = levels as number[];
  return { mode, levels: [...list], inputSpatial: [...inputSpatial], cells: list.reduce((a, l) => a + l * l, 0), indices: indicesFlag(mode, o.indices) };
}

/** Strip pooling and its expand-and-add step take spatial rank 2 and no options. */
export function stripSpec(inputSpatial: readonly number[]): { height: number; width: number } {
  checkRank('strip pooling', inputSpatial, [2]);
  return { height: inputSpatial[0], width: inputSpatial[1] };
}

/** The `{ rows, cols }` gradient of strip pooling's result, checked to be an object of the two strips. */
export function stripGradients<T>(gradOutput: { rows: T; cols: T }): { rows: T; cols: T } {
  if (gradOutput === null || typeof gradOutput !== 'object' || !('rows' in gradOutput) || !('cols' in gradOutput)) {
    throw new PoolError('INVALID_OPTION', 'gradOutput', gradOutput, "must be { rows, cols }: the gradients of strip pooling's two strips");
  }
  return gradOutput;
}

/** What the expand-and-add step needs to know of a strip tensor. */
export interface StripTensorLike {
  shape: readonly number[];
  layout: Layout;
  dims: Dims;
}

/**
 * Checks the inputs of strip pooling's expand-and-add step: a row strip
 * [N, C, H, 1] and a column strip [N, C, 1, W] of the same N, C and layout
 * (spatial rank 2). Returns the dims of the [N, C, H, W] output.
 */
export function stripExpandDims(rows: StripTensorLike, cols: StripTensorLike): Dims {
  if (rows.dims.spatial.length !== 2 || rows.dims.spatial[1] !== 1) {
    throw new PoolError(
      rows.dims.spatial.length !== 2 ? 'INVALID_RANK' : 'SHAPE_MISMATCH',
      'rows.shape',
      rows.shape,
      `must be a row strip [N, C, H, 1] (or [N, H, 1, C] channels-last), in layout ${rows.layout}`,
    );
  }
  const width = cols.dims.spatial.length === 2 ? cols.dims.spatial[1] : 0;
  const want = shapeOf({ ...rows.dims, spatial: [1, width] }, rows.layout);
  if (width < 1 || cols.layout !== rows.layout || cols.shape.length !== want.length || cols.shape.some((n, i) => n !== want[i])) {
    throw new PoolError(
      'SHAPE_MISMATCH',
      'cols.shape',
      cols.shape,
      `must be a column strip [N, C, 1, W] with the rows' N = ${rows.dims.batch} and C = ${rows.dims.channels}, in the rows' layout ${rows.layout} (got ${cols.layout})`,
    );
  }
  return { batch: rows.dims.batch, channels: rows.dims.channels, spatial: [rows.dims.spatial[0], width] };
}

/** Validates a GeM pooling call (global, spatial rank 2). */
export function gemSpec(inputSpatial: readonly number[], options: unknown): GemSpec {
  const what = 'GeM pooling';
  checkRank(what, inputSpatial, [2]);
  const o = checkOptions(what, options, ['p', 'eps'], false);
  const p = positive('p', o.p, DEFAULT_GEM_P, 'INVALID_P');
  const eps = positive('eps', o.eps, DEFAULT_GEM_EPS, 'INVALID_EPS');
  return { p, eps, inputSpatial: [...inputSpatial] };
}

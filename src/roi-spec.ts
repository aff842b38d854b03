import { PoolError } from './errors';
import type { Dims } from './layout';

/**
 * Region pooling (torchvision's roi_align, roi_pool, ps_roi_align, ps_roi_pool):
 * the one place where options, input and boxes are validated, and where each
 * box's geometry on the feature map is computed. The GPU path, the CPU reference
 * and the tests all read these.
 *
 * Geometry is computed in float32 as torchvision's kernels compute it (every
 * product, sum and quotient rounded to float32 with Math.fround), so that the
 * integer cuts (round, floor, ceil) and the sampling grids fall exactly where
 * torchvision's do. Sources: torchvision/csrc/ops/cpu/roi_align_kernel.cpp,
 * roi_align_common.h, roi_pool_kernel.cpp, ps_roi_align_kernel.cpp and
 * ps_roi_pool_kernel.cpp (the CUDA kernels agree).
 *
 * What torchvision does not check, and this spec refuses before any work:
 * - corners given inverted (x2 < x1 or y2 < y1): torchvision does not reject
 *   them. roi_align (aligned = false) and both pool ops clamp the box size to at
 *   least 1 (roi_pool: round(x2) − round(x1) + 1 ≥ 1), so an inverted box becomes
 *   a 1 × 1 region at its first corner (x1, y1); roi_align with aligned = true
 *   and ps_roi_align keep the negative size, so with samplingRatio > 0 the bins
 *   walk backwards from (x1, y1) (a mirrored box) and with samplingRatio ≤ 0 the
 *   grid ceil(size / out) is ≤ 0: no sample, output 0 (ps_roi_align: 0 / 0 = NaN
 *   where one side's grid is 0). None of these is a meaningful region, and which
 *   one a caller gets depends on options, so an inverted box is almost always a
 *   mistake (boxes in (x, y, w, h) or (y1, x1, y2, x2) order): we raise
 *   INVALID_OPTION naming the box. Degenerate boxes (x1 = x2 or y1 = y2) are
 *   accepted.
 * - non-finite coordinates (NOT_FINITE) and batch indices that are not whole
 *   numbers in [0, N) (torchvision truncates the float with (int) and reads out of
 *   bounds past N);
 * - a scaled coordinate beyond ±2^24 (float32 no longer holds every integer, and
 *   roi_pool's (int)round() overflows further out) or a box whose sampling grid
 *   for the align ops passes 2^31 − 1 samples (torchvision sizes its per-box
 *   table with an int): TOO_LARGE.
 *
 * One deliberate difference: where an align op's sampling grid is empty (a
 * degenerate box with samplingRatio ≤ 0, so ceil(0 / out) = 0 samples),
 * roi_align outputs 0 (its divisor is max(gridH · gridW, 1)) but ps_roi_align
 * divides 0 by 0 and outputs NaN. Both ops output 0 here.
 */

/** The four region ops. */
export type RoiOp = 'roiAlign' | 'roiPool' | 'psRoiAlign' | 'psRoiPool';

/** `outputSize`: one number for both sides, or [height, width]; positive integers. */
export type RoiOutputSize = number | readonly [number, number];

/**
 * roi_align options. Defaults: spatialScale 1, samplingRatio −1 (adaptive:
 * ceil(box size / output size) samples per bin side), aligned false.
 */
export interface RoiAlignOptions {
  outputSize: RoiOutputSize;
  /** Multiplies box coordinates to reach the feature map (e.g. 1/16); finite and > 0. */
  spatialScale?: number;
  /** Samples per bin side; an integer, ≤ 0 for adaptive. */
  samplingRatio?: number;
  /** Shift the box by −0.5 pixel and keep its size as given (no minimum of 1). */
  aligned?: boolean;
}

/** roi_pool and ps_roi_pool options. Default spatialScale 1. */
export interface RoiPoolOptions {
  outputSize: RoiOutputSize;
  spatialScale?: number;
}

/** ps_roi_align options (always half-pixel aligned, as torchvision). Defaults: spatialScale 1, samplingRatio −1. */
export interface PsRoiAlignOptions {
  outputSize: RoiOutputSize;
  spatialScale?: number;
  samplingRatio?: number;
}

/** ps_roi_pool options. */
export type PsRoiPoolOptions = RoiPoolOptions;

/**
 * The regions, in either form:
 * - torchvision's: `shape` [K, 5], rows (batchIndex, x1, y1, x2, y2);
 * - ONNX's (RoiAlign): `shape` [K, 4], rows (x1, y1, x2, y2), with `batchIndices`,
 *   one whole number per box.
 * Coordinates are in input-image units (× spatialScale reaches the feature map).
 * A HostTensor of shape [K, 5] is a RoiBoxes.
 */
export interface RoiBoxes {
  data: ArrayLike<number>;
  shape: readonly number[];
  batchIndices?: ArrayLike<number>;
}

/** A region pooling call, validated and normalized. */
export interface RoiSpec {
  op: RoiOp;
  /** [outH, outW]. */
  outputSize: [number, number];
  /** As float32, the type torchvision computes in. */
  spatialScale: number;
  /** Align ops: samples per bin side, ≤ 0 adaptive. Pool ops: −1 (unused). */
  samplingRatio: number;
  /** Half-pixel shift and no minimum box size: roiAlign's option; always true for psRoiAlign; false for the pool ops. */
  aligned: boolean;
  /** Output channel c, bin (i, j) reads input channel (c · outH + i) · outW + j. */
  positionSensitive: boolean;
  inputSpatial: [number, number];
  batch: number;
  inputChannels: number;
  /** C, or C / (outH · outW) for the position-sensitive ops. */
  outputChannels: number;
  /** The boxes in torchvision's form, float32: K rows (batchIndex, x1, y1, x2, y2). */
  rois: Float32Array;
  boxCount: number;
  /** [K, outputChannels, outH, outW]: the output, its gradient and roiPool's indices. */
  outputDims: Dims;
}

const OPTIONS: Record<RoiOp, string[]> = {
  roiAlign: ['outputSize', 'spatialScale', 'samplingRatio', 'aligned'],
  roiPool: ['outputSize', 'spatialScale'],
  psRoiAlign: ['outputSize', 'spatialScale', 'samplingRatio'],
  psRoiPool: ['outputSize', 'spatialScale'],
};

/** Scaled coordinates must stay within ±2^24: float32 holds every integer up to there. */
export const MAX_ROI_COORDINATE = 2 ** 24;
/** Samples of one box (gridH · gridW · outH · outW) for the align ops: torchvision indexes them with an int. */
export const MAX_ROI_SAMPLES = 2 ** 31 - 1;

const f32 = Math.fround;

/** C's round(): halves away from zero (Math.round takes −2.5 to −2, C to −3). */
export function roundHalfAway(v: number): number {
  const r = Math.round(Math.abs(v));
  return v < 0 && r !== 0 ? -r : r;
}

function checkOptions(op: RoiOp, options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new PoolError('INVALID_OPTION', 'options', options, `must be an object with at least outputSize (options of ${op}: ${OPTIONS[op].join(', ')})`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && !OPTIONS[op].includes(key)) {
      throw new PoolError('INVALID_OPTION', key, o[key], `is not an option of ${op} (options: ${OPTIONS[op].join(', ')})`);
    }
  }
  return o;
}

function outputSizeOf(given: unknown): [number, number] {
  const list = typeof given === 'number' ? [given, given] : given;
  if (!Array.isArray(list) || list.length !== 2) {
    throw new PoolError('INVALID_OUTPUT_SIZE', 'outputSize', given, 'must be a positive integer or [height, width]');
  }
  for (const v of list) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new PoolError('NOT_FINITE', 'outputSize', given, 'must hold finite positive integers');
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new PoolError('INVALID_OUTPUT_SIZE', 'outputSize', given, 'must hold positive integers');
  }
  return [list[0], list[1]];
}

function spatialScaleOf(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number') throw new PoolError('INVALID_OPTION', 'spatialScale', value, 'must be a number greater than 0 (e.g. 1/16)');
  // torchvision computes in float32: a scale that float32 cannot hold is refused too.
  if (!Number.isFinite(f32(value))) throw new PoolError('NOT_FINITE', 'spatialScale', value, 'must be finite (in float32) and greater than 0');
  if (!(f32(value) > 0)) throw new PoolError('INVALID_OPTION', 'spatialScale', value, 'must be greater than 0 (in float32)');
  return f32(value);
}

function samplingRatioOf(value: unknown, outputSize: [number, number]): number {
  if (value === undefined) return -1;
  if (typeof value === 'number' && !Number.isFinite(value)) throw new PoolError('NOT_FINITE', 'samplingRatio', value, 'must be a finite integer');
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new PoolError('INVALID_OPTION', 'samplingRatio', value, 'must be an integer: samples per bin side, or ≤ 0 for ceil(box size / output size)');
  }
  if (value > 0 && value * value * outputSize[0] * outputSize[1] > MAX_ROI_SAMPLES) {
    throw new PoolError(
      'TOO_LARGE',
      'samplingRatio',
      value,
      `squared, times outputSize ${outputSize[0]} × ${outputSize[1]}, must be at most 2^31 − 1 samples per box`,
    );
  }
  return value;
}

function alignedOf(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new PoolError('INVALID_OPTION', 'aligned', value, 'must be true or false');
  return value;
}

/** One box row as given (4 or 5 numbers), for messages. */
function rowOf(rois: RoiBoxes, k: number, cols: number): number[] {
  return Array.from({ length: cols }, (_, i) => rois.data[k * cols + i]);
}

/** Checks the boxes' form and copies them into torchvision's [K, 5] float32 rows. */
function normalizeRois(rois: unknown): { rows: Float32Array; count: number; cols: number } {
  if (rois === null || typeof rois !== 'object') {
    throw new PoolError(
      'INVALID_OPTION',
      'rois',
      rois,
      'must be { data, shape: [K, 5] } (batchIndex, x1, y1, x2, y2), or { data, shape: [K, 4], batchIndices }',
    );
  }
  const r = rois as RoiBoxes;
  const shape = r.shape;
  const formOk = Array.isArray(shape) && shape.length === 2 && Number.isInteger(shape[0]) && shape[0] >= 1 && (shape[1] === 5 || shape[1] === 4);
  if (!formOk) {
    throw new PoolError(
      'INVALID_SHAPE',
      'rois.shape',
      shape,
      'must be [K, 5] with rows (batchIndex, x1, y1, x2, y2), as torchvision takes them, or [K, 4] with rows (x1, y1, x2, y2) and batchIndices, as ONNX does; K ≥ 1',
    );
  }
  const [count, cols] = shape as [number, number];
  const data = r.data;
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
    throw new PoolError('INVALID_OPTION', 'rois.data', data, 'must be an array or typed array of numbers');
  }
  if (data.length !== count * cols) {
    throw new PoolError('DATA_LENGTH', 'rois.data.length', data.length, `must equal the product of rois.shape [${count}, ${cols}] = ${count * cols}`);
  }
  const indices = r.batchIndices;
  if (cols === 5 && indices !== undefined) {
    throw new PoolError('SHAPE_MISMATCH', 'rois.batchIndices', indices, 'must be left out with [K, 5] rois, whose first column is the batch index');
  }
  if (cols === 4 && (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number')) {
    throw new PoolError('SHAPE_MISMATCH', 'rois.batchIndices', indices, `must be given with [K, 4] boxes: one batch index per box (${count} numbers)`);
  }
  if (cols === 4 && indices!.length !== count) {
    throw new PoolError('SHAPE_MISMATCH', 'rois.batchIndices.length', indices!.length, `must equal the number of boxes K = ${count}`);
  }
  const rows = new Float32Array(count * 5);
  for (let k = 0; k < count; k++) {
    const row = rowOf(r, k, cols);
    if (row.some((v) => typeof v !== 'number')) throw new PoolError('INVALID_OPTION', `rois[${k}]`, row, 'must hold numbers');
    const batch = cols === 5 ? row[0] : indices![k];
    if (typeof batch !== 'number') {
      throw new PoolError('INVALID_OPTION', `rois.batchIndices[${k}]`, batch, 'must be a number (convert a BigInt64Array with Array.from(b, Number))');
    }
    rows.set([batch, ...row.slice(cols - 4)], k * 5);
  }
  return { rows, count, cols };
}

/**
 * Validates a region pooling call on an input of `dims` (spatial rank 2, NCHW or
 * NHWC) and normalizes its boxes; throws PoolError on any bad parameter or box,
 * before any work.
 */
export function roiSpec(op: RoiOp, dims: Dims, rois: RoiBoxes, options: unknown): RoiSpec {
  if (!Object.prototype.hasOwnProperty.call(OPTIONS, op)) {
    throw new PoolError('INVALID_MODE', 'op', op, `must be one of ${Object.keys(OPTIONS).join(', ')}`);
  }
  const o = checkOptions(op, options);
  const outputSize = outputSizeOf(o.outputSize);
  const spatialScale = spatialScaleOf(o.spatialScale);
  const align = op === 'roiAlign' || op === 'psRoiAlign';
  const samplingRatio = align ? samplingRatioOf(o.samplingRatio, outputSize) : -1;
  // ps_roi_align always shifts by −0.5 and never clamps the size: roi_align's aligned = true.
  const aligned = op === 'psRoiAlign' ? true : op === 'roiAlign' ? alignedOf(o.aligned) : false;

  if (dims.spatial.length !== 2) {
    throw new PoolError(
      'INVALID_RANK',
      'input',
      dims.spatial,
      `has these spatial sizes (spatial rank ${dims.spatial.length}); ${op} needs spatial rank 2 (NCHW or NHWC)`,
    );
  }
  const positionSensitive = op === 'psRoiAlign' || op === 'psRoiPool';
  const bins = outputSize[0] * outputSize[1];
  if (positionSensitive && dims.channels % bins !== 0) {
    throw new PoolError(
      'INVALID_SHAPE',
      'input.channels',
      dims.channels,
      `must be a multiple of outputSize ${outputSize[0]} × ${outputSize[1]} = ${bins} for ${op} (channels = output channels × ${bins})`,
    );
  }

  const { rows, count, cols } = normalizeRois(rois);
  const spec: RoiSpec = {
    op,
    outputSize,
    spatialScale,
    samplingRatio,
    aligned,
    positionSensitive,
    inputSpatial: [dims.spatial[0], dims.spatial[1]],
    batch: dims.batch,
    inputChannels: dims.channels,
    outputChannels: positionSensitive ? dims.channels / bins : dims.channels,
    rois: rows,
    boxCount: count,
    outputDims: { batch: count, channels: positionSensitive ? dims.channels / bins : dims.channels, spatial: [...outputSize] },
  };
  for (let k = 0; k < count; k++) checkBox(spec, rois, k, cols);
  return spec;
}

/** The checks of box k: finite corners, a batch index in range, corners in order, a size the kernels can hold. */
function checkBox(spec: RoiSpec, rois: RoiBoxes, k: number, cols: number): void {
  const [, x1, y1, x2, y2] = spec.rois.subarray(k * 5, k * 5 + 5);
  const param = `rois[${k}]`;
  const row = rowOf(rois, k, cols);
  if (![x1, y1, x2, y2].every(Number.isFinite)) {
    throw new PoolError('NOT_FINITE', param, row, `box ${k} has a non-finite coordinate (in float32); every coordinate must be a finite number`);
  }
  const batchParam = cols === 5 ? `rois[${k}][0]` : `rois.batchIndices[${k}]`;
  const batchGiven = cols === 5 ? rois.data[k * 5] : rois.batchIndices![k];
  const range = `a whole number from 0 to ${spec.batch - 1} (the input's batch is ${spec.batch})`;
  if (!Number.isFinite(batchGiven)) throw new PoolError('NOT_FINITE', batchParam, batchGiven, `the batch index of box ${k} must be ${range}`);
  if (!Number.isInteger(batchGiven) || batchGiven < 0 || batchGiven >= spec.batch) {
    throw new PoolError('INVALID_OPTION', batchParam, batchGiven, `the batch index of box ${k} must be ${range}`);
  }
  if (x2 < x1 || y2 < y1) {
    const which = x2 < x1 ? `x2 < x1 (${x2} < ${x1})` : `y2 < y1 (${y2} < ${y1})`;
    throw new PoolError(
      'INVALID_OPTION',
      param,
      row,
      `box ${k} has ${which}; corners must be (x1, y1, x2, y2) with x1 ≤ x2 and y1 ≤ y2 (boxes in (x, y, w, h) or (y1, x1, y2, x2) order need converting)`,
    );
  }
  const scaled = [x1, y1, x2, y2].map((v) => f32(v * spec.spatialScale));
  if (scaled.some((v) => Math.abs(v) > MAX_ROI_COORDINATE)) {
    throw new PoolError('TOO_LARGE', param, row, `box ${k} reaches beyond ±2^24 on the feature map (coordinate × spatialScale); keep boxes near the map`);
  }
  if (spec.op === 'roiAlign' || spec.op === 'psRoiAlign') {
    const box = alignBox(spec, k);
    const samples = box.gridH * box.gridW * spec.outputSize[0] * spec.outputSize[1];
    if (samples > MAX_ROI_SAMPLES) {
      throw new PoolError(
        'TOO_LARGE',
        param,
        row,
        `box ${k} needs ${box.gridH} × ${box.gridW} samples per bin (samplingRatio ≤ 0: ceil(box size / output size)), ${samples} in all; at most 2^31 − 1 — give a samplingRatio`,
      );
    }
  }
}

// ---------------------------------------------------------------- geometry of one box

/** Where an align op samples box k: float32 values as torchvision computes them. */
export interface AlignBox {
  batch: number;
  /** The box's top-left corner on the feature map (shifted by −0.5 when aligned). */
  startH: number;
  startW: number;
  /** Bin height and width: the box size (at least 1 unless aligned) / output size. */
  binH: number;
  binW: number;
  /** Samples per bin side: samplingRatio, or ceil(bin size) when it is ≤ 0. */
  gridH: number;
  gridW: number;
  /** The average's divisor, gridH · gridW, at least 1: an empty grid gives 0. */
  count: number;
}

export function alignBox(spec: RoiSpec, k: number): AlignBox {
  const [batch, x1, y1, x2, y2] = spec.rois.subarray(k * 5, k * 5 + 5);
  const offset = spec.aligned ? 0.5 : 0;
  const s = spec.spatialScale;
  const startW = f32(f32(x1 * s) - offset);
  const startH = f32(f32(y1 * s) - offset);
  let width = f32(f32(f32(x2 * s) - offset) - startW);
  let height = f32(f32(f32(y2 * s) - offset) - startH);
  if (!spec.aligned) {
    // torchvision: "Force malformed ROIs to be 1x1".
    width = Math.max(width, 1);
    height = Math.max(height, 1);
  }
  const binH = f32(height / spec.outputSize[0]);
  const binW = f32(width / spec.outputSize[1]);
  const gridH = spec.samplingRatio > 0 ? spec.samplingRatio : Math.ceil(binH);
  const gridW = spec.samplingRatio > 0 ? spec.samplingRatio : Math.ceil(binW);
  return { batch, startH, startW, binH, binW, gridH, gridW, count: Math.max(gridH * gridW, 1) };
}

/**
 * Coordinate of sample `i` (of `grid`) in bin `p` along one side:
 * start + p · bin + (i + 0.5) · bin / grid, in torchvision's float32 order:
 * the bin's start plus the sample's offset in its bin, one float32 addition.
 */
export function alignSample(start: number, bin: number, grid: number, p: number, i: number): number {
  return f32(alignBinStart(start, bin, p) + alignSampleOffset(bin, grid, i));
}

/** Where bin `p` starts along one side: start + p · bin in float32 (the first term of alignSample). */
export function alignBinStart(start: number, bin: number, p: number): number {
  return f32(start + f32(p * bin));
}

/**
 * Offset of sample `i` (of `grid`) from its bin's start: (i + 0.5) · bin / grid in
 * float32 (the second term of alignSample). The GPU gets both terms from the host
 * and adds them, so its samples are alignSample's, bit for bit.
 */
export function alignSampleOffset(bin: number, grid: number, i: number): number {
  return f32(f32((i + 0.5) * bin) / grid);
}

/** The rounded box of a pool op: integer corners and float32 bin sizes. */
export interface PoolBox {
  batch: number;
  startH: number;
  startW: number;
  binH: number;
  binW: number;
}

/**
 * Box k of a pool op: corners round()ed to the feature grid; the size is at least
 * 1, and roiPool counts both corners (x2 − x1 + 1) where psRoiPool does not (x2 − x1).
 */
export function poolBox(spec: RoiSpec, k: number): PoolBox {
  const [batch, x1, y1, x2, y2] = spec.rois.subarray(k * 5, k * 5 + 5);
  const s = spec.spatialScale;
  const startW = roundHalfAway(f32(x1 * s));
  const startH = roundHalfAway(f32(y1 * s));
  const inclusive = spec.op === 'roiPool' ? 1 : 0;
  const width = Math.max(roundHalfAway(f32(x2 * s)) - startW + inclusive, 1);
  const height = Math.max(roundHalfAway(f32(y2 * s)) - startH + inclusive, 1);
  return { batch, startH, startW, binH: f32(height / spec.outputSize[0]), binW: f32(width / spec.outputSize[1]) };
}

/** A bin's cells on the feature map: rows [h0, h1), columns [w0, w1); empty when h1 ≤ h0 or w1 ≤ w0. */
export interface PoolBin {
  h0: number;
  h1: number;
  w0: number;
  w1: number;
}

/**
 * Bin (ph, pw) of a pool box: [floor(ph · binH), ceil((ph + 1) · binH)) from the
 * box's corner, clipped to [0, limit]. The limit is the map's size, except in
 * psRoiPool's forward pass, which torchvision clips at size − 1 (so its forward
 * never reads the last row or column, while its backward, clipped at the size,
 * spreads gradient there): pass `pass` to pick the one torchvision uses.
 */
export function poolBin(spec: RoiSpec, box: PoolBox, ph: number, pw: number, pass: 'forward' | 'backward'): PoolBin {
  const short = spec.op === 'psRoiPool' && pass === 'forward' ? 1 : 0;
  const [height, width] = spec.inputSpatial;
  const clip = (v: number, limit: number) => Math.min(Math.max(v, 0), limit);
  return {
    h0: clip(Math.floor(f32(ph * box.binH)) + box.startH, height - short),
    h1: clip(Math.ceil(f32((ph + 1) * box.binH)) + box.startH, height - short),
    w0: clip(Math.floor(f32(pw * box.binW)) + box.startW, width - short),
    w1: clip(Math.ceil(f32((pw + 1) * box.binW)) + box.startW, width - short),
  };
}

/** Input channel read by output channel c at bin (i, j): c itself, or (c · outH + i) · outW + j for the position-sensitive ops. */
export function roiInputChannel(spec: RoiSpec, c: number, i: number, j: number): number {
  return spec.positionSensitive ? (c * spec.outputSize[0] + i) * spec.outputSize[1] + j : c;
}

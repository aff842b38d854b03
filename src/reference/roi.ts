// CPU reference of region pooling (torchvision's roi_align, roi_pool,
// ps_roi_align, ps_roi_pool): the readable definition of each op. Every output
// cell is one bin of one box; forward passes read the bin, backward passes
// scatter the cell's gradient back over what it read (the GPU gathers). Box
// geometry comes from src/roi-spec.ts in float32, as torchvision computes it;
// sums run in float64 and are rounded to float32 at the end.
import { batchedLayout, layoutInfo, offsetOf, shapeOf, sizeOf } from '../layout';
import {
  alignBox,
  alignSample,
  poolBin,
  poolBox,
  roiInputChannel,
  roiSpec,
  type PsRoiAlignOptions,
  type PsRoiPoolOptions,
  type RoiAlignOptions,
  type RoiBoxes,
  type RoiOp,
  type RoiPoolOptions,
  type RoiSpec,
} from '../roi-spec';
import type { HostTensor } from './host-tensor';
import { checkShape } from '../validate';

type Indices = HostTensor<Int32Array>;

/** torchvision's starting value for a bin's max (-FLT_MAX): a bin of only NaN or -Infinity reports it, with index -1. */
const FLT_MAX = 3.4028234663852886e38;

/** One output cell: box k, output channel c, bin (ph, pw); the input channel it reads and its memory offset in the output. */
interface Cell {
  k: number;
  c: number;
  ph: number;
  pw: number;
  inputChannel: number;
  out: number;
}

/** Every output cell of a call, in channels-first order; `out` is the offset in the output's layout. */
function* cells(spec: RoiSpec, channelsLast: boolean): Generator<Cell> {
  const [outH, outW] = spec.outputSize;
  for (let k = 0; k < spec.boxCount; k++)
    for (let c = 0; c < spec.outputChannels; c++)
      for (let ph = 0; ph < outH; ph++)
        for (let pw = 0; pw < outW; pw++) {
          const out = offsetOf(spec.outputDims, channelsLast, k, c, ph * outW + pw);
          yield { k, c, ph, pw, inputChannel: roiInputChannel(spec, c, ph, pw), out };
        }
}

function outputOf(spec: RoiSpec, x: HostTensor): HostTensor {
  const dims = spec.outputDims;
  // K boxes stack as a batch: an unbatched map ('CHW') gives a batched output ('NCHW').
  const layout = batchedLayout(x.layout);
  return { data: new Float32Array(sizeOf(dims)), shape: shapeOf(dims, layout), layout, dims };
}

function checkLikeOutput(t: HostTensor<Float32Array | Int32Array>, param: string, spec: RoiSpec, x: HostTensor): void {
  const layout = batchedLayout(x.layout);
  checkShape(t, param, shapeOf(spec.outputDims, layout), layout, "the forward output's shape");
}

// ---------------------------------------------------------------- align (bilinear samples)

/** A plane index and its bilinear weight. */
interface Tap {
  at: number;
  weight: number;
}

/**
 * The bilinear taps of sample (y, x) on an H × W map, by torchvision's boundary
 * rules: a sample more than one pixel outside the map (y < −1 or y > H, the same
 * for x) reads nothing; otherwise a coordinate below 0 counts as 0, and from the
 * last row (column) on the sample reads that row (column) alone.
 */
function bilinearTaps(y: number, x: number, height: number, width: number): Tap[] {
  if (!(y >= -1 && y <= height && x >= -1 && x <= width)) return [];
  y = Math.max(y, 0);
  x = Math.max(x, 0);
  let yLow = Math.floor(y);
  let xLow = Math.floor(x);
  let yHigh = yLow + 1;
  let xHigh = xLow + 1;
  if (yLow >= height - 1) {
    yLow = yHigh = height - 1;
    y = yLow;
  }
  if (xLow >= width - 1) {
    xLow = xHigh = width - 1;
    x = xLow;
  }
  const ly = y - yLow;
  const lx = x - xLow;
  const hy = 1 - ly;
  const hx = 1 - lx;
  return [
    { at: yLow * width + xLow, weight: hy * hx },
    { at: yLow * width + xHigh, weight: hy * lx },
    { at: yHigh * width + xLow, weight: ly * hx },
    { at: yHigh * width + xHigh, weight: ly * lx },
  ];
}

/** The taps of every sample of bin (ph, pw) of an align box, each weight divided by the sample count: the bin's average. */
function alignTaps(spec: RoiSpec, k: number, ph: number, pw: number): Tap[] {
  const box = alignBox(spec, k);
  const [height, width] = spec.inputSpatial;
  const taps: Tap[] = [];
  for (let iy = 0; iy < box.gridH; iy++) {
    const y = alignSample(box.startH, box.binH, box.gridH, ph, iy);
    for (let ix = 0; ix < box.gridW; ix++) {
      const x = alignSample(box.startW, box.binW, box.gridW, pw, ix);
      for (const t of bilinearTaps(y, x, height, width)) taps.push({ at: t.at, weight: t.weight / box.count });
    }
  }
  return taps;
}

function alignForward(op: RoiOp, x: HostTensor, rois: RoiBoxes, options: unknown): HostTensor {
  const spec = roiSpec(op, x.dims, rois, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(spec, x);
  for (const cell of cells(spec, cl)) {
    const batch = spec.rois[cell.k * 5];
    let sum = 0;
    for (const t of alignTaps(spec, cell.k, cell.ph, cell.pw)) sum += t.weight * x.data[offsetOf(x.dims, cl, batch, cell.inputChannel, t.at)];
    output.data[cell.out] = sum;
  }
  return output;
}

function alignBackward(op: RoiOp, gradOutput: HostTensor, x: HostTensor, rois: RoiBoxes, options: unknown): HostTensor {
  const spec = roiSpec(op, x.dims, rois, options);
  checkLikeOutput(gradOutput, 'gradOutput', spec, x);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const cell of cells(spec, cl)) {
    const batch = spec.rois[cell.k * 5];
    const g = gradOutput.data[cell.out];
    for (const t of alignTaps(spec, cell.k, cell.ph, cell.pw)) grad[offsetOf(x.dims, cl, batch, cell.inputChannel, t.at)] += g * t.weight;
  }
  return { ...x, data: Float32Array.from(grad) };
}

/**
 * torchvision.ops.roi_align: output [K, C, outH, outW] (in the input's layout);
 * each bin averages gridH × gridW bilinear samples on a regular grid.
 */
export function roiAlign(x: HostTensor, rois: RoiBoxes, options: RoiAlignOptions): HostTensor {
  return alignForward('roiAlign', x, rois, options);
}

/** Gradient of roiAlign with respect to the input: each output's gradient spread over its samples' bilinear taps. */
export function roiAlignBackward(gradOutput: HostTensor, x: HostTensor, rois: RoiBoxes, options: RoiAlignOptions): HostTensor {
  return alignBackward('roiAlign', gradOutput, x, rois, options);
}

/**
 * torchvision.ops.ps_roi_align: position-sensitive roiAlign (always half-pixel
 * aligned); output [K, C / (outH · outW), outH, outW], bin (i, j) of output
 * channel c averaging input channel (c · outH + i) · outW + j.
 */
export function psRoiAlign(x: HostTensor, rois: RoiBoxes, options: PsRoiAlignOptions): HostTensor {
  return alignForward('psRoiAlign', x, rois, options);
}

/** Gradient of psRoiAlign with respect to the input. */
export function psRoiAlignBackward(gradOutput: HostTensor, x: HostTensor, rois: RoiBoxes, options: PsRoiAlignOptions): HostTensor {
  return alignBackward('psRoiAlign', gradOutput, x, rois, options);
}

// ---------------------------------------------------------------- pool (rounded bins)

/** Plane indices of a bin's cells, row-major. */
function binCells(spec: RoiSpec, k: number, ph: number, pw: number, pass: 'forward' | 'backward'): number[] {
  const bin = poolBin(spec, poolBox(spec, k), ph, pw, pass);
  const width = spec.inputSpatial[1];
  const at: number[] = [];
  for (let h = bin.h0; h < bin.h1; h++) for (let w = bin.w0; w < bin.w1; w++) at.push(h * width + w);
  return at;
}

/**
 * torchvision.ops.roi_pool: output [K, C, outH, outW] (in the input's layout),
 * the max of each rounded bin, and its index (h · W + w in the input plane).
 * As torchvision: a later value wins only when strictly greater (the first
 * maximum wins ties, NaN never wins), starting from -FLT_MAX; an empty bin gives
 * 0 and index -1, and so does nothing in a bin of only NaN or -Infinity but the
 * value -FLT_MAX.
 */
export function roiPool(x: HostTensor, rois: RoiBoxes, options: RoiPoolOptions): { output: HostTensor; indices: Indices } {
  const spec = roiSpec('roiPool', x.dims, rois, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(spec, x);
  const indices: Indices = { ...output, data: new Int32Array(output.data.length) };
  for (const cell of cells(spec, cl)) {
    const batch = spec.rois[cell.k * 5];
    const at = binCells(spec, cell.k, cell.ph, cell.pw, 'forward');
    let value = at.length === 0 ? 0 : -FLT_MAX;
    let index = -1;
    for (const s of at) {
      const v = x.data[offsetOf(x.dims, cl, batch, cell.c, s)];
      if (v > value) {
        value = v;
        index = s;
      }
    }
    output.data[cell.out] = value;
    indices.data[cell.out] = index;
  }
  return { output, indices };
}

/** Gradient of roiPool: each output's gradient to its index; an index outside the plane (-1: empty bin) passes none. */
export function roiPoolBackward(gradOutput: HostTensor, x: HostTensor, rois: RoiBoxes, indices: Indices, options: RoiPoolOptions): HostTensor {
  const spec = roiSpec('roiPool', x.dims, rois, options);
  checkLikeOutput(gradOutput, 'gradOutput', spec, x);
  checkLikeOutput(indices, 'indices', spec, x);
  const cl = layoutInfo(x.layout).channelsLast;
  const plane = spec.inputSpatial[0] * spec.inputSpatial[1];
  const grad = new Float64Array(x.data.length);
  for (const cell of cells(spec, cl)) {
    const index = indices.data[cell.out];
    if (index < 0 || index >= plane) continue;
    grad[offsetOf(x.dims, cl, spec.rois[cell.k * 5], cell.c, index)] += gradOutput.data[cell.out];
  }
  return { ...x, data: Float32Array.from(grad) };
}

/**
 * torchvision.ops.ps_roi_pool: position-sensitive average over each rounded bin;
 * output [K, C / (outH · outW), outH, outW], 0 for an empty bin. As torchvision,
 * the forward pass clips bins at H − 1 and W − 1: it never reads the last row or
 * column of the map.
 */
export function psRoiPool(x: HostTensor, rois: RoiBoxes, options: PsRoiPoolOptions): HostTensor {
  const spec = roiSpec('psRoiPool', x.dims, rois, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const output = outputOf(spec, x);
  for (const cell of cells(spec, cl)) {
    const batch = spec.rois[cell.k * 5];
    const at = binCells(spec, cell.k, cell.ph, cell.pw, 'forward');
    let sum = 0;
    for (const s of at) sum += x.data[offsetOf(x.dims, cl, batch, cell.inputChannel, s)];
    output.data[cell.out] = at.length === 0 ? 0 : sum / at.length;
  }
  return output;
}

/**
 * Gradient of psRoiPool as torchvision computes it: each output's gradient
 * spread evenly over its bin, clipped at H and W. Where a bin reaches the last
 * row or column this is not the forward pass's bin (clipped at H − 1, W − 1):
 * torchvision's gradient then differs from the derivative of its own output.
 */
export function psRoiPoolBackward(gradOutput: HostTensor, x: HostTensor, rois: RoiBoxes, options: PsRoiPoolOptions): HostTensor {
  const spec = roiSpec('psRoiPool', x.dims, rois, options);
  checkLikeOutput(gradOutput, 'gradOutput', spec, x);
  const cl = layoutInfo(x.layout).channelsLast;
  const grad = new Float64Array(x.data.length);
  for (const cell of cells(spec, cl)) {
    const batch = spec.rois[cell.k * 5];
    const at = binCells(spec, cell.k, cell.ph, cell.pw, 'backward');
    const share = gradOutput.data[cell.out] / at.length;
    for (const s of at) grad[offsetOf(x.dims, cl, batch, cell.inputChannel, s)] += share;
  }
  return { ...x, data: Float32Array.from(grad) };
}

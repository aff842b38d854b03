// CPU reference of whole-map and binned pooling (global, adaptive, spatial
// pyramid, strip, GeM): the readable definition of each mode. Forward passes
// loop over output cells and their bins; backward passes scatter each output's
// gradient over its bin (the GPU gathers), so the two are written differently.
// Sums run in float64 and are rounded to float32 at the end.
import { PoolError } from '../errors';
import { layoutInfo, offsetOf, shapeOf, sizeOf, type Dims, type Layout, unflatten } from '../layout';
import {
  adaptiveSpec,
  binEnd,
  binStart,
  gemSpec,
  globalSpec,
  pyramidSpec,
  stripExpandDims,
  stripSpec,
  type AdaptivePoolOptions,
  type AdaptiveSpec,
  type GemPoolOptions,
  type SpatialPyramidPoolOptions,
} from '../binned-spec';
import type { HostTensor } from './host-tensor';
import { checkShape } from '../validate';
import { stripGradients } from '../binned-spec';

type Indices = HostTensor<Int32Array>;

/** One bin of one (n, c) plane: the plane indices it covers, row-major. */
interface Bin {
  n: number;
  c: number;
  cells: number[];
}

/** Plane indices of the bin of output cell `cell` (coordinates) over `input` sizes with `output` bins, row-major. */
function binCells(cell: readonly number[], input: readonly number[], output: readonly number[]): number[] {
  const lo = cell.map((o, i) => binStart(o, input[i], output[i]));
  const hi = cell.map((o, i) => binEnd(o, input[i], output[i]));
  let cells = [0];
  for (let i = 0; i < input.length; i++) {
    const next: number[] = [];
    for (const prefix of cells) for (let p = lo[i]; p < hi[i]; p++) next.push(prefix * input[i] + p);
    cells = next;
  }
  return cells;
}

function channelsLastOf(t: HostTensor<Float32Array | Int32Array>): boolean {
  return layoutInfo(t.layout).channelsLast;
}

function emptyLike(dims: Dims, layout: Layout): HostTensor {
  return { data: new Float32Array(sizeOf(dims)), shape: shapeOf(dims, layout), layout, dims };
}

/** PyTorch's max over a bin: a later value wins when greater, a NaN always takes over (the last NaN is reported). */
function binMax(x: HostTensor, n: number, c: number, cells: readonly number[]): { value: number; index: number } {
  const cl = channelsLastOf(x);
  let value = -Infinity;
  let index = cells[0];
  for (const s of cells) {
    const v = x.data[offsetOf(x.dims, cl, n, c, s)];
    if (v > value || Number.isNaN(v)) {
      value = v;
      index = s;
    }
  }
  return { value, index };
}

function binMean(x: HostTensor, n: number, c: number, cells: readonly number[]): number {
  const cl = channelsLastOf(x);
  let sum = 0;
  for (const s of cells) sum += x.data[offsetOf(x.dims, cl, n, c, s)];
  return sum / cells.length;
}

// ---------------------------------------------------------------- adaptive and global

/** Every output cell of an adaptive call: its memory offset in the output and its bin. */
function* adaptiveBins(x: HostTensor, spec: AdaptiveSpec): Generator<Bin & { out: number }> {
  const outDims = { ...x.dims, spatial: spec.outputSpatial };
  const outPlane = spec.outputSpatial.reduce((a, b) => a * b, 1);
  const cl = channelsLastOf(x);
  for (let n = 0; n < x.dims.batch; n++)
    for (let c = 0; c < x.dims.channels; c++)
      for (let s = 0; s < outPlane; s++) {
        const cells = binCells(unflatten(s, spec.outputSpatial), spec.inputSpatial, spec.outputSpatial);
        yield { n, c, cells, out: offsetOf(outDims, cl, n, c, s) };
      }
}

function pool(x: HostTensor, spec: AdaptiveSpec): { output: HostTensor; indices: Indices } {
  const output = emptyLike({ ...x.dims, spatial: spec.outputSpatial }, x.layout);
  const indices: Indices = { ...output, data: new Int32Array(output.data.length) };
  for (const bin of adaptiveBins(x, spec)) {
    if (spec.mode === 'max') {
      const best = binMax(x, bin.n, bin.c, bin.cells);
      output.data[bin.out] = best.value;
      indices.data[bin.out] = best.index;
    } else {
      output.data[bin.out] = binMean(x, bin.n, bin.c, bin.cells);
    }
  }
  return { output, indices };
}

function poolBackward(gradOutput: HostTensor, x: HostTensor, spec: AdaptiveSpec, indices: Indices | null): HostTensor {
  const outShape = shapeOf({ ...x.dims, spatial: spec.outputSpatial }, x.layout);
  checkShape(gradOutput, 'gradOutput', outShape, x.layout, 'the forward output shape');
  if (indices) checkShape(indices, 'indices', outShape, x.layout, 'the forward output shape');
  const cl = channelsLastOf(x);
  const grad = new Float64Array(x.data.length);
  for (const bin of adaptiveBins(x, spec)) {
    const g = gradOutput.data[bin.out];
    if (indices) {
      grad[offsetOf(x.dims, cl, bin.n, bin.c, indices.data[bin.out])] += g;
    } else {
      for (const s of bin.cells) grad[offsetOf(x.dims, cl, bin.n, bin.c, s)] += g / bin.cells.length;
    }
  }
  return { ...x, data: Float32Array.from(grad) };
}

export function adaptiveAvgPool(x: HostTensor, options: AdaptivePoolOptions): HostTensor {
  return pool(x, adaptiveSpec('avg', x.dims.spatial, options)).output;
}

export function adaptiveAvgPoolBackward(gradOutput: HostTensor, x: HostTensor, options: AdaptivePoolOptions): HostTensor {
  return poolBackward(gradOutput, x, adaptiveSpec('avg', x.dims.spatial, options), null);
}

export function adaptiveMaxPool(x: HostTensor, options: AdaptivePoolOptions): { output: HostTensor; indices: Indices } {
  return pool(x, adaptiveSpec('max', x.dims.spatial, options));
}

export function adaptiveMaxPoolBackward(gradOutput: HostTensor, x: HostTensor, indices: Indices, options: AdaptivePoolOptions): HostTensor {
  return poolBackward(gradOutput, x, adaptiveSpec('max', x.dims.spatial, options), indices);
}

export function globalAvgPool(x: HostTensor): HostTensor {
  return pool(x, globalSpec('avg', x.dims.spatial)).output;
}

export function globalAvgPoolBackward(gradOutput: HostTensor, x: HostTensor): HostTensor {
  return poolBackward(gradOutput, x, globalSpec('avg', x.dims.spatial), null);
}

export function globalMaxPool(x: HostTensor): { output: HostTensor; indices: Indices } {
  return pool(x, globalSpec('max', x.dims.spatial));
}

export function globalMaxPoolBackward(gradOutput: HostTensor, x: HostTensor, indices: Indices): HostTensor {
  return poolBackward(gradOutput, x, globalSpec('max', x.dims.spatial), indices);
}

// ---------------------------------------------------------------- spatial pyramid

/** Every output feature of a pyramid call: level after level, each in (C, l, l) order. */
function* pyramidBins(x: HostTensor, levels: readonly number[]): Generator<Bin & { feature: number }> {
  let feature = 0;
  for (const l of levels) {
    for (let c = 0; c < x.dims.channels; c++)
      for (let i = 0; i < l; i++)
        for (let j = 0; j < l; j++) {
          const cells = binCells([i, j], x.dims.spatial, [l, l]);
          for (let n = 0; n < x.dims.batch; n++) yield { n, c, cells, feature };
          feature++;
        }
  }
}

/** Spatial pyramid pooling: output [N, C · Σ l²] ('NC'); max also returns the winners' plane indices. */
export function spatialPyramidPool(x: HostTensor, options?: SpatialPyramidPoolOptions): { output: HostTensor; indices: Indices | null } {
  const spec = pyramidSpec(x.dims.spatial, options);
  const features = x.dims.channels * spec.cells;
  const dims = { batch: x.dims.batch, channels: features, spatial: [] };
  const output = emptyLike(dims, 'NC');
  const indices: Indices | null = spec.mode === 'max' ? { ...output, data: new Int32Array(output.data.length) } : null;
  for (const bin of pyramidBins(x, spec.levels)) {
    const at = bin.n * features + bin.feature;
    if (indices) {
      const best = binMax(x, bin.n, bin.c, bin.cells);
      output.data[at] = best.value;
      indices.data[at] = best.index;
    } else {
      output.data[at] = binMean(x, bin.n, bin.c, bin.cells);
    }
  }
  return { output, indices };
}

export function spatialPyramidPoolBackward(gradOutput: HostTensor, x: HostTensor, indices: Indices | null, options?: SpatialPyramidPoolOptions): HostTensor {
  const spec = pyramidSpec(x.dims.spatial, options);
  const features = x.dims.channels * spec.cells;
  const outShape = [x.dims.batch, features];
  checkShape(gradOutput, 'gradOutput', outShape, 'NC', 'the forward output shape');
  if (spec.mode === 'max') {
    if (!indices) throw new PoolError('INVALID_OPTION', 'indices', indices, "must be the forward's indices in mode 'max'");
    checkShape(indices, 'indices', outShape, 'NC', 'the forward output shape');
  }
  const cl = channelsLastOf(x);
  const grad = new Float64Array(x.data.length);
  for (const bin of pyramidBins(x, spec.levels)) {
    const at = bin.n * features + bin.feature;
    const g = gradOutput.data[at];
    if (spec.mode === 'max') {
      grad[offsetOf(x.dims, cl, bin.n, bin.c, indices!.data[at])] += g;
    } else {
      for (const s of bin.cells) grad[offsetOf(x.dims, cl, bin.n, bin.c, s)] += g / bin.cells.length;
    }
  }
  return { ...x, data: Float32Array.from(grad) };
}

// ---------------------------------------------------------------- strip pooling

/** Strip pooling: rows [N, C, H, 1] average each row over W, cols [N, C, 1, W] average each column over H. */
export function stripPool(x: HostTensor): { rows: HostTensor; cols: HostTensor } {
  const { height, width } = stripSpec(x.dims.spatial);
  const cl = channelsLastOf(x);
  const rows = emptyLike({ ...x.dims, spatial: [height, 1] }, x.layout);
  const cols = emptyLike({ ...x.dims, spatial: [1, width] }, x.layout);
  for (let n = 0; n < x.dims.batch; n++)
    for (let c = 0; c < x.dims.channels; c++) {
      for (let h = 0; h < height; h++) {
        let sum = 0;
        for (let w = 0; w < width; w++) sum += x.data[offsetOf(x.dims, cl, n, c, h * width + w)];
        rows.data[offsetOf(rows.dims, cl, n, c, h)] = sum / width;
      }
      for (let w = 0; w < width; w++) {
        let sum = 0;
        for (let h = 0; h < height; h++) sum += x.data[offsetOf(x.dims, cl, n, c, h * width + w)];
        cols.data[offsetOf(cols.dims, cl, n, c, w)] = sum / height;
      }
    }
  return { rows, cols };
}

/**
 * Gradient of strip pooling: each row's gradient spread over its W cells, each
 * column's over its H cells. `gradOutput` is the gradient of the forward's
 * result, `{ rows, cols }`, first like every other backward's.
 */
export function stripPoolBackward(gradOutput: { rows: HostTensor; cols: HostTensor }, x: HostTensor): HostTensor {
  const { rows: gradRows, cols: gradCols } = stripGradients(gradOutput);
  const { height, width } = stripSpec(x.dims.spatial);
  checkShape(gradRows, 'gradRows', shapeOf({ ...x.dims, spatial: [height, 1] }, x.layout), x.layout, 'the row strip shape');
  checkShape(gradCols, 'gradCols', shapeOf({ ...x.dims, spatial: [1, width] }, x.layout), x.layout, 'the column strip shape');
  const cl = channelsLastOf(x);
  const grad = new Float64Array(x.data.length);
  for (let n = 0; n < x.dims.batch; n++)
    for (let c = 0; c < x.dims.channels; c++)
      for (let h = 0; h < height; h++)
        for (let w = 0; w < width; w++) {
          const at = offsetOf(x.dims, cl, n, c, h * width + w);
          grad[at] += gradRows.data[offsetOf(gradRows.dims, cl, n, c, h)] / width;
          grad[at] += gradCols.data[offsetOf(gradCols.dims, cl, n, c, w)] / height;
        }
  return { ...x, data: Float32Array.from(grad) };
}

/** Strip pooling's expand-and-add: out[n, c, h, w] = rows[n, c, h] + cols[n, c, w]. */
export function stripPoolExpand(rows: HostTensor, cols: HostTensor): HostTensor {
  const dims = stripExpandDims(rows, cols);
  const [height, width] = dims.spatial;
  const cl = channelsLastOf(rows);
  const out = emptyLike(dims, rows.layout);
  for (let n = 0; n < dims.batch; n++)
    for (let c = 0; c < dims.channels; c++)
      for (let h = 0; h < height; h++)
        for (let w = 0; w < width; w++) {
          out.data[offsetOf(dims, cl, n, c, h * width + w)] = rows.data[offsetOf(rows.dims, cl, n, c, h)] + cols.data[offsetOf(cols.dims, cl, n, c, w)];
        }
  return out;
}

/** Gradient of the expand-and-add step: rows collect their row's gradient, cols their column's. */
export function stripPoolExpandBackward(gradOutput: HostTensor): { rows: HostTensor; cols: HostTensor } {
  const { height, width } = stripSpec(gradOutput.dims.spatial);
  const cl = channelsLastOf(gradOutput);
  const rows = new Float64Array(gradOutput.dims.batch * gradOutput.dims.channels * height);
  const cols = new Float64Array(gradOutput.dims.batch * gradOutput.dims.channels * width);
  const rowDims = { ...gradOutput.dims, spatial: [height, 1] };
  const colDims = { ...gradOutput.dims, spatial: [1, width] };
  for (let n = 0; n < gradOutput.dims.batch; n++)
    for (let c = 0; c < gradOutput.dims.channels; c++)
      for (let h = 0; h < height; h++)
        for (let w = 0; w < width; w++) {
          const g = gradOutput.data[offsetOf(gradOutput.dims, cl, n, c, h * width + w)];
          rows[offsetOf(rowDims, cl, n, c, h)] += g;
          cols[offsetOf(colDims, cl, n, c, w)] += g;
        }
  return {
    rows: { data: Float32Array.from(rows), shape: shapeOf(rowDims, gradOutput.layout), layout: gradOutput.layout, dims: rowDims },
    cols: { data: Float32Array.from(cols), shape: shapeOf(colDims, gradOutput.layout), layout: gradOutput.layout, dims: colDims },
  };
}

// ---------------------------------------------------------------- GeM

/** torch.clamp(v, min = eps): NaN stays NaN. */
function clampEps(v: number, eps: number): number {
  return Number.isNaN(v) ? v : Math.max(v, eps);
}

/** The (n, c) plane's values in row-major order. */
function plane(x: HostTensor, n: number, c: number): number[] {
  const cl = channelsLastOf(x);
  const size = x.dims.spatial.reduce((a, b) => a * b, 1);
  return Array.from({ length: size }, (_, s) => x.data[offsetOf(x.dims, cl, n, c, s)]);
}

/** GeM pooling (global, rank 2): (mean(max(x, eps)^p))^(1/p) per (n, c); output [N, C, 1, 1]. */
export function gemPool(x: HostTensor, options?: GemPoolOptions): HostTensor {
  const { p, eps } = gemSpec(x.dims.spatial, options);
  const cl = channelsLastOf(x);
  const output = emptyLike({ ...x.dims, spatial: [1, 1] }, x.layout);
  for (let n = 0; n < x.dims.batch; n++)
    for (let c = 0; c < x.dims.channels; c++) {
      const values = plane(x, n, c);
      const mean = values.reduce((acc, v) => acc + clampEps(v, eps) ** p, 0) / values.length;
      output.data[offsetOf(output.dims, cl, n, c, 0)] = mean ** (1 / p);
    }
  return output;
}

/**
 * GeM's gradients: with respect to x (zero where x < eps, as the clamp passes
 * none there) and with respect to p, one number summed over every (n, c):
 * d out / dp = (1/p) m^(1/p − 1) mean(y^p ln y) − out ln(m) / p², y = max(x, eps), m = mean(y^p).
 * gradP is a [1, 1] 'NC' tensor.
 */
export function gemPoolBackward(gradOutput: HostTensor, x: HostTensor, options?: GemPoolOptions): { gradInput: HostTensor; gradP: HostTensor } {
  const { p, eps } = gemSpec(x.dims.spatial, options);
  checkShape(gradOutput, 'gradOutput', shapeOf({ ...x.dims, spatial: [1, 1] }, x.layout), x.layout, 'the forward output shape');
  const cl = channelsLastOf(x);
  const outDims = { ...x.dims, spatial: [1, 1] };
  const grad = new Float64Array(x.data.length);
  let gradP = 0;
  for (let n = 0; n < x.dims.batch; n++)
    for (let c = 0; c < x.dims.channels; c++) {
      const g = gradOutput.data[offsetOf(outDims, cl, n, c, 0)];
      const values = plane(x, n, c);
      const count = values.length;
      const m = values.reduce((acc, v) => acc + clampEps(v, eps) ** p, 0) / count;
      const mLog = values.reduce((acc, v) => acc + clampEps(v, eps) ** p * Math.log(clampEps(v, eps)), 0) / count;
      const out = m ** (1 / p);
      gradP += g * ((1 / p) * m ** (1 / p - 1) * mLog - (out * Math.log(m)) / (p * p));
      // d out / d x_s = m^(1/p − 1) · y_s^(p − 1) / count where x_s ≥ eps.
      values.forEach((v, s) => {
        if (v >= eps) grad[offsetOf(x.dims, cl, n, c, s)] = (g * m ** (1 / p - 1) * v ** (p - 1)) / count;
      });
    }
  return {
    gradInput: { ...x, data: Float32Array.from(grad) },
    gradP: { data: Float32Array.of(gradP), shape: [1, 1], layout: 'NC', dims: { batch: 1, channels: 1, spatial: [] } },
  };
}

// How each ONNX pooling operator of the conformance data runs: on the CPU
// reference (through the same attribute mapping as webgpu-pool/onnx) and on the
// GPU through webgpu-pool/onnx, in either layout. Used by test/onnx/run.mjs in
// Node and by the test page (test/browser/harness.ts).
import type { PoolEngine } from '../../src/index';
import { dimsOf, layoutFor, relayout, shapeOf, type SpatialRank } from '../../src/layout';
import * as reference from '../../src/reference/index';
import * as onnx from '../../src/onnx/index';
import { mismatches, type Tolerance } from '../support/compare';

/** A tensor of an ONNX test, as plain data (int64 read as numbers). */
export interface CaseTensor {
  dims: number[];
  dtype: string;
  data: number[];
}

/** One ONNX backend test: its node and one data set. */
export interface OnnxRunCase {
  id: string;
  op: string;
  attributes: Record<string, unknown>;
  inputs: CaseTensor[];
  outputs: CaseTensor[];
}

/** Operators the data holds that are not built yet, with the reason printed. */
export const PENDING_ONNX_OPS: Record<string, string> = {};

/** ONNX's own test tolerance is rtol 1e-3, atol 1e-7; sums here are held 100 times tighter. Max, indices and unpooling are exact. */
const SUM_TOLERANCE: Tolerance = { abs: 1e-7, rel: 1e-5 };
/** ONNX's own tolerance: RoiAlign's expected values are written to 4 decimal places (0.5178 for 0.51778…). */
const ONNX_TOLERANCE: Tolerance = { abs: 1e-7, rel: 1e-3 };
const EXACT: Tolerance = { abs: 0, rel: 0 };

type Backend = 'cpu' | PoolEngine;

/** An input in the layout under test: a float32 host tensor (uint8 values widened: max pooling is exact through float32). */
class Io {
  constructor(
    readonly rank: number,
    readonly channelsLast: boolean,
  ) {}
  get layout() {
    return layoutFor(this.rank as SpatialRank, this.channelsLast);
  }
  data(t: CaseTensor): Float32Array {
    return relayout(Float32Array.from(t.data), dimsOf(t.dims, layoutFor(this.rank as SpatialRank, false)), false, this.channelsLast);
  }
  shape(dims: readonly number[]): number[] {
    return shapeOf(dimsOf(dims, layoutFor(this.rank as SpatialRank, false)), this.layout);
  }
  /** Data of a result in the layout, back to ONNX's channels-first order. */
  back(data: Float32Array | Int32Array, shape: readonly number[]): number[] {
    this.shapes.push(shapeOf(dimsOf(shape, this.layout), layoutFor(this.rank as SpatialRank, false)));
    return Array.from(relayout(data, dimsOf(shape, this.layout), this.channelsLast, false));
  }
  /** The channels-first shape of each result read back, in order. */
  readonly shapes: number[][] = [];
}

interface Got {
  values: number[][];
  /** Whether each output is a sum (compared within SUM_TOLERANCE) rather than a pick. */
  sums: boolean[];
  /** A tolerance of the case's own, where its expected values are rounded. */
  tolerance?: Tolerance;
}

const attrs = (c: OnnxRunCase) => c.attributes as onnx.OnnxPoolAttributes;

async function run(c: OnnxRunCase, backend: Backend, io: Io, keep: (t: { destroy(): void }) => void): Promise<Got> {
  const x = c.inputs[0];
  const shape = io.shape(x.dims);
  const hx = () => reference.hostTensor(io.data(x), shape, io.layout);
  const gx = (engine: PoolEngine) => {
    const t = engine.tensor(io.data(x), shape, io.layout);
    keep(t);
    return t;
  };
  const read = async (t: { read(): Promise<Float32Array | Int32Array>; shape: readonly number[] }) => io.back(await t.read(), t.shape);
  const rank = x.dims.length - 2;
  switch (c.op) {
    case 'MaxPool': {
      const withIndices = c.outputs.length > 1;
      if (backend === 'cpu') {
        const h = reference.maxPool(hx(), onnx.onnxMaxPoolOptions(attrs(c), rank, withIndices));
        const values = [io.back(h.output.data, h.output.shape)];
        if (withIndices) values.push(io.back(h.indices.data, h.indices.shape));
        return { values, sums: values.map(() => false) };
      }
      const { Y, Indices } = onnx.MaxPool(backend, gx(backend), attrs(c), { indices: withIndices });
      keep(Y);
      const values = [await read(Y)];
      if (Indices) {
        keep(Indices);
        values.push(await read(Indices));
      }
      return { values, sums: values.map(() => false) };
    }
    case 'AveragePool': {
      if (backend === 'cpu') {
        const h = reference.avgPool(hx(), onnx.onnxAveragePoolOptions(attrs(c), rank));
        return { values: [io.back(h.data, h.shape)], sums: [true] };
      }
      const Y = onnx.AveragePool(backend, gx(backend), attrs(c));
      keep(Y);
      return { values: [await read(Y)], sums: [true] };
    }
    case 'LpPool':
    case 'GlobalLpPool': {
      const options = c.op === 'LpPool' ? onnx.onnxLpPoolOptions(attrs(c), rank) : onnx.onnxGlobalLpPoolOptions(attrs(c), x.dims.slice(2));
      if (backend === 'cpu') {
        const h = reference.lpPool(hx(), options);
        return { values: [io.back(h.data, h.shape)], sums: [true] };
      }
      const Y = c.op === 'LpPool' ? onnx.LpPool(backend, gx(backend), attrs(c)) : onnx.GlobalLpPool(backend, gx(backend), attrs(c));
      keep(Y);
      return { values: [await read(Y)], sums: [true] };
    }
    case 'RoiAlign':
    case 'MaxRoiPool': {
      // Boxes are host data: [K, 4] with batch indices (RoiAlign), [K, 5] (MaxRoiPool).
      const rois = c.inputs[1].data;
      const a = c.attributes as onnx.OnnxRoiAttributes;
      const align = c.op === 'RoiAlign';
      const boxes = align ? { data: rois, shape: [rois.length / 4, 4], batchIndices: c.inputs[2].data } : { data: rois, shape: [rois.length / 5, 5] };
      if (backend === 'cpu') {
        const h = align ? reference.roiAlign(hx(), boxes, onnx.onnxRoiAlignOptions(a)) : reference.roiPool(hx(), boxes, onnx.onnxMaxRoiPoolOptions(a)).output;
        return { values: [io.back(h.data, h.shape)], sums: [align], tolerance: align ? ONNX_TOLERANCE : undefined };
      }
      const Y = align ? onnx.RoiAlign(backend, gx(backend), rois, c.inputs[2].data, a) : onnx.MaxRoiPool(backend, gx(backend), rois, a);
      keep(Y);
      return { values: [await read(Y)], sums: [align], tolerance: align ? ONNX_TOLERANCE : undefined };
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool': {
      const avg = c.op === 'GlobalAveragePool';
      if (backend === 'cpu') {
        const h = avg ? reference.globalAvgPool(hx()) : reference.globalMaxPool(hx()).output;
        return { values: [io.back(h.data, h.shape)], sums: [avg] };
      }
      const Y = avg ? onnx.GlobalAveragePool(backend, gx(backend)) : onnx.GlobalMaxPool(backend, gx(backend));
      keep(Y);
      return { values: [await read(Y)], sums: [avg] };
    }
    case 'MaxUnpool': {
      const indexData = Int32Array.from(c.inputs[1].data);
      const indices = relayout(indexData, dimsOf(c.inputs[1].dims, layoutFor(rank as SpatialRank, false)), false, io.channelsLast);
      const outputShape = c.inputs[2]?.data;
      const options = onnx.onnxMaxUnpoolOptions(attrs(c), x.dims.slice(2), outputShape);
      if (backend === 'cpu') {
        const h = reference.maxUnpool(hx(), reference.hostTensor(indices, shape, io.layout), options);
        return { values: [io.back(h.data, h.shape)], sums: [false] };
      }
      const I = backend.tensor(indices, shape, io.layout);
      keep(I);
      const Y = onnx.MaxUnpool(backend, gx(backend), I, attrs(c), outputShape);
      keep(Y);
      return { values: [await read(Y)], sums: [false] };
    }
    default:
      throw new Error(`operator ${c.op} is neither run here nor pending`);
  }
}

/** Runs one ONNX case on a backend in one layout; its failures (empty: passed). */
export async function checkOnnxCase(c: OnnxRunCase, backend: Backend, channelsLast: boolean): Promise<string[]> {
  const where = `${c.id} (${backend === 'cpu' ? 'cpu' : 'gpu'}, ${channelsLast ? 'channels-last' : 'channels-first'})`;
  const made: { destroy(): void }[] = [];
  try {
    const io = new Io(c.inputs[0].dims.length - 2, channelsLast);
    const got = await run(c, backend, io, (t) => made.push(t));
    const failures: string[] = [];
    if (got.values.length !== c.outputs.length) failures.push(`${got.values.length} outputs, want ${c.outputs.length}`);
    c.outputs.forEach((want, k) => {
      const values = got.values[k];
      if (!values) return;
      if (io.shapes[k]?.join() !== want.dims.join()) failures.push(`output ${k}: shape [${io.shapes[k]}], want [${want.dims}]`);
      const dims = dimsOf(want.dims, layoutFor((want.dims.length - 2) as SpatialRank, false));
      failures.push(...mismatches(`output ${k}`, values, want.data, got.tolerance ?? (got.sums[k] ? SUM_TOLERANCE : EXACT), dims, false));
    });
    return failures.map((f) => `${where}: ${f}`);
  } catch (e) {
    return [`${where}: threw ${(e as Error).stack ?? e}`];
  } finally {
    for (const t of made) t.destroy();
  }
}

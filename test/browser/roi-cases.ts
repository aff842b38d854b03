// Page side of roi.test.ts: one region pooling case (roiAlign, roiPool, psRoiAlign,
// psRoiPool) on the GPU against the CPU reference, forward and backward, in the
// case's layout; the backward runs twice and must give the same bits. A float16
// case runs on float16 tensors against reference.inFloat16: roiPool's values and
// indices exact, the rest within one half ulp more than their float32 bound.
import type { FloatTensor, PoolEngine, PoolTensor } from '../../src/index';
import { relayout, shapeOf, type Dims, type Layout } from '../../src/layout';
import * as reference from '../../src/reference/index';
import type { HostTensor } from '../../src/reference/index';
import { alignBox, roiSpec, type RoiBoxes, type RoiOp } from '../../src/roi-spec';
import { dtypeMismatch, mismatches, sumTolerance, type PerElement, type Tolerance } from '../support/compare';
import { dtypeRun } from './window-cases';
import { absOf } from '../support/magnitude';
import { randomData, type DataKind } from '../support/random';

export interface RoiCase {
  name: string;
  op: RoiOp;
  /** Channels-first [N, C, H, W]. */
  shape: number[];
  channelsLast: boolean;
  rois: { data: number[]; shape: number[]; batchIndices?: number[] };
  options: Record<string, unknown>;
  seed: number;
  data?: DataKind;
  /** The output gradient's data (normal where unset). */
  gradData?: DataKind;
  /** Write forward and backward into `out` tensors given by the caller. */
  out?: boolean;
  /** 'float16': input and gradient stored as float16 (boxes are host coordinates, used as given), results against the reference's float16 semantics (float32 where unset). */
  dtype?: 'float16';
}

const EXACT: Tolerance = { abs: 0, rel: 0 };

type Forward = (x: HostTensor, rois: RoiBoxes, o: never) => HostTensor;
type Backward = (g: HostTensor, x: HostTensor, rois: RoiBoxes, o: never) => HostTensor;

/**
 * Terms of the longest sum (its log2 enters the sum bound, compare.ts): forward, the
 * taps of one bin (align: 4 per sample) or the cells of one bin (pool); backward, at
 * most every tap or cell of every bin of every box.
 */
function termsOf(c: RoiCase, dims: Dims, rois: RoiBoxes): { forward: number; backward: number } {
  const spec = roiSpec(c.op, dims, rois, c.options);
  const bins = spec.outputSize[0] * spec.outputSize[1];
  const perBin =
    c.op === 'roiAlign' || c.op === 'psRoiAlign'
      ? Math.max(...Array.from({ length: spec.boxCount }, (_, k) => 4 * alignBox(spec, k).count))
      : dims.spatial[0] * dims.spatial[1];
  return { forward: perBin, backward: spec.boxCount * bins * perBin };
}

export async function runRoiCase(engine: PoolEngine, c: RoiCase): Promise<{ compared: number; failures: string[] }> {
  const made: { destroy(): void }[] = [];
  const keep = <T extends { destroy(): void }>(t: T): T => (made.push(t), t);
  const failures: string[] = [];
  let compared = 0;
  try {
    const layout: Layout = c.channelsLast ? 'NHWC' : 'NCHW';
    const dims: Dims = { batch: c.shape[0], channels: c.shape[1], spatial: c.shape.slice(2) };
    const shape = shapeOf(dims, layout);
    const dt = dtypeRun(engine, c.dtype);
    const data = dt.data(
      relayout(
        randomData(
          c.shape.reduce((a, b) => a * b, 1),
          c.seed,
          c.data,
        ),
        dims,
        false,
        c.channelsLast,
      ),
    );
    const x = keep(dt.tensor(data, shape, layout));
    const hx = reference.hostTensor(data, shape, layout);
    const rois: RoiBoxes = { data: Float32Array.from(c.rois.data), shape: c.rois.shape, batchIndices: c.rois.batchIndices };
    const o = c.options as never;
    const terms = termsOf(c, dims, rois);

    // Float results take the case's dtype (float16: one half ulp more than the float32 bound, where not EXACT), indices int32.
    const check = async (
      label: string,
      got: PoolTensor<'float32'> | PoolTensor<'float16'> | PoolTensor<'int32'>,
      want: HostTensor<Float32Array | Int32Array>,
      tol: Tolerance | PerElement,
    ) => {
      const index = want.data instanceof Int32Array;
      failures.push(...dtypeMismatch(label, got.dtype, index ? 'int32' : dt.dtype));
      if (!index && tol !== EXACT) tol = dt.bound(want.data, tol);
      if (got.shape.join() !== want.shape.join() || got.layout !== want.layout) {
        failures.push(`${label}: shape ${got.layout} [${got.shape}], want ${want.layout} [${want.shape}]`);
        return null;
      }
      const values = await got.read();
      failures.push(...mismatches(label, values, want.data, tol, want.dims, c.channelsLast));
      compared += values.length;
      return values;
    };
    const outLike = (t: HostTensor) => (c.out ? keep(dt.tensor(new Float32Array(t.data.length), t.shape, t.layout)) : undefined);
    const same = (label: string, got: unknown, given: unknown) => {
      if (given && got !== given) failures.push(`${label}: not the out tensor given`);
    };

    // Forward.
    let want: HostTensor;
    let indices: PoolTensor<'int32'> | null = null;
    let wantIndices: HostTensor<Int32Array> | null = null;
    if (c.op === 'roiPool') {
      const r = dt.ref(reference.roiPool)(hx, rois, o);
      want = r.output;
      wantIndices = r.indices;
      const given = c.out ? { output: outLike(want)!, indices: keep(engine.tensor(new Int32Array(want.data.length), want.shape, layout)) } : undefined;
      const got = engine.roiPool(x, rois, o, given);
      keep(got.output);
      indices = keep(got.indices);
      same('output', got.output, given?.output);
      same('indices', got.indices, given?.indices);
      await check('output', got.output, want, EXACT);
      await check('indices', got.indices, r.indices, EXACT);
    } else {
      const forward = reference[c.op] as Forward;
      want = dt.ref(forward)(hx, rois, o);
      const given = outLike(want);
      const got = keep((engine[c.op] as (x: FloatTensor, r: RoiBoxes, o: never, out?: FloatTensor) => FloatTensor).call(engine, x, rois, o, given));
      same('output', got, given);
      await check('output', got, want, sumTolerance(forward(absOf(hx), rois, o).data, terms.forward));
    }

    // Backward, twice: the gather must give the same bits on every run.
    const gdata = dt.data(randomData(want.data.length, c.seed + 1, c.gradData));
    const g = keep(dt.tensor(gdata, want.shape, layout));
    const hg = reference.hostTensor(gdata, want.shape, layout);
    let wantGrad: HostTensor;
    let magnitude: HostTensor;
    if (c.op === 'roiPool') {
      wantGrad = dt.ref(reference.roiPoolBackward)(hg, hx, rois, wantIndices!, o);
      magnitude = reference.roiPoolBackward(absOf(hg), hx, rois, wantIndices!, o);
    } else {
      const backward = reference[`${c.op}Backward`] as Backward;
      wantGrad = dt.ref(backward)(hg, hx, rois, o);
      magnitude = backward(absOf(hg), hx, rois, o);
    }
    const gradOnce = () => {
      const given = outLike(hx);
      const got =
        c.op === 'roiPool'
          ? engine.roiPoolBackward(g, x, rois, indices!, o, given)
          : (engine[`${c.op}Backward`] as (g: FloatTensor, x: FloatTensor, r: RoiBoxes, o: never, out?: FloatTensor) => FloatTensor).call(
              engine,
              g,
              x,
              rois,
              o,
              given,
            );
      same('gradInput', got, given);
      return keep(got);
    };
    const first = await check('gradInput', gradOnce(), wantGrad, sumTolerance(magnitude.data, terms.backward));
    const again = new Uint32Array((await gradOnce().read()).buffer);
    if (first) {
      const bits = new Uint32Array(first.buffer);
      const differ = bits.findIndex((b, i) => b !== again[i]);
      if (differ >= 0) failures.push(`gradInput: a second run differs at ${differ}: ${first[differ]}, then ${new Float32Array(again.buffer)[differ]}`);
    }
    return { compared, failures };
  } finally {
    for (const t of made) t.destroy();
  }
}

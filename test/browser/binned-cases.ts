// Runs whole-map and binned pooling cases in the page: GPU forward and backward
// against the CPU reference, in the case's layout, on the case's reduction
// variant. Each mismatch is reported with its coordinates.
import { createPoolEngine, type PoolEngine, type PoolTensor } from '../../src/index';
import { layoutFor, layoutInfo, relayout, type Dims, type SpatialRank } from '../../src/layout';
import * as reference from '../../src/reference/index';
import type { HostTensor } from '../../src/reference/index';
import { dtypeMismatch, mismatches, sumTolerance, type PerElement, type Tolerance } from '../support/compare';
import { absOf, gemMagnitudes } from '../support/magnitude';
import { dtypeRun, scaled } from './window-cases';
import { randomData } from '../support/random';
import type { BinnedCase } from '../support/binned-grid';

/**
 * Max pooling's values and indices are exact. Every sum-based result (averages,
 * strips, the pyramid's averages, GeM, their gradients) is compared within
 * sumUlps(terms) ulps of the magnitude of its terms (compare.ts): for the
 * linear ops that magnitude is the reference run on |x| or |gradOutput|, with
 * `terms` the most terms any element sums. A float16 case (dtype) runs on
 * half-rounded inputs stored as float16 against reference.inFloat16: max values and
 * indices still exact, the rest within one half ulp more than their float32 bound.
 */
const EXACT: Tolerance = { abs: 0, rel: 0 };

/** Per-element bounds of a linear op: the reference's result on non-negative inputs. */
const sum = (magnitude: HostTensor, terms: number): PerElement => sumTolerance(magnitude.data, terms);
const cellsOf = (spatial: readonly number[]) => spatial.reduce((a, b) => a * b, 1);

const fallbacks = new WeakMap<PoolEngine, Promise<PoolEngine>>();

/** The engine of the case's variant: `engine` itself (subgroups where the device has them) or one forced onto workgroup memory. */
export function engineFor(engine: PoolEngine, subgroups: boolean): Promise<PoolEngine> {
  if (subgroups) return Promise.resolve(engine);
  let fallback = fallbacks.get(engine);
  if (!fallback)
    fallbacks.set(engine, (fallback = createPoolEngine({ device: engine.device, subgroups: false, parallelism: engine.parallelism, label: 'pool-fallback' })));
  return fallback;
}

interface Run {
  made: { destroy(): void }[];
  failures: string[];
  /** The case's dtype: its data, tensors and reference (window-cases.ts). */
  dt: ReturnType<typeof dtypeRun>;
}

/**
 * Compares a GPU result with the reference's, and its dtype: the case's for float
 * results, int32 for indices. `tol` is the float32 bound of a result that is not
 * picked; a float16 case adds one half ulp to it (`exact`: picked, compared as it is).
 */
async function compare(
  run: Run,
  label: string,
  gpu: PoolTensor<'float32'> | PoolTensor<'float16'> | PoolTensor<'int32'>,
  cpu: HostTensor<Float32Array | Int32Array>,
  tol: Tolerance | PerElement,
  scale?: number,
): Promise<void> {
  run.made.push(gpu);
  const index = cpu.data instanceof Int32Array;
  run.failures.push(...dtypeMismatch(label, gpu.dtype, index ? 'int32' : run.dt.dtype));
  if (!index && tol !== EXACT) tol = run.dt.bound(cpu.data, tol);
  if (gpu.shape.join() !== cpu.shape.join() || gpu.layout !== cpu.layout) {
    run.failures.push(`${label}: shape ${gpu.layout} [${gpu.shape}], want ${cpu.layout} [${cpu.shape}]`);
    return;
  }
  // Flat 'NC' features are reported as n and w = feature.
  const dims: Dims = gpu.dims.spatial.length ? gpu.dims : { batch: gpu.dims.batch, channels: 1, spatial: [gpu.dims.channels] };
  const got = await gpu.read();
  run.failures.push(...mismatches(label, got instanceof Float32Array ? scaled(got, scale) : got, cpu.data, tol, dims, layoutInfo(gpu.layout).channelsLast));
}

/** A random tensor on both sides, in the layout; `shape` is channels-first. */
function tensors(engine: PoolEngine, run: Run, shape: number[], channelsLast: boolean, seed: number, kind: BinnedCase['data']) {
  const dims = { batch: shape[0], channels: shape[1], spatial: shape.slice(2) };
  const layout = layoutFor(dims.spatial.length as SpatialRank, channelsLast);
  const laid = channelsLast ? [dims.batch, ...dims.spatial, dims.channels] : shape;
  const data = run.dt.data(
    relayout(
      randomData(
        shape.reduce((a, b) => a * b, 1),
        seed,
        kind,
      ),
      dims,
      false,
      channelsLast,
    ),
  );
  const gpu = run.dt.tensor(data, laid, layout);
  run.made.push(gpu);
  return { gpu, cpu: reference.hostTensor(data, laid, layout) };
}

/** An upstream gradient shaped like a CPU result, on both sides. */
function gradLike(engine: PoolEngine, run: Run, like: HostTensor, seed: number) {
  const data = run.dt.data(randomData(like.data.length, seed));
  const gpu = run.dt.tensor(data, like.shape, like.layout);
  run.made.push(gpu);
  return { gpu, cpu: reference.hostTensor(data, like.shape, like.layout) };
}

export async function runBinnedCase(base: PoolEngine, c: BinnedCase): Promise<string[]> {
  const engine = await engineFor(base, c.subgroups);
  const run: Run = { made: [], failures: [], dt: dtypeRun(engine, c.dtype) };
  // The reference in the case's dtype (float16: reference.inFloat16); bounds stay float32 computations on |x|.
  const ref = run.dt.ref;
  try {
    const x = tensors(engine, run, c.shape, c.channelsLast, c.seed, c.data);
    const o = c.options as never;
    switch (c.op) {
      case 'globalAvg':
      case 'adaptiveAvg': {
        const global = c.op === 'globalAvg';
        const fwd = (t: HostTensor) => (global ? reference.globalAvgPool(t) : reference.adaptiveAvgPool(t, o));
        const bwd = (gt: HostTensor) => (global ? reference.globalAvgPoolBackward(gt, x.cpu) : reference.adaptiveAvgPoolBackward(gt, x.cpu, o));
        const want = ref(fwd)(x.cpu);
        // Forward terms: at most a whole plane; backward: at most every output cell covers one element.
        const planeCells = cellsOf(x.cpu.dims.spatial);
        await compare(
          run,
          'output',
          global ? engine.globalAvgPool(x.gpu) : engine.adaptiveAvgPool(x.gpu, o),
          want,
          sum(fwd(absOf(x.cpu)), planeCells),
          c.scaleResults,
        );
        const g = gradLike(engine, run, want, c.seed + 1);
        const gotGrad = global ? engine.globalAvgPoolBackward(g.gpu, x.gpu) : engine.adaptiveAvgPoolBackward(g.gpu, x.gpu, o);
        await compare(run, 'gradInput', gotGrad, ref(bwd)(g.cpu), sum(bwd(absOf(g.cpu)), cellsOf(want.dims.spatial)), c.scaleResults);
        break;
      }
      case 'globalMax':
      case 'adaptiveMax': {
        const global = c.op === 'globalMax';
        const want = global ? ref(reference.globalMaxPool)(x.cpu) : ref(reference.adaptiveMaxPool)(x.cpu, o);
        const got = global ? engine.globalMaxPool(x.gpu) : engine.adaptiveMaxPool(x.gpu, o);
        await compare(run, 'output', got.output, want.output, EXACT, c.scaleResults);
        await compare(run, 'indices', got.indices, want.indices, EXACT);
        const g = gradLike(engine, run, want.output, c.seed + 1);
        const wantGrad = global
          ? ref(reference.globalMaxPoolBackward)(g.cpu, x.cpu, want.indices)
          : ref(reference.adaptiveMaxPoolBackward)(g.cpu, x.cpu, want.indices, o);
        const gotGrad = global ? engine.globalMaxPoolBackward(g.gpu, x.gpu, got.indices) : engine.adaptiveMaxPoolBackward(g.gpu, x.gpu, got.indices, o);
        await compare(run, 'gradInput', gotGrad, wantGrad, { abs: 1e-6, rel: 1e-6 }, c.scaleResults);
        break;
      }
      case 'pyramid': {
        const want = ref(reference.spatialPyramidPool)(x.cpu, o);
        const got = engine.spatialPyramidPool(x.gpu, o);
        const max = (c.options.mode ?? 'max') === 'max';
        // avg: forward terms at most a plane; backward: at most every feature of a channel covers one element.
        const planeCells = cellsOf(x.cpu.dims.spatial);
        const features = want.output.dims.channels / x.cpu.dims.channels;
        const outTol = max ? EXACT : sum(reference.spatialPyramidPool(absOf(x.cpu), o).output, planeCells);
        await compare(run, 'output', got.output, want.output, outTol, c.scaleResults);
        if (max) await compare(run, 'indices', got.indices!, want.indices!, EXACT);
        else if (got.indices !== null) run.failures.push('indices: returned in mode avg');
        const g = gradLike(engine, run, want.output, c.seed + 1);
        const wantGrad = ref(reference.spatialPyramidPoolBackward)(g.cpu, x.cpu, want.indices, o);
        // max: a sum of picked gradients, avg: a sum of shares; both linear in the gradient.
        const gradTol = sum(reference.spatialPyramidPoolBackward(absOf(g.cpu), x.cpu, want.indices, o), features);
        await compare(run, 'gradInput', engine.spatialPyramidPoolBackward(g.gpu, x.gpu, got.indices, o), wantGrad, gradTol, c.scaleResults);
        break;
      }
      case 'strip': {
        const want = ref(reference.stripPool)(x.cpu);
        const mag = reference.stripPool(absOf(x.cpu));
        const [height, width] = x.cpu.dims.spatial;
        const got = engine.stripPool(x.gpu);
        await compare(run, 'rows', got.rows, want.rows, sum(mag.rows, width), c.scaleResults);
        await compare(run, 'cols', got.cols, want.cols, sum(mag.cols, height), c.scaleResults);
        const gr = gradLike(engine, run, want.rows, c.seed + 1);
        const gc = gradLike(engine, run, want.cols, c.seed + 2);
        const gradTol = sum(reference.stripPoolBackward({ rows: absOf(gr.cpu), cols: absOf(gc.cpu) }, x.cpu), 2);
        await compare(
          run,
          'gradInput',
          engine.stripPoolBackward({ rows: gr.gpu, cols: gc.gpu }, x.gpu),
          ref(reference.stripPoolBackward)({ rows: gr.cpu, cols: gc.cpu }, x.cpu),
          gradTol,
          c.scaleResults,
        );
        break;
      }
      case 'stripExpand': {
        // The strips of x are the op's inputs; its output is shaped like x.
        const strips = reference.stripPool(x.cpu);
        const rows = gradLike(engine, run, strips.rows, c.seed + 1);
        const cols = gradLike(engine, run, strips.cols, c.seed + 2);
        const want = ref(reference.stripPoolExpand)(rows.cpu, cols.cpu);
        const outTol = sum(reference.stripPoolExpand(absOf(rows.cpu), absOf(cols.cpu)), 2);
        await compare(run, 'output', engine.stripPoolExpand(rows.gpu, cols.gpu), want, outTol, c.scaleResults);
        const wantGrad = ref(reference.stripPoolExpandBackward)(x.cpu);
        const mag = reference.stripPoolExpandBackward(absOf(x.cpu));
        const [height, width] = x.cpu.dims.spatial;
        const gotGrad = engine.stripPoolExpandBackward(x.gpu);
        await compare(run, 'gradRows', gotGrad.rows, wantGrad.rows, sum(mag.rows, width), c.scaleResults);
        await compare(run, 'gradCols', gotGrad.cols, wantGrad.cols, sum(mag.cols, height), c.scaleResults);
        break;
      }
      case 'gem': {
        const want = ref(reference.gemPool)(x.cpu, o);
        const g = gradLike(engine, run, want, c.seed + 1);
        const mag = gemMagnitudes(x.cpu, g.cpu, o);
        await compare(run, 'output', engine.gemPool(x.gpu, o), want, sumTolerance(mag.forward.magnitude, mag.forward.terms), c.scaleResults);
        const wantGrad = ref(reference.gemPoolBackward)(g.cpu, x.cpu, o);
        const gotGrad = engine.gemPoolBackward(g.gpu, x.gpu, o);
        await compare(run, 'gradInput', gotGrad.gradInput, wantGrad.gradInput, sumTolerance(mag.backward.magnitude, mag.backward.terms), c.scaleResults);
        await compare(run, 'gradP', gotGrad.gradP, wantGrad.gradP, sumTolerance(mag.gradP.magnitude, mag.gradP.terms), c.scaleResults);
        break;
      }
      default:
        // An unknown op must fail, never pass having compared nothing.
        throw new Error(`unknown binned op ${JSON.stringify(c.op satisfies never)}`);
    }
  } finally {
    for (const t of run.made) t.destroy();
  }
  return run.failures.map((f) => `${c.name}: ${f}`);
}

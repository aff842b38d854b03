// Runs whole-map and binned pooling cases in the page: GPU forward and backward
// against the CPU reference, in the case's layout, on the case's reduction
// variant. Each mismatch is reported with its coordinates.
import { createPoolEngine, type PoolEngine, type PoolTensor } from '../../src/index';
import { layoutFor, layoutInfo, relayout, type Dims, type SpatialRank } from '../../src/layout';
import * as reference from '../../src/reference/index';
import type { HostTensor } from '../../src/reference/index';
import { mismatches, type Tolerance } from '../support/compare';
import { randomData } from '../support/random';
import type { BinnedCase } from '../support/binned-grid';

const EXACT: Tolerance = { abs: 0, rel: 0 };
const SUM: Tolerance = { abs: 1e-5, rel: 1e-4 };
const GEM: Tolerance = { abs: 2e-5, rel: 2e-4 };

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
}

async function compare(
  run: Run,
  label: string,
  gpu: PoolTensor<'float32'> | PoolTensor<'int32'>,
  cpu: HostTensor<Float32Array | Int32Array>,
  tol: Tolerance,
): Promise<void> {
  run.made.push(gpu);
  if (gpu.shape.join() !== cpu.shape.join() || gpu.layout !== cpu.layout) {
    run.failures.push(`${label}: shape ${gpu.layout} [${gpu.shape}], want ${cpu.layout} [${cpu.shape}]`);
    return;
  }
  // Flat 'NC' features are reported as n and w = feature.
  const dims: Dims = gpu.dims.spatial.length ? gpu.dims : { batch: gpu.dims.batch, channels: 1, spatial: [gpu.dims.channels] };
  run.failures.push(...mismatches(label, await gpu.read(), cpu.data, tol, dims, layoutInfo(gpu.layout).channelsLast));
}

/** A random tensor on both sides, in the layout; `shape` is channels-first. */
function tensors(engine: PoolEngine, run: Run, shape: number[], channelsLast: boolean, seed: number, kind: BinnedCase['data']) {
  const dims = { batch: shape[0], channels: shape[1], spatial: shape.slice(2) };
  const layout = layoutFor(dims.spatial.length as SpatialRank, channelsLast);
  const laid = channelsLast ? [dims.batch, ...dims.spatial, dims.channels] : shape;
  const data = relayout(
    randomData(
      shape.reduce((a, b) => a * b, 1),
      seed,
      kind,
    ),
    dims,
    false,
    channelsLast,
  );
  const gpu = engine.tensor(data, laid, layout);
  run.made.push(gpu);
  return { gpu, cpu: reference.hostTensor(data, laid, layout) };
}

/** An upstream gradient shaped like a CPU result, on both sides. */
function gradLike(engine: PoolEngine, run: Run, like: HostTensor, seed: number) {
  const data = randomData(like.data.length, seed);
  const gpu = engine.tensor(data, like.shape, like.layout);
  run.made.push(gpu);
  return { gpu, cpu: reference.hostTensor(data, like.shape, like.layout) };
}

export async function runBinnedCase(base: PoolEngine, c: BinnedCase): Promise<string[]> {
  const engine = await engineFor(base, c.subgroups);
  const run: Run = { made: [], failures: [] };
  try {
    const x = tensors(engine, run, c.shape, c.channelsLast, c.seed, c.data);
    const o = c.options as never;
    switch (c.op) {
      case 'globalAvg':
      case 'adaptiveAvg': {
        const global = c.op === 'globalAvg';
        const want = global ? reference.globalAvgPool(x.cpu) : reference.adaptiveAvgPool(x.cpu, o);
        await compare(run, 'output', global ? engine.globalAvgPool(x.gpu) : engine.adaptiveAvgPool(x.gpu, o), want, SUM);
        const g = gradLike(engine, run, want, c.seed + 1);
        const wantGrad = global ? reference.globalAvgPoolBackward(g.cpu, x.cpu) : reference.adaptiveAvgPoolBackward(g.cpu, x.cpu, o);
        await compare(run, 'gradInput', global ? engine.globalAvgPoolBackward(g.gpu, x.gpu) : engine.adaptiveAvgPoolBackward(g.gpu, x.gpu, o), wantGrad, SUM);
        break;
      }
      case 'globalMax':
      case 'adaptiveMax': {
        const global = c.op === 'globalMax';
        const want = global ? reference.globalMaxPool(x.cpu) : reference.adaptiveMaxPool(x.cpu, o);
        const got = global ? engine.globalMaxPool(x.gpu) : engine.adaptiveMaxPool(x.gpu, o);
        await compare(run, 'output', got.output, want.output, EXACT);
        await compare(run, 'indices', got.indices, want.indices, EXACT);
        const g = gradLike(engine, run, want.output, c.seed + 1);
        const wantGrad = global
          ? reference.globalMaxPoolBackward(g.cpu, x.cpu, want.indices)
          : reference.adaptiveMaxPoolBackward(g.cpu, x.cpu, want.indices, o);
        const gotGrad = global ? engine.globalMaxPoolBackward(g.gpu, x.gpu, got.indices) : engine.adaptiveMaxPoolBackward(g.gpu, x.gpu, got.indices, o);
        await compare(run, 'gradInput', gotGrad, wantGrad, { abs: 1e-6, rel: 1e-6 });
        break;
      }
      case 'pyramid': {
        const want = reference.spatialPyramidPool(x.cpu, o);
        const got = engine.spatialPyramidPool(x.gpu, o);
        const max = (c.options.mode ?? 'max') === 'max';
        await compare(run, 'output', got.output, want.output, max ? EXACT : SUM);
        if (max) await compare(run, 'indices', got.indices!, want.indices!, EXACT);
        else if (got.indices !== null) run.failures.push('indices: returned in mode avg');
        const g = gradLike(engine, run, want.output, c.seed + 1);
        const wantGrad = reference.spatialPyramidPoolBackward(g.cpu, x.cpu, want.indices, o);
        await compare(run, 'gradInput', engine.spatialPyramidPoolBackward(g.gpu, x.gpu, got.indices, o), wantGrad, SUM);
        break;
      }
      case 'strip': {
        const want = reference.stripPool(x.cpu);
        const got = engine.stripPool(x.gpu);
        await compare(run, 'rows', got.rows, want.rows, SUM);
        await compare(run, 'cols', got.cols, want.cols, SUM);
        const gr = gradLike(engine, run, want.rows, c.seed + 1);
        const gc = gradLike(engine, run, want.cols, c.seed + 2);
        await compare(run, 'gradInput', engine.stripPoolBackward(gr.gpu, gc.gpu, x.gpu), reference.stripPoolBackward(gr.cpu, gc.cpu, x.cpu), SUM);
        break;
      }
      case 'stripExpand': {
        // The strips of x are the op's inputs; its output is shaped like x.
        const strips = reference.stripPool(x.cpu);
        const rows = gradLike(engine, run, strips.rows, c.seed + 1);
        const cols = gradLike(engine, run, strips.cols, c.seed + 2);
        const want = reference.stripPoolExpand(rows.cpu, cols.cpu);
        await compare(run, 'output', engine.stripPoolExpand(rows.gpu, cols.gpu), want, SUM);
        const wantGrad = reference.stripPoolExpandBackward(x.cpu);
        const gotGrad = engine.stripPoolExpandBackward(x.gpu);
        await compare(run, 'gradRows', gotGrad.rows, wantGrad.rows, SUM);
        await compare(run, 'gradCols', gotGrad.cols, wantGrad.cols, SUM);
        break;
      }
      case 'gem': {
        const want = reference.gemPool(x.cpu, o);
        await compare(run, 'output', engine.gemPool(x.gpu, o), want, GEM);
        const g = gradLike(engine, run, want, c.seed + 1);
        const wantGrad = reference.gemPoolBackward(g.cpu, x.cpu, o);
        const gotGrad = engine.gemPoolBackward(g.gpu, x.gpu, o);
        await compare(run, 'gradInput', gotGrad.gradInput, wantGrad.gradInput, GEM);
        await compare(run, 'gradP', gotGrad.gradP, wantGrad.gradP, { abs: 1e-4, rel: 1e-3 });
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

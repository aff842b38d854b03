// Runs a window pooling case in the page: GPU forward and backward against the
// CPU reference, in the case's layout (the harness wraps it in an error scope).
import type { PoolEngine } from '../../src/index';
import { layoutFor, relayout, type Layout, type SpatialRank } from '../../src/layout';
import * as reference from '../../src/reference/index';
import { roundToHalf } from '../../src/half';
import { dtypeMismatch, halfBounds, mismatches, sumTolerance, type PerElement, type Tolerance } from '../support/compare';
import { windowMagnitudes } from '../support/magnitude';
import { randomData } from '../support/random';
import type { WindowCase } from '../support/window-grid';

/**
 * Max and stochastic (training) pooling pick values: their outputs and indices
 * are exact, and their gradients sums of picked gradients (exact but for the
 * order in which several windows' picks add). The other modes are sums: their
 * results and gradients are compared within sumUlps(terms) ulps of the
 * magnitude of the terms that produced each element (compare.ts, magnitude.ts).
 * A float16 case (dtype) runs on half-rounded inputs stored as float16 against
 * reference.inFloat16: picked results and indices still exact, the rest within
 * one half ulp more than their float32 bound (compare.ts, halfBounds).
 */
const EXACT: Tolerance = { abs: 0, rel: 0 };

/** Forward and backward calls of the window modes other than max (engine and reference use the same names). */
const CALLS = {
  avg: ['avgPool', 'avgPoolBackward'],
  lp: ['lpPool', 'lpPoolBackward'],
  soft: ['softPool', 'softPoolBackward'],
  mixed: ['mixedPool', 'mixedPoolBackward'],
  stochasticEval: ['stochasticPoolEval', 'stochasticPoolEvalBackward'],
} as const;

/** A GPU result multiplied by a case's test-only `scaleResults` (rounded to float32, as a kernel would write it). */
export function scaled(data: Float32Array, by: number | undefined): Float32Array {
  return by === undefined ? data : data.map((v) => v * by);
}

/**
 * How a case of `dtype` runs: its float data (rounded to half for float16), its float
 * tensors on the GPU (stored as float16 for float16: every float input of a call
 * shares the dtype), the reference in that dtype's semantics (reference.inFloat16),
 * and the bound of a result that is not picked: the float32 one, plus one half ulp
 * in float16 (compare.ts, halfBounds). Picked results stay exact in both dtypes.
 */
export function dtypeRun(engine: PoolEngine, dtype: 'float16' | undefined) {
  const half = dtype === 'float16';
  return {
    dtype: half ? ('float16' as const) : ('float32' as const),
    data: (values: Float32Array): Float32Array => (half ? roundToHalf(values) : values),
    tensor: (values: Float32Array, shape: readonly number[], layout: Layout) =>
      half ? engine.tensor(values, shape, { layout, dtype: 'float16' }) : engine.tensor(values, shape, layout),
    ref: <A extends unknown[], R>(op: (...args: A) => R): ((...args: A) => R) => (half ? reference.inFloat16(op) : op),
    bound: (want: ArrayLike<number>, tol: Tolerance | PerElement): Tolerance | PerElement => (half ? halfBounds(want, tol) : tol),
  };
}

export async function runWindowCase(engine: PoolEngine, c: WindowCase): Promise<string[]> {
  // An unknown mode must fail, never pass having compared nothing.
  if (c.mode !== 'max' && c.mode !== 'stochastic' && !Object.hasOwn(CALLS, c.mode)) throw new Error(`unknown window mode ${JSON.stringify(c.mode)}`);
  const dims = { batch: c.shape[0], channels: c.shape[1], spatial: c.shape.slice(2) };
  const layout = layoutFor(dims.spatial.length as SpatialRank, c.channelsLast);
  const size = c.shape.reduce((a, b) => a * b, 1);
  const shape = c.channelsLast ? [dims.batch, ...dims.spatial, dims.channels] : c.shape;
  const run = dtypeRun(engine, c.dtype);
  const data = run.data(relayout(randomData(size, c.seed, c.data), dims, false, c.channelsLast));
  const hx = reference.hostTensor(data, shape, layout);
  const x = run.tensor(data, shape, layout);
  const failures: string[] = [];
  const made = [x];
  try {
    let gpuOut, cpuOut, gpuGrad, cpuGrad;
    let tol: Tolerance | PerElement = EXACT;
    let gradTol: Tolerance | PerElement = { abs: 1e-6, rel: 1e-6 };
    const outDims = () => ({ ...dims, spatial: cpuOut!.dims.spatial });
    if (c.mode === 'max' || c.mode === 'stochastic') {
      const stochastic = c.mode === 'stochastic';
      const g = stochastic ? engine.stochasticPool(x, c.options as never) : engine.maxPool(x, c.options as never);
      const h = stochastic ? run.ref(reference.stochasticPool)(hx, c.options as never) : run.ref(reference.maxPool)(hx, c.options as never);
      made.push(g.output, g.indices as never);
      cpuOut = h.output;
      gpuOut = g.output;
      failures.push(...dtypeMismatch('indices', g.indices.dtype, 'int32'));
      const gi = await g.indices.read();
      failures.push(...mismatches('indices', gi, h.indices.data, { abs: 0, rel: 0 }, outDims(), c.channelsLast));
      const gradData = run.data(randomData(h.output.data.length, c.seed + 1));
      const go = run.tensor(gradData, h.output.shape, layout);
      made.push(go);
      const hgo = reference.hostTensor(gradData, h.output.shape, layout);
      // The backward takes per-plane indices: a case of another index convention trains from a plane forward.
      const planeOptions = { ...c.options, indexConvention: undefined } as never;
      const converted = !stochastic && c.options.indexConvention !== undefined && c.options.indexConvention !== 'plane';
      const gIndices = converted ? engine.maxPool(x, planeOptions).indices : g.indices;
      if (converted) made.push(gIndices as never);
      const hIndices = converted ? reference.maxPool(hx, planeOptions).indices : h.indices;
      gpuGrad = stochastic ? engine.stochasticPoolBackward(go, x, g.indices, c.options as never) : engine.maxPoolBackward(go, x, gIndices, planeOptions);
      cpuGrad = stochastic
        ? run.ref(reference.stochasticPoolBackward)(hgo, hx, h.indices, c.options as never)
        : run.ref(reference.maxPoolBackward)(hgo, hx, hIndices, planeOptions);
      // A sum of picked gradients: within one half ulp in float16 (the float32 sum may round the other way).
      gradTol = run.bound(cpuGrad.data, gradTol);
    } else {
      const [fwd, bwd] = CALLS[c.mode as keyof typeof CALLS];
      gpuOut = (engine[fwd] as (x: unknown, o: never) => any).call(engine, x, c.options as never);
      cpuOut = run.ref(reference[fwd] as (x: unknown, o: never) => any)(hx, c.options as never);
      made.push(gpuOut);
      const gradData = run.data(randomData(cpuOut.data.length, c.seed + 1));
      const go = run.tensor(gradData, cpuOut.shape, layout);
      made.push(go);
      gpuGrad = (engine[bwd] as (g: unknown, x: unknown, o: never) => any).call(engine, go, x, c.options as never);
      const hgo = reference.hostTensor(gradData, cpuOut.shape, layout);
      cpuGrad = run.ref(reference[bwd] as (g: unknown, x: unknown, o: never) => any)(hgo, hx, c.options as never);
      const { forward, backward } = windowMagnitudes(c.mode, hx, hgo, c.options);
      tol = run.bound(cpuOut.data, sumTolerance(forward.magnitude, forward.terms));
      gradTol = run.bound(cpuGrad.data, sumTolerance(backward.magnitude, backward.terms));
    }
    made.push(gpuGrad);
    failures.push(...dtypeMismatch('output', gpuOut.dtype, run.dtype), ...dtypeMismatch('gradInput', gpuGrad.dtype, run.dtype));
    if (gpuOut.shape.join() !== cpuOut.shape.join()) failures.push(`output shape ${gpuOut.shape}, want ${cpuOut.shape}`);
    failures.push(...mismatches('output', scaled(await gpuOut.read(), c.scaleResults), cpuOut.data, tol, outDims(), c.channelsLast));
    failures.push(...mismatches('gradInput', scaled(await gpuGrad.read(), c.scaleResults), cpuGrad.data, gradTol, dims, c.channelsLast));
  } finally {
    for (const t of made) t.destroy();
  }
  return failures.map((f) => `${c.name}: ${f}`);
}

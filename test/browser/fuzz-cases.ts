// Runs the fuzzer's max unpooling and fractional max pooling cases in the page:
// GPU forward and backward against the CPU reference, in the case's layout, and
// its invalid calls of those ops (each must raise PoolError with its code). A
// float16 case runs on float16 tensors against reference.inFloat16: unpooling,
// fractional max values and indices exact, gradients of overlapping windows within
// one half ulp more than their float32 bound.
import type { PoolEngine, PoolTensor } from '../../src/index';
import { PoolError } from '../../src/errors';
import { layoutFor, offsetOf, relayout, type SpatialRank } from '../../src/layout';
import * as reference from '../../src/reference/index';
import { coordsAt, dtypeMismatch, mismatches } from '../support/compare';
import { dtypeRun } from './window-cases';
import { randomData, rng } from '../support/random';
import type { FractionalCase, InvalidPoolCall, UnpoolCase } from '../support/fuzz';

const EXACT = { abs: 0, rel: 0 };

const dimsOf = (shape: readonly number[]) => ({ batch: shape[0], channels: shape[1], spatial: shape.slice(2) });
const laidOut = (shape: readonly number[], channelsLast: boolean) => (channelsLast ? [shape[0], ...shape.slice(2), shape[1]] : [...shape]);
const planeOf = (spatial: readonly number[]) => spatial.reduce((a, b) => a * b, 1);
/** Equal as stored values: NaN equals NaN, 0 equals −0. */
const same = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : a === b);

/** The case's indices, channels-first [N, C, ...values' spatial], each plane's by the case's kind. */
function unpoolIndices(c: UnpoolCase, outSpatial: number[]): Int32Array {
  const r = rng(c.seed ^ 0x7f4a7c15);
  const { batch, channels, spatial } = dimsOf(c.shape);
  const inPlane = planeOf(spatial);
  const outPlane = planeOf(outSpatial);
  const out = new Int32Array(batch * channels * inPlane);
  const below = () => Math.floor(r() * outPlane);
  if (c.indices === 'pool') {
    // Max pooling's indices of a random map of the unpooled size.
    const pooledFrom = reference.hostTensor(randomData(batch * channels * outPlane, c.seed + 2, c.data), [batch, channels, ...outSpatial]);
    const o = c.options;
    return reference.maxPool(pooledFrom, { kernel: o.kernel, stride: o.stride, padding: o.padding } as never).indices.data;
  }
  for (let p = 0; p < batch * channels; p++) {
    const base = p * inPlane;
    if (c.indices === 'unique') {
      // A partial Fisher–Yates shuffle of the plane's positions.
      const spots = Array.from({ length: outPlane }, (_, i) => i);
      for (let i = 0; i < inPlane; i++) {
        const j = i + Math.floor(r() * (outPlane - i));
        [spots[i], spots[j]] = [spots[j], spots[i]];
        out[base + i] = spots[i];
      }
    } else if (c.indices === 'dups') {
      // A few spots, each named by several values.
      const few = Array.from({ length: Math.max(1, Math.floor(inPlane / 3)) }, below);
      for (let i = 0; i < inPlane; i++) out[base + i] = few[Math.floor(r() * few.length)];
    } else {
      const outside = [-1, -2, -(2 ** 31), outPlane, outPlane + 1, 2 ** 31 - 1, -outPlane];
      for (let i = 0; i < inPlane; i++) out[base + i] = r() < 0.3 ? outside[Math.floor(r() * outside.length)] : below();
    }
  }
  return out;
}

export async function runUnpoolCase(engine: PoolEngine, c: UnpoolCase): Promise<string[]> {
  const dims = dimsOf(c.shape);
  const rank = dims.spatial.length as SpatialRank;
  const layout = layoutFor(rank, c.channelsLast);
  const shape = laidOut(c.shape, c.channelsLast);
  const dt = dtypeRun(engine, c.dtype);
  const values = dt.data(relayout(randomData(dims.batch * dims.channels * planeOf(dims.spatial), c.seed, c.data), dims, false, c.channelsLast));
  const outSpatial = reference.maxUnpool(
    reference.hostTensor(new Float32Array(values.length), c.shape),
    reference.hostTensor(new Int32Array(values.length), c.shape),
    c.options as never,
  ).dims.spatial;
  const indices = relayout(unpoolIndices(c, outSpatial), dims, false, c.channelsLast);
  const hv = reference.hostTensor(values, shape, layout);
  const hi = reference.hostTensor(indices, shape, layout);
  const failures: string[] = [];
  const made: { destroy(): void }[] = [];
  try {
    const v = dt.tensor(values, shape, layout);
    const idx = engine.tensor(indices, shape, layout);
    made.push(v, idx);
    const y = engine.maxUnpool(v, idx, c.options as never);
    made.push(y);
    failures.push(...dtypeMismatch('output', y.dtype, dt.dtype));
    // Unpooling moves values: exact in either dtype.
    const hy = dt.ref(reference.maxUnpool)(hv, hi, c.options as never);
    const outDims = { ...dims, spatial: hy.dims.spatial };
    if (y.shape.join() !== hy.shape.join()) failures.push(`output shape ${y.shape}, want ${hy.shape}`);
    else {
      // Where values of different values name one spot, the output there is any one of them; elsewhere the reference's, exactly.
      const got = await y.read();
      const outPlane = planeOf(hy.dims.spatial);
      const candidates = new Map<number, number[]>();
      for (let n = 0; n < dims.batch; n++)
        for (let ch = 0; ch < dims.channels; ch++)
          for (let s = 0; s < planeOf(dims.spatial); s++) {
            const at = offsetOf(dims, c.channelsLast, n, ch, s);
            const spot = indices[at];
            if (spot < 0 || spot >= outPlane) continue;
            const o = offsetOf(outDims, c.channelsLast, n, ch, spot);
            const list = candidates.get(o);
            if (list) list.push(values[at]);
            else candidates.set(o, [values[at]]);
          }
      let bad = 0;
      for (let i = 0; i < got.length; i++) {
        const list = candidates.get(i);
        const ok = list && list.length > 1 ? list.some((w) => same(got[i], w)) : same(got[i], hy.data[i]);
        if (!ok && bad++ < 10)
          failures.push(
            `output[${coordsAt(i, outDims, c.channelsLast)}]: got ${got[i]}, want ${list && list.length > 1 ? `one of ${list.join(',')}` : hy.data[i]}`,
          );
      }
      if (bad > 10) failures.push(`output: … ${bad - 10} more mismatches`);
    }
    const gradData = dt.data(randomData(hy.data.length, c.seed + 1));
    const g = dt.tensor(gradData, hy.shape, layout);
    made.push(g);
    const gi = engine.maxUnpoolBackward(g, v, idx, c.options as never);
    made.push(gi);
    failures.push(...dtypeMismatch('gradInput', gi.dtype, dt.dtype));
    const hgi = dt.ref(reference.maxUnpoolBackward)(reference.hostTensor(gradData, hy.shape, layout), hv, hi, c.options as never);
    failures.push(...mismatches('gradInput', await gi.read(), hgi.data, EXACT, dims, c.channelsLast));
  } finally {
    for (const t of made) t.destroy();
  }
  return failures.map((f) => `${c.name}: ${f}`);
}

/** Given samples of a case: random in [0, 1), or (edges) mostly 0 and the largest float32 below 1. */
function givenSamples(c: FractionalCase, count: number): Float32Array {
  const r = rng(c.seed ^ 0x2c1b3c6d);
  return Float32Array.from({ length: count }, () => {
    const u = Math.fround(r());
    if (c.samples !== 'edges') return u < 1 ? u : 0;
    const e = r();
    return e < 0.4 ? 0 : e < 0.8 ? 1 - 2 ** -24 : u < 1 ? u : 0;
  });
}

export async function runFractionalCase(engine: PoolEngine, c: FractionalCase): Promise<string[]> {
  const dims = dimsOf(c.shape);
  const rank = dims.spatial.length as SpatialRank;
  const layout = layoutFor(rank, c.channelsLast);
  const shape = laidOut(c.shape, c.channelsLast);
  const dt = dtypeRun(engine, c.dtype);
  const data = dt.data(relayout(randomData(dims.batch * dims.channels * planeOf(dims.spatial), c.seed, c.data), dims, false, c.channelsLast));
  const hx = reference.hostTensor(data, shape, layout);
  const options: Record<string, unknown> = { ...c.options };
  if (c.samples === 'given' || c.samples === 'edges') options.samples = givenSamples(c, dims.batch * dims.channels * rank);
  const failures: string[] = [];
  const made: { destroy(): void }[] = [];
  try {
    const x = dt.tensor(data, shape, layout);
    made.push(x);
    const g = engine.fractionalMaxPool(x, options as never);
    made.push(g.output, g.indices as PoolTensor<'int32'>);
    failures.push(...dtypeMismatch('output', g.output.dtype, dt.dtype), ...dtypeMismatch('indices', g.indices!.dtype, 'int32'));
    // Samples the engine drew of its own: the reference takes those.
    const h = dt.ref(reference.fractionalMaxPool)(hx, (c.samples === 'engine' ? { ...options, samples: g.samples } : options) as never);
    const outDims = { ...dims, spatial: h.output.dims.spatial };
    if (c.samples !== 'engine' && Array.from(g.samples).join() !== Array.from(h.samples).join()) failures.push('samples differ from the reference');
    if (g.output.shape.join() !== h.output.shape.join()) {
      failures.push(`output shape ${g.output.shape}, want ${h.output.shape}`);
      return failures.map((f) => `${c.name}: ${f}`);
    }
    failures.push(...mismatches('output', await g.output.read(), h.output.data, EXACT, outDims, c.channelsLast));
    failures.push(...mismatches('indices', await g.indices!.read(), h.indices.data, EXACT, outDims, c.channelsLast));
    const gradData = dt.data(randomData(h.output.data.length, c.seed + 1));
    const go = dt.tensor(gradData, h.output.shape, layout);
    made.push(go);
    const back = { kernel: c.options.kernel, outputSize: c.options.outputSize, outputRatio: c.options.outputRatio };
    const gi = engine.fractionalMaxPoolBackward(go, x, g.indices!, { ...back, samples: g.samples } as never);
    made.push(gi);
    failures.push(...dtypeMismatch('gradInput', gi.dtype, dt.dtype));
    const hgi = dt.ref(reference.fractionalMaxPoolBackward)(reference.hostTensor(gradData, h.output.shape, layout), hx, h.indices, {
      ...back,
      samples: h.samples,
    } as never);
    // Overlapping windows sum in another order than the reference's (float64); float16 adds one half ulp.
    failures.push(...mismatches('gradInput', await gi.read(), hgi.data, dt.bound(hgi.data, { abs: 1e-5, rel: 1e-5 }), dims, c.channelsLast));
  } finally {
    for (const t of made) t.destroy();
  }
  return failures.map((f) => `${c.name}: ${f}`);
}

/** Makes each invalid call; returns a line for each that raised anything but PoolError with its code, or allocated buffers. */
export function runInvalidPoolCalls(engine: PoolEngine, cs: InvalidPoolCall[]): string[] {
  const problems: string[] = [];
  for (const c of cs) {
    const dims = dimsOf(c.shape);
    const layout = layoutFor(dims.spatial.length as SpatialRank, c.channelsLast);
    const shape = laidOut(c.shape, c.channelsLast);
    const size = planeOf(shape);
    const made: { destroy(): void }[] = [];
    const keep = <T extends { destroy(): void }>(t: T) => (made.push(t), t);
    const x = keep(engine.tensor(new Float32Array(size), shape, layout));
    // Another shape: one more along the last spatial dimension.
    const otherShape = laidOut([...c.shape.slice(0, -1), c.shape[c.shape.length - 1] + 1], c.channelsLast);
    const idx =
      c.breaks === 'indices-dtype'
        ? x
        : keep(
            engine.tensor(
              new Int32Array(c.breaks === 'indices-shape' && c.op.startsWith('maxUnpool') ? planeOf(otherShape) : size),
              c.breaks === 'indices-shape' && c.op.startsWith('maxUnpool') ? otherShape : shape,
              layout,
            ),
          );
    const options: Record<string, unknown> = { ...c.options };
    if (c.samples) options.samples = Float32Array.from(c.samples);
    if (c.breaks === 'samples-array') options.samples = new Array(dims.batch * dims.channels * dims.spatial.length).fill(0.5);
    const before = engine.stats();
    try {
      if (c.op === 'maxUnpool') engine.maxUnpool(x, idx as never, options as never);
      else if (c.op === 'maxUnpoolBackward') {
        // The unpooled shape where the options allow one; gradOutput of another shape where that is what breaks.
        let gradShape = shape;
        try {
          const want = reference.maxUnpool(
            reference.hostTensor(new Float32Array(size), shape, layout),
            reference.hostTensor(new Int32Array(size), shape, layout),
            options as never,
          ).shape;
          gradShape = c.breaks === 'grad-shape' ? want.map((n, i) => (i === want.length - 1 ? n + 1 : n)) : [...want];
        } catch {
          /* the options are what breaks */
        }
        const g = keep(engine.tensor(new Float32Array(planeOf(gradShape)), gradShape, layout));
        // Count from here: the gradOutput (and indices) the call is given are the test's.
        before.buffers = engine.stats().buffers;
        engine.maxUnpoolBackward(g, x, idx as never, options as never);
      } else if (c.op === 'fractionalMaxPool') engine.fractionalMaxPool(x, options as never);
      else {
        let outShape = shape;
        try {
          outShape = [
            ...reference.fractionalMaxPool(reference.hostTensor(new Float32Array(size), shape, layout), {
              ...options,
              seed: 1,
              samples: undefined,
            } as never).output.shape,
          ];
        } catch {
          /* the options are what breaks */
        }
        const wrong = outShape.map((n, i) => (i === outShape.length - 1 ? n + 1 : n));
        const g = keep(
          engine.tensor(new Float32Array(planeOf(c.breaks === 'grad-shape' ? wrong : outShape)), c.breaks === 'grad-shape' ? wrong : outShape, layout),
        );
        const gi = keep(
          engine.tensor(new Int32Array(planeOf(c.breaks === 'indices-shape' ? wrong : outShape)), c.breaks === 'indices-shape' ? wrong : outShape, layout),
        );
        // Count from here: the gradOutput (and indices) the call is given are the test's.
        before.buffers = engine.stats().buffers;
        engine.fractionalMaxPoolBackward(g, x, gi, options as never);
      }
      problems.push(`${c.name}: no error`);
    } catch (e) {
      if (!(e instanceof PoolError)) problems.push(`${c.name}: untyped ${(e as Error)?.stack ?? e}`);
      else if (e.code !== c.code) problems.push(`${c.name}: ${e.code} (${e.message}), want ${c.code}`);
    }
    const after = engine.stats();
    if (after.buffers !== before.buffers) problems.push(`${c.name}: allocated ${after.buffers - before.buffers} buffers`);
    for (const t of made) t.destroy();
  }
  return problems;
}

// A call on tensors larger than one storage binding (a device with the default
// 128 MiB binding, shared with TF.js, ONNX Runtime Web or a page) runs as calls
// on chunks of (batch, channels) that each fit, with the op itself unchanged:
// every op computes each (n, c) plane on its own, so a chunk's results are the
// whole call's results for those planes.
//
//   - The whole call runs first without GPU work (GpuContext.dryRun): it validates
//     every argument and gives the results' shapes, before anything is recorded.
//   - A chunk is a run of whole batch items (every channel) where one item fits,
//     else a group of channels of one item. Region ops chunk channels only, every
//     item at once (their boxes name batch items); position-sensitive ones take
//     each output channel's outH·outW input channels with it.
//   - A chunk that is one range of its tensor starting on the binding alignment
//     is a view of it; any other (channels of a channels-last tensor) is gathered
//     into a compact tensor first, and a result's scattered back after
//     (shaders/slice_copy.wgsl). On a GPU that costs one more pass over those
//     bytes; bands of rows with a halo would not, but they would need every
//     kernel to know a band from padding.
//   - Random ops draw the whole call's numbers: fractional pooling's samples are
//     drawn once and sliced, stochastic pooling's picks hash their index in the
//     whole tensor (the window kernels' index_base).
//   - GeM's gradP, a sum over every plane, is the sum of the chunks' sums.
import { PoolError } from './errors';
import { GpuContext, type SliceCopy } from './engine';
import { layoutInfo, shapeOf } from './layout';
import { convertIndices } from './ops/index-convention';
import { drawSamples } from './fractional-spec';
import { PoolTensor, type DType } from './tensor';

type Op = (...args: unknown[]) => unknown;
type Tensor = PoolTensor<DType>;

const REGION_OPS = ['roiAlign', 'roiPool', 'psRoiAlign', 'psRoiPool'];
/** Results that are sums over every plane, not per plane. */
const SUMMED: Record<string, string[]> = { gemPoolBackward: ['gradP'] };
/** Where an op takes the options a chunked call adjusts. */
const OPTIONS_ARG: Record<string, number> = { maxPool: 1, stochasticPool: 1, fractionalMaxPool: 1, fractionalMaxPoolBackward: 3 };

/** The tensors of a call's arguments: each argument, or each value of an object argument (strip pooling's gradients). */
export function tensorArgs(args: readonly unknown[]): Tensor[] {
  const found: Tensor[] = [];
  for (const a of args) {
    if (a instanceof PoolTensor) found.push(a);
    else if (a && typeof a === 'object' && Object.getPrototypeOf(a) === Object.prototype) {
      for (const v of Object.values(a)) if (v instanceof PoolTensor) found.push(v);
    }
  }
  return found;
}

/** One chunk: batch items [n0, n1) and channel units [c0, c1). */
interface Chunk {
  n0: number;
  n1: number;
  c0: number;
  c1: number;
}

/** How a tensor of the call is cut. */
interface Cut {
  /** Items of the chunk: the chunk's (sliced batch) or all of the tensor's (region ops). */
  batchSliced: boolean;
  /** Channels per channel unit (a position-sensitive input: outH·outW); 0: never cut by channels (a flat pyramid output). */
  perUnit: number;
  spatial: number;
}

/** Runs `op` (an engine op, unwrapped) with `args` in chunks; `nextSeed` is the engine's seed counter. */
export function callInChunks(ctx: GpuContext, name: string, op: Op, self: unknown, args: unknown[], nextSeed: () => number): unknown {
  const base = name.replace(/Backward$/, '');
  const region = REGION_OPS.includes(base);
  const summed = SUMMED[name] ?? [];
  args = fixRandomness(name, args, nextSeed);
  const outIndex = op.length - 1;
  const userOut = args[outIndex];
  const inArgs = args.map((a, i) => (i === outIndex ? undefined : a));
  // The whole call, without GPU work: its checks, and its results' shapes.
  const planned = ctx.dryRun(() => op.apply(self, args));
  const results = resultTensors(planned);
  const convention = indexConventionOf(name, args);
  const inputs = tensorArgs(inArgs);
  const all = [...inputs, ...results.filter(([k]) => !summed.includes(k)).map(([, t]) => t)];
  const units = Math.min(...all.filter((t) => t.layout !== 'NC').map((t) => t.dims.channels));
  const batch = inputs[0].dims.batch;
  const cuts = new Map<Tensor, Cut>();
  for (const t of all) {
    const perUnit = t.dims.channels % units === 0 && (t.layout !== 'NC' || t.dims.channels === units) ? t.dims.channels / units : 0;
    cuts.set(t, { batchSliced: !region, perUnit, spatial: t.dims.spatial.reduce((a, b) => a * b, 1) });
  }
  const chunks = planChunks(ctx, all, cuts, batch, units, region, (t) => (inputs.includes(t) ? 'input' : 'output'));
  if (convention) {
    const indices = results.find(([k]) => k === 'indices')?.[1];
    if (indices && indices.size * 4 > ctx.maxTensorBytes) {
      throw new PoolError(
        'TOO_LARGE',
        'indexConvention',
        convention,
        `converts the whole indices [${indices.shape.join(', ')}] at once, which pass this device's storage binding limit of ${ctx.maxTensorBytes} bytes; use indexConvention 'plane' or split the batch`,
      );
    }
  }

  return ctx.record(null, () =>
    ctx.inChunks(() => {
      const outs = new Map<string, Tensor>();
      for (const [key, t] of results) {
        const given = key === '' ? userOut : (userOut as Record<string, unknown> | undefined)?.[key];
        outs.set(key, given instanceof PoolTensor ? given : ctx.emptyWhole(t.shape, t.layout, t.dtype, `${name}.${key || 'output'}`));
      }
      chunks.forEach((chunk, i) => {
        const release: Tensor[] = [];
        const sub = (t: Tensor) => {
          const s = slice(ctx, t, cuts.get(t)!, chunk, true);
          if (s !== t) release.push(s);
          return s;
        };
        const subArgs = args.map((a, k) => (k === outIndex ? undefined : subArg(a, sub, chunk, batch, units, name, k, convention)));
        const scatters: (() => void)[] = [];
        const subOut: Record<string, Tensor> = {};
        for (const [key, t] of results) {
          if (summed.includes(key)) continue;
          const full = outs.get(key)!;
          const view = slice(ctx, full, cuts.get(t)!, chunk, false);
          subOut[key] = view;
          if (view !== full && !view.wrapped) {
            scatters.push(() => ctx.copySlice(view.view, full.view, scatterOf(full, cuts.get(t)!, chunk), `${name}.scatter`));
            release.push(view);
          }
        }
        // Planning (prepare): every tensor shares one placeholder buffer, so results given as
        // `out` would overlap the inputs; the sub-call makes its own, noting the same kernels.
        if (!ctx.planning) subArgs[outIndex] = results.length === 1 && results[0][0] === '' ? subOut[''] : subOut;
        ctx.planeBase = chunk.n0 * units + chunk.c0;
        let got: unknown;
        try {
          got = op.apply(self, subArgs);
        } finally {
          ctx.planeBase = 0;
        }
        for (const f of scatters) f();
        for (const key of summed) {
          const part = (got as Record<string, Tensor>)[key];
          const full = outs.get(key)!;
          const s: SliceCopy = {
            outer: 1,
            inner: full.size,
            srcStride: full.size,
            dstStride: full.size,
            srcStart: 0,
            dstStart: 0,
            halves: full.dtype === 'float16',
            add: i > 0,
          };
          ctx.copySlice(part.view, full.view, s, `${name}.${key}.sum`);
          part.destroy();
        }
        for (const t of release) t.destroy();
      });
      const indices = outs.get('indices');
      if (convention && indices) convertIndices(ctx, indices as PoolTensor<'int32'>, inputs[0].dims.spatial, convention as never);
      if (planned instanceof PoolTensor) return outs.get('')!;
      const result: Record<string, unknown> = { ...(planned as Record<string, unknown>) };
      for (const [key] of results) result[key] = outs.get(key);
      if (name === 'fractionalMaxPool') result.samples = (args[OPTIONS_ARG[name]] as { samples: Float32Array }).samples;
      return result;
    }),
  );
}

/** A call's result tensors by key ('' for an op with one result). */
function resultTensors(planned: unknown): [string, Tensor][] {
  if (planned instanceof PoolTensor) return [['', planned]];
  return Object.entries(planned as Record<string, unknown>).filter((e): e is [string, Tensor] => e[1] instanceof PoolTensor);
}

/** The index convention a max call converts to (other than 'plane'): done once on the whole indices, as it counts batch and channels. */
function indexConventionOf(name: string, args: unknown[]): string | null {
  if (name !== 'maxPool') return null;
  const c = (args[1] as { indexConvention?: string } | undefined)?.indexConvention;
  return c && c !== 'plane' ? c : null;
}

/** Fixes a random op's numbers for the whole call: fractional samples drawn once, stochastic's seed taken once. */
function fixRandomness(name: string, args: unknown[], nextSeed: () => number): unknown[] {
  const at = OPTIONS_ARG[name];
  const options = args[at] as Record<string, unknown> | undefined;
  if (!options || typeof options !== 'object') return args;
  let fixed: Record<string, unknown> | null = null;
  if (name === 'stochasticPool' && options.seed === undefined) fixed = { ...options, seed: nextSeed() };
  if (name === 'fractionalMaxPool' && options.samples === undefined) {
    const x = args[0];
    if (x instanceof PoolTensor) {
      const rank = x.dims.spatial.length;
      const seed = typeof options.seed === 'number' ? options.seed : nextSeed();
      fixed = { ...options, seed: undefined, samples: drawSamples(seed, x.dims.batch, x.dims.channels, rank) };
    }
  }
  if (!fixed) return args;
  const copy = [...args];
  copy[at] = fixed;
  return copy;
}

/** A chunk's argument: tensors sliced, fractional samples sliced, a max call's indices per plane (converted after). */
function subArg(
  a: unknown,
  sub: (t: Tensor) => Tensor,
  chunk: Chunk,
  batch: number,
  units: number,
  name: string,
  k: number,
  convention: string | null,
): unknown {
  if (a instanceof PoolTensor) return sub(a);
  if (!a || typeof a !== 'object' || Object.getPrototypeOf(a) !== Object.prototype) return a;
  const o = a as Record<string, unknown>;
  if (Object.values(o).some((v) => v instanceof PoolTensor)) {
    return Object.fromEntries(Object.entries(o).map(([key, v]) => [key, v instanceof PoolTensor ? sub(v) : v]));
  }
  if (k !== OPTIONS_ARG[name]) return a;
  const adjusted = { ...o };
  if (o.samples instanceof Float32Array) {
    // [N, C, rank] in plane order n·C + c: a chunk's planes are one run of them.
    const first = chunk.n0 * units + chunk.c0;
    const planes = (chunk.n1 - 1) * units + chunk.c1 - first;
    const rank = o.samples.length / (batch * units);
    adjusted.samples = o.samples.subarray(first * rank, (first + planes) * rank);
  }
  if (convention) adjusted.indexConvention = 'plane';
  return adjusted;
}

/** The chunks of a call: runs of whole items where one item of every tensor fits one binding, else channel groups. */
function planChunks(
  ctx: GpuContext,
  tensors: readonly Tensor[],
  cuts: Map<Tensor, Cut>,
  batch: number,
  units: number,
  region: boolean,
  role: (t: Tensor) => string,
): Chunk[] {
  const limit = ctx.maxTensorBytes;
  // float32 words per batch item and per channel unit (a float16 tensor may be staged through them).
  const itemWords = Math.max(...tensors.map((t) => t.size / t.dims.batch));
  const chunks: Chunk[] = [];
  if (!region && itemWords * 4 <= limit) {
    const step = Math.floor(limit / (itemWords * 4));
    for (let n = 0; n < batch; n += step) chunks.push({ n0: n, n1: Math.min(batch, n + step), c0: 0, c1: units });
    return chunks;
  }
  const largest = tensors.reduce((a, t) => (t.size / t.dims.batch > a.size / a.dims.batch ? t : a));
  const flat = tensors.find((t) => cuts.get(t)!.perUnit === 0);
  if (flat) {
    throw new PoolError(
      'TOO_LARGE',
      role(largest),
      largest.shape,
      `one batch item needs ${itemWords * 4} bytes, more than this device's storage binding limit of ${limit} bytes (maxStorageBufferBindingSize), and this call's ${flat.layout} result cannot be split by channels; split the channels into separate calls`,
    );
  }
  const unitWordsOf = (t: Tensor) => (region ? t.dims.batch : 1) * cuts.get(t)!.perUnit * cuts.get(t)!.spatial;
  const widest = tensors.reduce((a, t) => (unitWordsOf(t) > unitWordsOf(a) ? t : a));
  const unitWords = unitWordsOf(widest);
  const step = Math.floor(limit / (unitWords * 4));
  if (step < 1) {
    throw new PoolError(
      'TOO_LARGE',
      role(widest),
      widest.shape,
      `one channel${region ? ' of every batch item' : ''} needs ${unitWords * 4} bytes (as float32), more than this device's storage binding limit of ${limit} bytes (maxStorageBufferBindingSize); split the spatial extent${region ? ' or the batch' : ''}`,
    );
  }
  const items = region ? [[0, batch]] : Array.from({ length: batch }, (_, n) => [n, n + 1]);
  for (const [n0, n1] of items) for (let c = 0; c < units; c += step) chunks.push({ n0, n1, c0: c, c1: Math.min(units, c + step) });
  return chunks;
}

/** Where a chunk lies in a tensor, as blocks of `inner` elements `stride` apart from `start`. */
function blocksOf(
  t: Tensor,
  cut: Cut,
  chunk: Chunk,
): { outer: number; inner: number; stride: number; start: number; dims: { batch: number; channels: number } } {
  const items = cut.batchSliced ? chunk.n1 - chunk.n0 : t.dims.batch;
  const n0 = cut.batchSliced ? chunk.n0 : 0;
  const all = t.dims.channels;
  const c0 = cut.perUnit ? chunk.c0 * cut.perUnit : 0;
  const channels = cut.perUnit ? (chunk.c1 - chunk.c0) * cut.perUnit : all;
  const s = cut.spatial;
  if (layoutInfo(t.layout).channelsLast) {
    return { outer: items * s, inner: channels, stride: all, start: n0 * s * all + c0, dims: { batch: items, channels } };
  }
  return { outer: items, inner: channels * s, stride: all * s, start: (n0 * all + c0) * s, dims: { batch: items, channels } };
}

/**
 * A chunk of `t`: a view where it is one range starting on the binding alignment,
 * else a compact tensor, gathered from `t` where `gather` (an input).
 */
function slice(ctx: GpuContext, t: Tensor, cut: Cut, chunk: Chunk, gather: boolean): Tensor {
  const b = blocksOf(t, cut, chunk);
  const shape = shapeOf({ ...b.dims, spatial: t.dims.spatial }, t.layout);
  const whole = b.outer === 1 || b.inner === b.stride;
  const eb = t.dtype === 'float16' ? 2 : 4;
  const offset = t.byteOffset + b.start * eb;
  if (b.start === 0 && b.outer * b.inner === t.size) return t;
  if (whole && offset % ctx.device.limits.minStorageBufferOffsetAlignment === 0) {
    return ctx.makeTensor(t.buffer, shape, t.layout, t.dtype, { offset, wrapped: true, label: `${t.label || 'tensor'}.chunk` });
  }
  const compact = ctx.empty(shape, t.layout, t.dtype, 'chunk');
  if (gather) {
    const s: SliceCopy = { outer: b.outer, inner: b.inner, srcStride: b.stride, dstStride: b.inner, srcStart: b.start, dstStart: 0, halves: eb === 2 };
    ctx.copySlice(t.view, compact.view, s, 'chunk.gather');
  }
  return compact;
}

/** The copy of a compact result chunk back into its place in `full`. */
function scatterOf(full: Tensor, cut: Cut, chunk: Chunk): SliceCopy {
  const b = blocksOf(full, cut, chunk);
  return { outer: b.outer, inner: b.inner, srcStride: b.inner, dstStride: b.stride, srcStart: 0, dstStart: b.start, halves: full.dtype === 'float16' };
}

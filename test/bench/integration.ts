// The integration section of the benchmark (issue 17): what the integration API
// (wrap, out, indices: false, batch, prepare) buys a caller, measured on the same
// device and in the same run as the rest of the suite (test/bench/suite.ts).
import type { PoolEngine, PoolTensor } from '../../src/index';
import { createPoolEngine, reference } from '../../src/index';
import type { HostTensor } from '../../src/reference/index';
import { relayout, dimsOf } from '../../src/layout';
import { randomData } from '../support/random';
import type { TfHandle } from './suite';
import { largeVolumeEntry } from './large-volume';

/** One row of the integration table. */
export interface IntegrationRow {
  id: string;
  layout: string;
  /** What is compared within the configuration: 'per op', 'batch', 'first call', 'prepare', 'indices', 'indices: false'. */
  variant: string;
  /** Milliseconds: per chain, per call, or the prepare itself (see `variant`). */
  ms: number;
  /** The configuration's baseline ms over this row's (how many times faster than `speedupOf`); null on the baseline. */
  speedup: number | null;
  /** The variant `speedup` compares with. */
  speedupOf: string;
  /** Bytes the variant must move (inputs read, outputs written); null where it means nothing (first calls). */
  bytes: number | null;
  gbps: number | null;
  copyGBps: number | null;
  ofCopy: number | null;
  /** Every sample's ms behind the median. */
  samples: number[];
  note: string;
}

type Disposable = { destroy?(): void; dispose?(): void };

/** What the suite lends the integration section. */
export interface IntegrationCtx {
  engine: PoolEngine;
  quick: boolean;
  /** Warm repetitions timed (the median is reported). */
  samples: number;
  targetMs: number;
  log: (line: string) => void;
  /** The suite's timer: median ms of one call, first use excluded, many calls per wait. */
  timeGpu(run: () => Disposable[], sync: () => Promise<void>, samples: number, targetMs: number): Promise<number>;
  /** A new device like the bench's; undefined where the runner cannot make one. */
  freshDevice?: FreshDevice;
  /** A new device with the default limits (128 MiB per binding), as another library creates it (the large-volume row). */
  defaultLimitsDevice?: () => Promise<GPUDevice>;
  /** TF.js on the bench's device (the TF.js plugin section); null where it did not start. */
  tf: TfHandle | null;
}

/** A new device like the bench's, and how it was made (from the bench's adapter, or a new one of the same GPU). */
export type FreshDevice = () => Promise<{ device: GPUDevice; how: string }>;

/**
 * Fresh devices for first-call timing: from the bench's adapter while it gives
 * them; WebGPU marks an adapter "consumed" once it has made a device (Dawn rejects
 * a second requestDevice), so then from a new adapter of the same GPU each time,
 * asked for the same limits.
 */
export function freshDevices(gpu: GPU, adapter: GPUAdapter, limits: Record<string, number>): FreshDevice {
  let same = true;
  return async () => {
    if (same) {
      try {
        const device = await adapter.requestDevice({ label: 'bench.fresh', requiredLimits: limits });
        // A consumed adapter may also answer with a device that is lost at once.
        const lost = await Promise.race([device.lost.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 0))]);
        if (!lost) return { device, how: "from the bench's adapter" };
      } catch {
        // consumed: below
      }
      same = false;
    }
    const a = await gpu.requestAdapter();
    if (!a) throw new Error('no second adapter for a fresh device');
    const device = await a.requestDevice({ label: 'bench.fresh', requiredLimits: limits });
    return { device, how: "a new adapter per device (the bench's adapter is consumed: WebGPU gives one device per adapter)" };
  };
}

export interface IntegrationEntry {
  id: string;
  /** 'integration' (`--filter integration` runs this section alone), or 'tfjs' for the TF.js plugin's entries (`--filter tfjs`). */
  op: 'integration' | 'tfjs';
  run(ctx: IntegrationCtx): Promise<IntegrationRow[]>;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const fmtSamples = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');

function row(id: string, layout: string, variant: string, ms: number, samples: number[], extra: Partial<IntegrationRow> = {}): IntegrationRow {
  return { id, layout, variant, ms, speedup: null, speedupOf: '', bytes: null, gbps: null, copyGBps: null, ofCopy: null, samples, note: '', ...extra };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= d)) d = e; // NaN counts as a difference
  }
  return d;
}

/**
 * 1. A chain of 64 small ops (max and avg 3×3 s1 p1 alternating) on 1×64×28×28,
 * each writing into one of two wrapped buffers allocated once (ping-pong), each op
 * reading the previous op's output: each op submitted alone against the whole
 * chain in one `engine.batch`.
 */
function chainEntry(): IntegrationEntry {
  const shape = [1, 64, 28, 28];
  const ops = 64;
  const id = `chain ${ops} max/avg 3x3 s1 p1 1x64x28x28`;
  return {
    id,
    op: 'integration',
    async run(ctx) {
      const { engine } = ctx;
      const device = engine.device;
      const bytes = 4 * size(shape);
      const data = randomData(size(shape), 5);
      const x = engine.tensor(data, shape, 'NCHW');
      const buffers = [0, 1].map((i) =>
        device.createBuffer({ label: `bench.chain.${i}`, size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }),
      );
      const outs = buffers.map((b, i) => engine.wrap(b, shape, { layout: 'NCHW', label: `bench.chain.${i}` }));
      // An inference chain: max pooling writes no indices.
      const maxOptions = { kernel: [3, 3], stride: [1, 1], padding: 1, indices: false } as const;
      const avgOptions = { kernel: [3, 3], stride: [1, 1], padding: 1 };
      const chain = (): PoolTensor<'float32'> => {
        let cur = x;
        for (let i = 0; i < ops; i++) {
          const o = outs[i % 2];
          if (i % 2 === 0) engine.maxPool(cur, maxOptions, { output: o });
          else engine.avgPool(cur, avgOptions, o);
          cur = o;
        }
        return cur;
      };
      const variants: [string, () => void][] = [
        ['per op', () => void chain()],
        ['batch', () => void engine.batch(chain)],
      ];
      const times = new Map<string, number[]>();
      // The time until the variant's JS returns (encoding, and submits where they happen): the rest is waiting for the queue.
      const issue = new Map<string, number[]>();
      const results = new Map<string, Float32Array>();
      try {
        for (const [name, run] of variants) {
          // Warm: pipelines compiled, pooled buffers in place.
          for (let w = 0; w < 2; w++) {
            run();
            await device.queue.onSubmittedWorkDone();
          }
          results.set(name, (await outs[(ops - 1) % 2].read()) as Float32Array);
        }
        // Interleaved repetitions, so both variants see the same drift of a shared machine.
        for (let s = 0; s < ctx.samples; s++) {
          for (const [name, run] of variants) {
            const t0 = performance.now();
            run();
            const t1 = performance.now();
            await device.queue.onSubmittedWorkDone();
            const ms = performance.now() - t0;
            times.set(name, [...(times.get(name) ?? []), ms]);
            issue.set(name, [...(issue.get(name) ?? []), t1 - t0]);
          }
        }
      } finally {
        for (const t of [x, ...outs]) t.destroy();
        for (const b of buffers) b.destroy();
      }
      // The chain on the CPU reference: both variants must give its result.
      let h: HostTensor = reference.hostTensor(data, shape, 'NCHW');
      for (let i = 0; i < ops; i++) h = i % 2 === 0 ? reference.maxPool(h, maxOptions).output : reference.avgPool(h, avgOptions);
      const diffs = variants.map(([name]) => maxAbsDiff(results.get(name)!, h.data as Float32Array));
      const check = diffs.every((d) => d <= 1e-4)
        ? 'matches the CPU reference'
        : `DIFFERS from the CPU reference (max abs diff ${diffs.map((d) => d.toExponential(1)).join(' / ')})`;
      const perOp = median(times.get('per op')!);
      const batch = median(times.get('batch')!);
      const moved = ops * 2 * bytes;
      const issued = (name: string) => `JS returns after ${median(issue.get(name)!).toFixed(2)} ms`;
      const extra = { bytes: moved, gbps: 0 };
      ctx.log(`${id}: per op ${perOp.toFixed(3)} ms, batch ${batch.toFixed(3)} ms per chain (${(perOp / batch).toFixed(2)}x); ${check}`);
      return [
        row(id, 'NCHW', 'per op', perOp, times.get('per op')!, {
          ...extra,
          gbps: moved / (perOp * 1e6),
          note: `${ops} submits per chain; ${issued('per op')}; ${check}`,
        }),
        row(id, 'NCHW', 'batch', batch, times.get('batch')!, {
          ...extra,
          gbps: moved / (batch * 1e6),
          speedup: perOp / batch,
          speedupOf: 'per op',
          note: `one engine.batch: 1 submit per chain; ${issued('batch')}; ${check}`,
        }),
      ];
    },
  };
}

/**
 * 2. The first maxPool 2×2 on 1×64×56×56 on a fresh device (pipelines are cached
 * per device), until the queue is done: with no prepare, and after
 * `engine.prepare` of that call (the prepare timed on its own).
 */
function firstCallEntry(): IntegrationEntry {
  const shape = [1, 64, 56, 56];
  const options = { kernel: [2, 2], stride: [2, 2], padding: 0 };
  const id = 'first call max 2x2 s2 1x64x56x56';
  return {
    id,
    op: 'integration',
    async run(ctx) {
      if (!ctx.freshDevice) throw new Error('the runner gives no fresh devices');
      const data = randomData(size(shape), 11);
      const trials = ctx.quick ? 3 : 5;
      const cold: number[] = [];
      const prepared: number[] = [];
      const prepares: number[] = [];
      const warm: number[] = [];
      const pipelines: number[] = [];
      const hows = new Set<string>();
      const expected = reference.maxPool(reference.hostTensor(data, shape, 'NCHW'), options).output.data;
      let wrong = 0;
      // One fresh device per sample, no prepare and prepare alternating.
      for (let t = 0; t < trials; t++) {
        for (const withPrepare of [false, true]) {
          const { device, how } = await ctx.freshDevice();
          hows.add(how);
          const engine = await createPoolEngine({ device, parallelism: ctx.engine.parallelism });
          try {
            const x = engine.tensor(data, shape, 'NCHW');
            await device.queue.onSubmittedWorkDone();
            if (withPrepare) {
              const p0 = performance.now();
              pipelines.push(await engine.prepare([{ op: 'maxPool', shape, layout: 'NCHW', options }]));
              prepares.push(performance.now() - p0);
            }
            const t0 = performance.now();
            const first = engine.maxPool(x, options);
            await device.queue.onSubmittedWorkDone();
            (withPrepare ? prepared : cold).push(performance.now() - t0);
            if (maxAbsDiff((await first.output.read()) as Float32Array, expected) !== 0) wrong++;
            first.output.destroy();
            first.indices.destroy();
            if (!withPrepare) {
              // The same call again on the same device: what the first call costs over it is the compile.
              const t1 = performance.now();
              const again = engine.maxPool(x, options);
              await device.queue.onSubmittedWorkDone();
              warm.push(performance.now() - t1);
              again.output.destroy();
              again.indices.destroy();
            }
            x.destroy();
          } finally {
            engine.destroy();
            device.destroy();
          }
        }
      }
      const coldMs = median(cold);
      const preparedMs = median(prepared);
      const prepareMs = median(prepares);
      const warmMs = median(warm);
      const check = wrong ? `${wrong} of ${2 * trials} first calls DIFFER from the CPU reference` : 'every first call matches the CPU reference';
      ctx.log(
        `${id}: first call ${coldMs.toFixed(2)} ms, prepare ${prepareMs.toFixed(2)} ms then first call ${preparedMs.toFixed(2)} ms (second call ${warmMs.toFixed(2)} ms)`,
      );
      return [
        row(id, 'NCHW', 'first call', coldMs, cold, {
          note: `no prepare; samples ${fmtSamples(cold)}; the second call on that device: ${warmMs.toFixed(2)} ms; fresh devices: ${[...hows].join('; ')}; ${check}`,
        }),
        row(id, 'NCHW', 'prepare', prepareMs, prepares, {
          note: `await engine.prepare (${[...new Set(pipelines)].join('/')} pipelines), not in the call after it; samples ${fmtSamples(prepares)}`,
        }),
        row(id, 'NCHW', 'first call after prepare', preparedMs, prepared, {
          speedup: coldMs / preparedMs,
          speedupOf: 'first call',
          note: `samples ${fmtSamples(prepared)}; ${check}`,
        }),
      ];
    },
  };
}

/**
 * 3. Max pooling forward 2×2 s2 on a large input, both layouts: with indices
 * against `indices: false` (inference), timed like the suite's rows.
 */
function noIndicesEntry(): IntegrationEntry {
  const full = [8, 64, 112, 112];
  const options = { kernel: [2, 2], stride: [2, 2], padding: 0 };
  const baseId = 'max 2x2 s2 8x64x112x112 indices: false';
  return {
    id: baseId,
    op: 'integration',
    async run(ctx) {
      const { engine } = ctx;
      const device = engine.device;
      const shape = ctx.quick ? [1, ...full.slice(1)] : full;
      const id = shape[0] === full[0] ? baseId : `${baseId} (quick: N=1)`;
      const rows: IntegrationRow[] = [];
      for (const layout of ['NCHW', 'NHWC'] as const) {
        const dims = dimsOf(shape, 'NCHW');
        const layoutShape = layout === 'NHWC' ? [dims.batch, ...dims.spatial, dims.channels] : shape;
        const data = relayout(randomData(size(shape), 3), dims, false, layout === 'NHWC');
        const x = engine.tensor(data, layoutShape, layout);
        try {
          const ref = engine.maxPool(x, options);
          const bare = engine.maxPool(x, { ...options, indices: false });
          const [a, b] = [await ref.output.read(), await bare.output.read()] as Float32Array[];
          const ai = (await ref.indices.read()) as Int32Array;
          // Both calls against the CPU reference: values, and the winners' indices.
          const cpu = reference.maxPool(reference.hostTensor(data, layoutShape, layout), options);
          const same = maxAbsDiff(a, cpu.output.data) === 0 && maxAbsDiff(b, cpu.output.data) === 0 && ai.every((v, i) => v === cpu.indices.data[i]);
          const outSize = ref.output.size;
          for (const t of [ref.output, ref.indices, bare.output]) t.destroy();
          const sync = () => device.queue.onSubmittedWorkDone();
          const withMs = await ctx.timeGpu(
            () => {
              const r = engine.maxPool(x, options);
              return [r.output, r.indices];
            },
            sync,
            ctx.samples,
            ctx.targetMs,
          );
          const withoutMs = await ctx.timeGpu(() => [engine.maxPool(x, { ...options, indices: false }).output], sync, ctx.samples, ctx.targetMs);
          const withBytes = 4 * (x.size + 2 * outSize);
          const withoutBytes = 4 * (x.size + outSize);
          const check = same ? 'both match the CPU reference' : 'DIFFERS from the CPU reference';
          ctx.log(`${id} ${layout}: indices ${withMs.toFixed(3)} ms, indices: false ${withoutMs.toFixed(3)} ms (${(withMs / withoutMs).toFixed(2)}x)`);
          rows.push(
            row(id, layout, 'indices', withMs, [], { bytes: withBytes, gbps: withBytes / (withMs * 1e6), note: `input + output + indices; ${check}` }),
            row(id, layout, 'indices: false', withoutMs, [], {
              bytes: withoutBytes,
              gbps: withoutBytes / (withoutMs * 1e6),
              speedup: withMs / withoutMs,
              speedupOf: 'indices',
              note: `input + output; ${check}`,
            }),
          );
        } finally {
          x.destroy();
        }
      }
      return rows;
    },
  };
}

/** The integration section: each entry runs whole or not at all (filtered by id, or 'integration'). */
export function integrationSuite(): IntegrationEntry[] {
  return [chainEntry(), firstCallEntry(), noIndicesEntry(), largeVolumeEntry()];
}

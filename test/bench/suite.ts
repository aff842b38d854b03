// The benchmark suite (issue 5): our GPU ops, the CPU reference and TensorFlow.js's
// WebGPU backend on the same device, timed the same way. Runs in a page (npm run
// bench) or in Node through Dawn (npm run bench -- --node).
import type { FloatDType, FloatTensor, PoolEngine } from '../../src/index';
import { reference } from '../../src/index';
import type { HostTensor } from '../../src/reference/index';
import { dimsOf, relayout, type Layout } from '../../src/layout';
import copyShader from '../../shaders/bench_copy.wgsl?raw';
import halfShader from '../../shaders/half.wgsl?raw';
import { randomData } from '../support/random';
import { integrationSuite, type FreshDevice, type IntegrationRow } from './integration';
import { tfjsPluginEntries } from './tfjs-plugin';

export type { IntegrationRow } from './integration';

/** What the suite needs from TensorFlow.js (tfjs-core with the WebGPU backend on our device). */
export type { TfHandle } from '../../examples/demo/tf-on-device';
import type { TfHandle } from '../../examples/demo/tf-on-device';

type Disposable = { destroy?(): void; dispose?(): void };

interface Prepared {
  ours: () => Disposable[];
  cpu: () => void;
  tf?: () => Disposable[];
  tfNote?: string;
  /** Bytes the op must move: inputs read and outputs written. */
  bytes: number;
  cleanup: Disposable[];
}

interface Entry {
  id: string;
  op: string;
  pass: 'forward' | 'backward';
  /** Channels-first shape. */
  shape: number[];
  layouts: Layout[];
  prepare(ctx: Ctx): Prepared | string;
}

export interface BenchRow {
  id: string;
  op: string;
  pass: string;
  layout: string;
  shape: number[];
  oursMs: number;
  tfMs: number | null;
  tfNote: string;
  cpuMs: number | null;
  bytes: number;
  gbps: number;
  /** The roofline of this row: the faster of the copy kernel's GB/s measured just before and just after its configuration. */
  copyGBps: number;
  ofCopy: number;
  /** The same op on float16 tensors (packed halves): its time, bytes moved and share of copy; null if it failed. */
  halfMs: number | null;
  halfBytes: number;
  halfOfCopy: number;
  halfNote: string;
}

export interface BenchReport {
  adapter: string;
  /** The engine's parallelism option in this run (threads it keeps in flight). */
  parallelism: number;
  /** Median of the copy kernel's GB/s over the run (it is measured between configurations). */
  copyGBps: number;
  /** The copy that unpacks and repacks every half (bench_copy.wgsl's CONVERT): what the float16 kernels' conversions leave of it. */
  halfCopyGBps: number;
  rows: BenchRow[];
  /** The integration section (issue 17): batch against per-op submits, first calls with and without prepare, indices: false. */
  integration: IntegrationRow[];
  skipped: string[];
}

interface Ctx {
  engine: PoolEngine;
  tf: TfHandle | null;
  layout: Layout;
  shape: number[];
  channelsLast: boolean;
  /** x in the layout: our tensor, a host tensor, and TF's (channels-last only). */
  x: FloatTensor;
  /** The dtype of our tensors in this pass, and its bytes per element (indices are 4 in both). */
  dtype: FloatDType;
  elem: number;
  hx: HostTensor;
  tx: any;
  data: Float32Array;
  layoutShape: number[];
}

const LAYOUTS_2D: Layout[] = ['NCHW', 'NHWC'];

function gradLike(ctx: Ctx, shape: readonly number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = randomData(n, 7);
  const t = ctx.engine.tensor(data, shape, { layout: ctx.layout, dtype: ctx.dtype });
  const h = reference.hostTensor(data, shape, ctx.layout);
  return { t, h, data };
}

/** Max or average pooling, forward or backward; TF.js where it has the op (channels-last). */
function windowEntry(
  id: string,
  kind: 'max' | 'avg',
  pass: 'forward' | 'backward',
  shape: number[],
  options: { kernel: number[]; stride: number[]; padding: number },
): Entry {
  const rank = shape.length - 2;
  return {
    id,
    op: `${kind}Pool${rank === 3 ? '3d' : ''}`,
    pass,
    shape,
    layouts: rank === 3 ? ['NCDHW', 'NDHWC'] : LAYOUTS_2D,
    prepare(ctx) {
      const e = ctx.engine;
      const fwd = kind === 'max' ? e.maxPool(ctx.x, options) : { output: e.avgPool(ctx.x, options), indices: null };
      const outShape = fwd.output.shape;
      const outSize = fwd.output.size;
      const tf = ctx.tf?.tf;
      const tfOp = rank === 3 ? (kind === 'max' ? 'maxPool3d' : 'avgPool3d') : kind === 'max' ? 'maxPool' : 'avgPool';
      const tfPad = options.padding === 0 ? 'valid' : options.padding;
      const tfOk = tf && ctx.channelsLast && !(rank === 3 && options.padding !== 0);
      const cleanup: Disposable[] = [fwd.output, ...(fwd.indices ? [fwd.indices] : [])];
      if (pass === 'forward') {
        const hOpts = options as never;
        return {
          ours: () => (kind === 'max' ? Object.values(e.maxPool(ctx.x, options)) : [e.avgPool(ctx.x, options)]),
          cpu: () => (kind === 'max' ? reference.maxPool(ctx.hx, hOpts) : reference.avgPool(ctx.hx, hOpts)),
          tf: tfOk ? () => [(tf as any)[tfOp](ctx.tx, options.kernel, options.stride, tfPad)] : undefined,
          tfNote: tf && !ctx.channelsLast ? 'TF.js pools channels-last only' : '',
          bytes: ctx.elem * (ctx.x.size + outSize) + (kind === 'max' ? 4 * outSize : 0),
          cleanup,
        };
      }
      const g = gradLike(ctx, outShape);
      cleanup.push(g.t);
      const hf = kind === 'max' ? reference.maxPool(ctx.hx, options as never) : null;
      let tfRun: (() => Disposable[]) | undefined;
      if (tfOk && tf) {
        const ty = (tf as any)[tfOp](ctx.tx, options.kernel, options.stride, tfPad);
        const tdy = tf.tensor(g.data, [...outShape]);
        cleanup.push(ty, tdy);
        const kernel = rank === 3 ? (kind === 'max' ? 'MaxPool3DGrad' : 'AvgPool3DGrad') : kind === 'max' ? 'MaxPoolGrad' : 'AvgPoolGrad';
        const attrs = { filterSize: options.kernel, strides: options.stride, pad: tfPad };
        tfRun = () => [
          tf.engine().runKernel(kernel, kind === 'max' ? { dy: tdy, input: ctx.tx, output: ty } : { dy: tdy, input: ctx.tx }, attrs as never) as any,
        ];
      }
      return {
        ours: () => [kind === 'max' ? e.maxPoolBackward(g.t, ctx.x, fwd.indices!, options) : e.avgPoolBackward(g.t, ctx.x, options)],
        cpu: () =>
          kind === 'max' ? reference.maxPoolBackward(g.h, ctx.hx, hf!.indices, options as never) : reference.avgPoolBackward(g.h, ctx.hx, options as never),
        tf: tfRun,
        tfNote: tf && !ctx.channelsLast ? 'TF.js pools channels-last only' : '',
        bytes: ctx.elem * (outSize + ctx.x.size) + (kind === 'max' ? 4 * outSize : 0),
        cleanup,
      };
    },
  };
}

/** An op of the engine that may not exist yet (later issues): the entry reports why it was skipped. */
function engineOp(e: PoolEngine, name: string): ((...a: unknown[]) => any) | string {
  const f = (e as unknown as Record<string, unknown>)[name];
  return typeof f === 'function' ? (f as (...a: unknown[]) => any).bind(e) : `engine has no ${name} yet`;
}

function outputsOf(r: any): Disposable[] {
  if (r && typeof r.destroy === 'function') return [r];
  return Object.values(r ?? {}).filter((v): v is Disposable => !!v && typeof (v as Disposable).destroy === 'function');
}

function globalEntry(id: string, pass: 'forward' | 'backward', shape: number[]): Entry {
  return {
    id,
    op: 'globalAvgPool',
    pass,
    shape,
    layouts: LAYOUTS_2D,
    prepare(ctx) {
      const fwd = engineOp(ctx.engine, 'globalAvgPool');
      const bwd = engineOp(ctx.engine, 'globalAvgPoolBackward');
      const cpuF = (reference as any).globalAvgPool;
      const cpuB = (reference as any).globalAvgPoolBackward;
      if (typeof fwd === 'string') return fwd;
      if (typeof bwd === 'string') return bwd;
      const tf = ctx.tf?.tf;
      const [n, c] = [ctx.shape[0], ctx.shape[1]];
      const plane = ctx.x.size / (n * c);
      const out = outputsOf(fwd(ctx.x));
      const outShape = (out[0] as any).shape as number[];
      const cleanup: Disposable[] = [...out];
      if (pass === 'forward') {
        return {
          ours: () => outputsOf(fwd(ctx.x)),
          cpu: () => cpuF(ctx.hx),
          tf: tf && ctx.channelsLast ? () => [tf.mean(ctx.tx, [1, 2], true)] : undefined,
          tfNote: tf && !ctx.channelsLast ? 'TF.js mean over H, W needs channels-last' : 'TF.js: mean over H, W',
          bytes: ctx.elem * (ctx.x.size + n * c),
          cleanup,
        };
      }
      const g = gradLike(ctx, outShape);
      cleanup.push(g.t);
      let tfRun: (() => Disposable[]) | undefined;
      if (tf && ctx.channelsLast) {
        const tdy = tf.tensor(g.data, [n, 1, 1, c]);
        cleanup.push(tdy);
        // TF.js's own gradient of mean: broadcast dy over the reduced axes, divide by their size.
        tfRun = () => {
          const b = tf.broadcastTo(tdy, ctx.tx.shape);
          const r = tf.div(b, plane);
          b.dispose();
          return [r];
        };
      }
      return {
        ours: () => outputsOf(bwd(g.t, ctx.x)),
        cpu: () => cpuB(g.h, ctx.hx),
        tf: tfRun,
        tfNote: tf && !ctx.channelsLast ? 'TF.js mean over H, W needs channels-last' : "TF.js: mean's gradient (broadcast, divide)",
        bytes: ctx.elem * (n * c + ctx.x.size),
        cleanup,
      };
    },
  };
}

/** Ops from later issues with no TF.js counterpart (or an equivalent noted). */
function plainEntry(
  id: string,
  op: string,
  shape: number[],
  call: (e: PoolEngine, x: FloatTensor) => any,
  cpu: (hx: any) => any,
  /** Bytes moved, from the element counts and the bytes of a float element. */
  bytes: (inSize: number, outSize: number, elem: number) => number,
  tf?: (tf: TfHandle['tf'], tx: any) => any,
  tfNote = '',
): Entry {
  return {
    id,
    op,
    pass: 'forward',
    shape,
    layouts: LAYOUTS_2D,
    prepare(ctx) {
      let first: Disposable[];
      try {
        first = outputsOf(call(ctx.engine, ctx.x));
      } catch (e) {
        return String((e as Error).message ?? e);
      }
      const outSize = (first[0] as any).size as number;
      const t = ctx.tf?.tf;
      return {
        ours: () => outputsOf(call(ctx.engine, ctx.x)),
        cpu: () => cpu(ctx.hx),
        tf: tf && t && ctx.channelsLast ? () => [tf(t, ctx.tx)] : undefined,
        tfNote: tf ? tfNote : 'TF.js has no such op',
        bytes: bytes(ctx.x.size, outSize, ctx.elem),
        cleanup: first,
      };
    },
  };
}

/**
 * `count` boxes (batchIndex, x1, y1, x2, y2) in the coordinates of an image 16 times the
 * map (spatialScale 1/16), seeded: sizes from 16 pixels to most of the image, as a
 * detector's proposals, many overlapping.
 */
function proposals(count: number, height: number, width: number): { data: Float32Array; shape: number[] } {
  const r = randomData(4 * count, 21, 'positive');
  const data = new Float32Array(5 * count);
  const [imageH, imageW] = [16 * height, 16 * width];
  for (let k = 0; k < count; k++) {
    const u = (i: number) => Math.abs(r[4 * k + i]) % 1;
    const w = 16 + u(0) * 0.8 * imageW;
    const h = 16 + u(1) * 0.8 * imageH;
    const x1 = u(2) * (imageW - w);
    const y1 = u(3) * (imageH - h);
    data.set([0, x1, y1, x1 + w, y1 + h], 5 * k);
  }
  return { data, shape: [count, 5] };
}

/**
 * RoIAlign (a detector's head): 300 proposals on 1×256×50×68, sampling 2. TF.js's nearest
 * equivalent: cropAndResize to twice the output and a 2×2 average pool.
 */
function roiEntry(id: string, pass: 'forward' | 'backward', outputSize: number): Entry {
  const shape = [1, 256, 50, 68];
  const rois = proposals(300, shape[2], shape[3]);
  const options = { outputSize, spatialScale: 1 / 16, samplingRatio: 2 };
  return {
    id,
    op: 'roiAlign',
    pass,
    shape,
    layouts: LAYOUTS_2D,
    prepare(ctx) {
      const e = ctx.engine;
      const first = e.roiAlign(ctx.x, rois, options);
      const cleanup: Disposable[] = [first];
      const outSize = first.size;
      const tf = ctx.tf?.tf;
      const tfNote = tf && !ctx.channelsLast ? 'TF.js crops channels-last only' : `TF.js: cropAndResize to ${2 * outputSize}x${2 * outputSize}, avgPool 2x2`;
      if (pass === 'forward') {
        let tfRun: (() => Disposable[]) | undefined;
        if (tf && ctx.channelsLast) {
          // cropAndResize takes normalized (y1, x1, y2, x2) boxes and a box index per box.
          const [imageH, imageW] = [16 * shape[2], 16 * shape[3]];
          const boxes = tf.tensor2d(
            Array.from({ length: 300 }, (_, k) => {
              const b = rois.data.subarray(5 * k + 1, 5 * k + 5);
              return [b[1] / imageH, b[0] / imageW, b[3] / imageH, b[2] / imageW];
            }),
          );
          const indices = tf.zeros([300], 'int32');
          cleanup.push(boxes, indices);
          tfRun = () => {
            const crops = tf.image.cropAndResize(ctx.tx, boxes as never, indices as never, [2 * outputSize, 2 * outputSize]);
            const pooled = tf.avgPool(crops as never, 2, 2, 'valid');
            crops.dispose();
            return [pooled];
          };
        }
        return {
          ours: () => [e.roiAlign(ctx.x, rois, options)],
          cpu: () => reference.roiAlign(ctx.hx, rois, options),
          tf: tfRun,
          tfNote,
          bytes: ctx.elem * (ctx.x.size + outSize),
          cleanup,
        };
      }
      const g = gradLike(ctx, first.shape);
      cleanup.push(g.t);
      return {
        ours: () => [e.roiAlignBackward(g.t, ctx.x, rois, options)],
        cpu: () => reference.roiAlignBackward(g.h, ctx.hx, rois, options),
        tfNote: 'TF.js: no gradient timed',
        bytes: ctx.elem * (outSize + ctx.x.size),
        cleanup,
      };
    },
  };
}

const missing = (name: string) => () => {
  throw new Error(`engine has no ${name} yet`);
};

/** The fixed suite of the issue, forward and backward, NCHW and NHWC where both exist. */
export function suite(): Entry[] {
  const stem = { kernel: [3, 3], stride: [2, 2], padding: 1 };
  const vgg = { kernel: [2, 2], stride: [2, 2], padding: 0 };
  const avg3 = { kernel: [3, 3], stride: [1, 1], padding: 1 };
  const pool3d = { kernel: [2, 2, 2], stride: [2, 2, 2], padding: 0 };
  const entries: Entry[] = [];
  for (const pass of ['forward', 'backward'] as const) {
    entries.push(
      windowEntry('max 3x3 s2 p1 1x64x112x112', 'max', pass, [1, 64, 112, 112], stem),
      windowEntry('max 3x3 s2 p1 8x64x112x112', 'max', pass, [8, 64, 112, 112], stem),
      windowEntry('max 2x2 s2 1x64x224x224', 'max', pass, [1, 64, 224, 224], vgg),
      windowEntry('avg 3x3 s1 p1 1x256x28x28', 'avg', pass, [1, 256, 28, 28], avg3),
      globalEntry('global avg 1x2048x7x7', pass, [1, 2048, 7, 7]),
      globalEntry('global avg 32x2048x7x7', pass, [32, 2048, 7, 7]),
      globalEntry('global avg 1x256x56x56', pass, [1, 256, 56, 56]),
      windowEntry('max 2x2x2 1x32x16x56x56', 'max', pass, [1, 32, 16, 56, 56], pool3d),
    );
  }
  // Region pooling: Faster R-CNN's head (7x7) and Mask R-CNN's mask branch (14x14), forward and backward.
  for (const pass of ['forward', 'backward'] as const) {
    entries.push(roiEntry('roiAlign 300 boxes 7x7 s2 1x256x50x68', pass, 7), roiEntry('roiAlign 300 boxes 14x14 s2 1x256x50x68', pass, 14));
  }
  entries.push(
    plainEntry(
      'adaptive avg 14->7 8x512x14x14',
      'adaptiveAvgPool',
      [8, 512, 14, 14],
      (e, x) => (typeof engineOp(e, 'adaptiveAvgPool') === 'string' ? missing('adaptiveAvgPool')() : (e as any).adaptiveAvgPool(x, { outputSize: 7 })),
      (hx) => (reference as any).adaptiveAvgPool?.(hx, { outputSize: 7 }),
      (i, o, e) => e * (i + o),
      (tf, tx) => tf.avgPool(tx, 2, 2, 'valid'),
      'TF.js: avgPool 2x2 s2 (the same bins)',
    ),
    plainEntry(
      'spatial pyramid 1,2,4 8x256x13x13',
      'spatialPyramidPool',
      [8, 256, 13, 13],
      (e, x) =>
        typeof engineOp(e, 'spatialPyramidPool') === 'string'
          ? missing('spatialPyramidPool')()
          : (e as any).spatialPyramidPool(x, { levels: [1, 2, 4], mode: 'max' }),
      (hx) => (reference as any).spatialPyramidPool?.(hx, { levels: [1, 2, 4], mode: 'max' }),
      (i, o, e) => e * (i + o) + 4 * o,
    ),
    plainEntry(
      'stochastic train 2x2 8x64x56x56',
      'stochasticPool',
      [8, 64, 56, 56],
      (e, x) => (typeof engineOp(e, 'stochasticPool') === 'string' ? missing('stochasticPool')() : (e as any).stochasticPool(x, { kernel: 2, seed: 1 })),
      (hx) => (reference as any).stochasticPool?.(hx, { kernel: 2, seed: 1 }),
      (i, o, e) => e * (i + o) + 4 * o,
    ),
  );
  return entries;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function dispose(list: Disposable[]): void {
  for (const t of list) {
    if (t.destroy) t.destroy();
    else t.dispose?.();
  }
}

/**
 * Median time of one call: first use excluded, then `samples` samples of
 * `reps` calls each, encoded back to back and waited for once at the end.
 */
async function timeGpu(run: () => Disposable[], sync: () => Promise<void>, samples: number, targetMs: number): Promise<number> {
  dispose(run());
  await sync();
  let t0 = performance.now();
  dispose(run());
  await sync();
  const once = Math.max(performance.now() - t0, 0.01);
  const reps = Math.max(1, Math.min(100, Math.round(targetMs / once)));
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    t0 = performance.now();
    for (let r = 0; r < reps; r++) dispose(run());
    await sync();
    times.push((performance.now() - t0) / reps);
  }
  return median(times);
}

async function timeCpu(run: () => void, samples: number): Promise<number> {
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** GB/s of a plain vec4 copy of `bytes` on this device: the practical roofline. */
/** GB/s of the copy kernel over `bytes`; `convert`: the copy that unpacks and repacks every half on the way (bench_copy.wgsl). */
async function copyBandwidth(device: GPUDevice, bytes: number, samples: number, convert = false): Promise<number> {
  const usage = GPUBufferUsage.STORAGE;
  const src = device.createBuffer({ label: 'bench.copy.src', size: bytes, usage });
  const dst = device.createBuffer({ label: 'bench.copy.dst', size: bytes, usage });
  const module = device.createShaderModule({ label: 'bench.copy', code: `${halfShader}\n${copyShader}` });
  const pipeline = device.createComputePipeline({
    label: 'bench.copy',
    layout: 'auto',
    compute: { module, entryPoint: 'main', constants: { CONVERT: convert ? 1 : 0 } },
  });
  const bind = device.createBindGroup({
    label: 'bench.copy.bindGroup',
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: src } },
      { binding: 1, resource: { buffer: dst } },
    ],
  });
  const groups = Math.ceil(bytes / 16 / 256);
  const run = () => {
    const enc = device.createCommandEncoder({ label: 'bench.copy' });
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.min(groups, 65535), Math.ceil(groups / 65535));
    pass.end();
    device.queue.submit([enc.finish()]);
    return [];
  };
  const ms = await timeGpu(run, () => device.queue.onSubmittedWorkDone(), samples, 200);
  src.destroy();
  dst.destroy();
  return (2 * bytes) / (ms * 1e6);
}

/** Times an entry's op on float16 tensors (the same data, rounded to half); TF.js is left out. */
async function timeHalf(
  entry: Entry,
  ctx: Ctx,
  data: Float32Array,
  samples: number,
  targetMs: number,
): Promise<{ ms: number | null; bytes: number; note: string }> {
  const x = ctx.engine.tensor(data, ctx.layoutShape, { layout: ctx.layout, dtype: 'float16' });
  try {
    const prepared = entry.prepare({ ...ctx, x, tf: null, tx: null, dtype: 'float16', elem: 2 });
    if (typeof prepared === 'string') return { ms: null, bytes: 0, note: prepared };
    const ms = await timeGpu(prepared.ours, () => ctx.engine.device.queue.onSubmittedWorkDone(), samples, targetMs);
    dispose(prepared.cleanup);
    return { ms, bytes: prepared.bytes, note: '' };
  } catch (e) {
    return { ms: null, bytes: 0, note: `float16 failed: ${(e as Error).message ?? e}` };
  } finally {
    x.destroy();
  }
}

export interface RunOptions {
  quick: boolean;
  log?: (line: string) => void;
  /** Only entries whose id or op contains this text ('integration': the integration section alone). */
  filter?: string;
  /** A new device from the bench's adapter with the bench device's limits, for first-call latency (pipelines are cached per device). */
  freshDevice?: FreshDevice;
  /** A new device with the default limits (the large-volume row). */
  defaultLimitsDevice?: () => Promise<GPUDevice>;
}

export async function runSuite(engine: PoolEngine, tf: TfHandle | null, adapter: string, options: RunOptions): Promise<BenchReport> {
  const device = engine.device;
  const samples = options.quick ? 10 : 20;
  const targetMs = options.quick ? 40 : 150;
  const log = options.log ?? (() => {});
  const rows: BenchRow[] = [];
  const skipped: string[] = [];
  const copies: number[] = [];
  const matches = (e: { id: string; op: string }) => !options.filter || e.id.includes(options.filter) || e.op.includes(options.filter);
  const entries = suite().filter(matches);
  const integrationEntries = [...integrationSuite(), ...tfjsPluginEntries()].filter(matches);
  const integration: IntegrationRow[] = [];
  // The roofline is measured between configurations, since a shared machine's speed
  // drifts over a run; each row takes the faster of the copies before and after it.
  const measureCopy = async () => {
    const gbps = await copyBandwidth(device, 64 << 20, samples);
    copies.push(gbps);
    log(`copy kernel: ${gbps.toFixed(2)} GB/s`);
    return gbps;
  };
  let copyBefore = await measureCopy();
  const halfCopyGBps = await copyBandwidth(device, 64 << 20, samples, true);
  log(`copy kernel with float16 conversions: ${halfCopyGBps.toFixed(2)} GB/s`);
  for (const entry of entries) {
    const entryRows: BenchRow[] = [];
    for (const layout of entry.layouts) {
      const channelsLast = layout.endsWith('C');
      // --quick pools one batch item where the suite has several, to stay within minutes on a software adapter.
      const shape = options.quick ? [1, ...entry.shape.slice(1)] : entry.shape;
      const dimsCF = dimsOf(shape, (['NCW', 'NCHW', 'NCDHW'] as Layout[])[entry.shape.length - 3]);
      const layoutShape = channelsLast ? [dimsCF.batch, ...dimsCF.spatial, dimsCF.channels] : shape;
      const data = relayout(
        randomData(
          shape.reduce((a, b) => a * b, 1),
          3,
        ),
        dimsCF,
        false,
        channelsLast,
      );
      const x = engine.tensor(data, layoutShape, layout);
      const tx = tf && channelsLast ? tf.tf.tensor(data, layoutShape) : null;
      const ctx: Ctx = {
        engine,
        tf,
        layout,
        shape,
        channelsLast,
        x,
        hx: reference.hostTensor(data, layoutShape, layout),
        tx,
        data,
        layoutShape,
        dtype: 'float32',
        elem: 4,
      };
      const id = shape[0] === entry.shape[0] ? entry.id : `${entry.id} (quick: N=1)`;
      const label = `${id} ${layout} ${entry.pass}`;
      try {
        const prepared = entry.prepare(ctx);
        if (typeof prepared === 'string') {
          skipped.push(`${label}: ${prepared}`);
          continue;
        }
        const oursMs = await timeGpu(prepared.ours, () => device.queue.onSubmittedWorkDone(), samples, targetMs);
        let tfMs: number | null = null;
        let tfNote = prepared.tfNote ?? '';
        if (prepared.tf && tf) {
          try {
            tfMs = await timeGpu(
              prepared.tf,
              async () => {
                tf.flush();
                await device.queue.onSubmittedWorkDone();
              },
              samples,
              targetMs,
            );
          } catch (e) {
            tfNote = `TF.js failed: ${(e as Error).message}`;
          }
        }
        const cpuMs = await timeCpu(prepared.cpu, options.quick ? 1 : 3);
        dispose(prepared.cleanup);
        // The same op on float16 tensors: the column of issue 22 (TF.js and the CPU are not timed again).
        const half = await timeHalf(entry, ctx, data, samples, targetMs);
        const gbps = prepared.bytes / (oursMs * 1e6);
        const row: BenchRow = {
          id,
          op: entry.op,
          pass: entry.pass,
          layout,
          shape: layoutShape,
          oursMs,
          tfMs,
          tfNote,
          cpuMs,
          bytes: prepared.bytes,
          gbps,
          copyGBps: copyBefore,
          ofCopy: 0,
          halfMs: half.ms,
          halfBytes: half.bytes,
          halfOfCopy: 0,
          halfNote: half.note,
        };
        entryRows.push(row);
        log(`${label}: ours ${oursMs.toFixed(3)} ms, TF.js ${tfMs === null ? '-' : tfMs.toFixed(3) + ' ms'}, CPU ${cpuMs.toFixed(1)} ms`);
      } finally {
        x.destroy();
        tx?.dispose();
      }
    }
    const copyAfter = await measureCopy();
    for (const row of entryRows) {
      row.copyGBps = Math.max(copyBefore, copyAfter);
      row.ofCopy = row.gbps / row.copyGBps;
      row.halfOfCopy = row.halfMs === null ? 0 : row.halfBytes / (row.halfMs * 1e6) / row.copyGBps;
      rows.push(row);
    }
    copyBefore = copyAfter;
  }
  // The integration section, on the same device after the suite, with the same roofline between entries.
  for (const entry of integrationEntries) {
    let got: IntegrationRow[] = [];
    try {
      got = await entry.run({
        engine,
        quick: options.quick,
        samples,
        targetMs,
        log,
        timeGpu,
        freshDevice: options.freshDevice,
        defaultLimitsDevice: options.defaultLimitsDevice,
        tf,
      });
    } catch (e) {
      skipped.push(`${entry.id}: ${(e as Error).message ?? e}`);
      continue;
    }
    const copyAfter = await measureCopy();
    for (const r of got) {
      if (r.gbps !== null) {
        r.copyGBps = Math.max(copyBefore, copyAfter);
        r.ofCopy = r.gbps / r.copyGBps;
      }
      integration.push(r);
    }
    copyBefore = copyAfter;
  }
  return { adapter, parallelism: engine.parallelism, copyGBps: median(copies), halfCopyGBps, rows, integration, skipped };
}

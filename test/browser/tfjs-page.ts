// The page tfjs-device.test.ts drives: TensorFlow.js on its own WebGPU backend
// (the backend makes the device), and the pooling engine on that same device,
// reading TF.js's buffers in place and writing buffers TF.js reads in place.
// Every case returns what it saw; the test file asserts.
import * as tf from '@tensorflow/tfjs-core';
// Registers the 'webgpu' backend and its kernels with the one tfjs-core instance
// (the test prebundles both packages together, so they share it).
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { createPoolEngine, type PoolEngine, type PoolTensor } from '../../src/index';
import { withErrorScope } from '../support/error-scope';

/** The input: [2, 8, 8, 4] NHWC, quarter-integers in [-12.5, 12.5] (sums and means of them are exact in float32). */
export const SHAPE = [2, 8, 8, 4] as const;
export function inputValues(): Float32Array {
  const n = SHAPE.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => (((i * 37 + 11) % 101) - 50) * 0.25);
}

/**
 * Submits what TF.js has recorded but not submitted. TF.js's WebGPU backend keeps
 * a compute pass open and batches dispatches (15 by default,
 * WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE; or until something is read back) before it
 * submits; the engine submits each op to the same queue at once. So call this
 * before engine work that touches TF.js's buffers: otherwise a TF.js kernel that
 * writes a buffer the engine reads, or reads a buffer the engine then writes,
 * is submitted, and so runs, after the engine's op (orderingCase shows the
 * second). In 4.22 `dataToGPU` submits its own copy together with everything
 * recorded before it, so right after it this submits nothing more. These three
 * methods are public on WebGPUBackend; with nothing pending it submits an empty
 * command buffer.
 */
export function flushTf(backend: WebGPUBackend): void {
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
}

/** Whether TF.js holds recorded, unsubmitted commands (its private encoder; diagnostics only). */
function tfPending(backend: WebGPUBackend): boolean {
  return (backend as unknown as { commandEncoder: GPUCommandEncoder | null }).commandEncoder != null;
}

/** Compares two arrays exactly; returns the count of differing elements, the first one, and the largest difference. */
function compare(ours: ArrayLike<number>, theirs: ArrayLike<number>) {
  let mismatches = 0;
  let first = '';
  let worst = 0;
  if (ours.length !== theirs.length) return { mismatches: -1, first: `length ${ours.length} vs ${theirs.length}`, worst: Infinity };
  for (let i = 0; i < ours.length; i++) {
    if (ours[i] !== theirs[i]) {
      if (!mismatches) first = `[${i}] ours ${ours[i]} TF.js ${theirs[i]}`;
      mismatches++;
      worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    }
  }
  return { mismatches, first, worst };
}

/** A buffer on TF.js's device that both can use: the engine writes it (STORAGE), TF.js binds and reads it (STORAGE | COPY_SRC). */
function sharedBuffer(device: GPUDevice, elements: number, label: string): GPUBuffer {
  return device.createBuffer({ label, size: elements * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
}

interface Context {
  backend: WebGPUBackend;
  device: GPUDevice;
  engine: PoolEngine;
}

/**
 * x on the GPU, written by a TF.js kernel: TF.js keeps a small tensor made from
 * values on the CPU until a kernel needs it (and runs small ops on the CPU; the
 * page turns that off), and `dataToGPU` refuses data that is not on the GPU.
 */
function makeX(): tf.Tensor4D {
  return tf.tidy(() =>
    tf.mul(
      tf.tensor4d(
        inputValues().map((v) => v * 4),
        [...SHAPE],
      ),
      0.25,
    ),
  );
}

/** x's buffer from TF.js (`dataToGPU`: a copy of x's buffer that the returned tensorRef owns), wrapped by the engine. */
function wrapX(ctx: Context, x: tf.Tensor4D) {
  const pendingBefore = tfPending(ctx.backend);
  const gpuData = x.dataToGPU();
  const buffer = gpuData.buffer!;
  const pendingAfterDataToGPU = tfPending(ctx.backend);
  flushTf(ctx.backend);
  const xv = ctx.engine.wrap(buffer, [...SHAPE], { layout: 'NHWC', label: 'tf x' });
  return {
    xv,
    gpuData,
    info: {
      bufferSize: buffer.size,
      bufferUsage: buffer.usage,
      logicalBytes: x.size * 4,
      tensorRefIsTfTensor: gpuData.tensorRef instanceof tf.Tensor,
      pendingBefore,
      pendingAfterDataToGPU,
    },
  };
}

/** maxPool 2×2 stride 2 by the engine into a buffer TF.js then reads with zeroCopy, against tf.maxPool. */
async function maxPoolCase(ctx: Context) {
  const { device, engine } = ctx;
  return withErrorScope(device, async () => {
    const x = makeX();
    const { xv, gpuData, info } = wrapX(ctx, x);
    const outBuffer = sharedBuffer(device, 2 * 4 * 4 * 4, 'maxPool out');
    const out = engine.wrap(outBuffer, [2, 4, 4, 4], { layout: 'NHWC', label: 'maxPool out' });
    const result = engine.maxPool(xv, { kernel: 2, stride: 2, indices: false }, { output: out });
    // zeroCopy: the tensor binds outBuffer itself; TF.js never frees an external buffer (we destroy it below).
    const ours = tf.tensor({ buffer: outBuffer, zeroCopy: true }, [2, 4, 4, 4]) as tf.Tensor4D;
    const theirs = tf.maxPool(x, 2, 2, 'valid');
    const oursData = await ours.data();
    const theirsData = await theirs.data();
    const report = {
      ...info,
      returnedOut: result.output === out,
      indicesNull: result.indices === null,
      oursIsTfTensor: ours instanceof tf.Tensor,
      theirsShape: theirs.shape,
      ...compare(oursData, theirsData),
      sample: Array.from(oursData.slice(0, 8)),
    };
    // Disposing the zeroCopy tensor leaves outBuffer alone: the engine still reads it.
    ours.dispose();
    const afterDispose = compare(await out.read(), theirsData).mismatches;
    for (const t of [xv, out]) t.destroy();
    for (const t of [x, theirs, gpuData.tensorRef]) t.dispose();
    outBuffer.destroy();
    return { ...report, afterDispose };
  });
}

/** avgPool 2×2 stride 2 and globalAvgPool in one engine batch, against tf.avgPool and tf.mean(x, [1, 2]). */
async function avgPoolCase(ctx: Context) {
  const { device, engine } = ctx;
  return withErrorScope(device, async () => {
    const x = makeX();
    const { xv, gpuData, info } = wrapX(ctx, x);
    const avgBuffer = sharedBuffer(device, 2 * 4 * 4 * 4, 'avgPool out');
    const globalBuffer = sharedBuffer(device, 2 * 4, 'globalAvgPool out');
    const avgOut = engine.wrap(avgBuffer, [2, 4, 4, 4], { layout: 'NHWC' });
    const globalOut = engine.wrap(globalBuffer, [2, 1, 1, 4], { layout: 'NHWC' });
    const returned = engine.batch(() => [engine.avgPool(xv, { kernel: 2, stride: 2 }, avgOut), engine.globalAvgPool(xv, globalOut)] as PoolTensor[]);
    const oursAvg = tf.tensor({ buffer: avgBuffer, zeroCopy: true }, [2, 4, 4, 4]);
    const oursGlobal = tf.tensor({ buffer: globalBuffer, zeroCopy: true }, [2, 4]);
    const theirsAvg = tf.avgPool(x, 2, 2, 'valid');
    const theirsGlobal = tf.mean(x, [1, 2]);
    const avg = compare(await oursAvg.data(), await theirsAvg.data());
    const global = compare(await oursGlobal.data(), await theirsGlobal.data());
    const globalValues = Array.from(await oursGlobal.data());
    for (const t of [xv, avgOut, globalOut]) t.destroy();
    for (const t of [x, oursAvg, oursGlobal, theirsAvg, theirsGlobal, gpuData.tensorRef]) t.dispose();
    avgBuffer.destroy();
    globalBuffer.destroy();
    return { ...info, returnedOuts: returned[0] === avgOut && returned[1] === globalOut, avg, global, globalValues, theirsGlobalShape: theirsGlobal.shape };
  });
}

/**
 * Why the flush: TF.js records a read of a buffer the engine then overwrites.
 * Flushed first, TF.js's read runs first and sees the old values; not flushed,
 * TF.js's batched command is submitted only when it is read back, after the
 * engine's write, and sees the new values.
 */
async function orderingCase(ctx: Context) {
  const { device, engine, backend } = ctx;
  return withErrorScope(device, async () => {
    const x = makeX();
    const { xv, gpuData } = wrapX(ctx, x);
    const buffer = sharedBuffer(device, 2 * 4 * 4 * 4, 'shared');
    const view = engine.wrap(buffer, [2, 4, 4, 4], { layout: 'NHWC' });
    const max = Array.from(await engine.maxPool(xv, { kernel: 2, stride: 2, indices: false }, { output: view }).output.read());
    const avgTensor = engine.avgPool(xv, { kernel: 2, stride: 2 });
    const avg = Array.from(await avgTensor.read());
    avgTensor.destroy();
    const shared = tf.tensor({ buffer, zeroCopy: true }, [2, 4, 4, 4]);
    const neg = (values: number[]) => values.map((v) => -v);
    // Flushed: TF.js's neg(shared) runs before the engine writes avg into the buffer.
    const flushed = tf.neg(shared);
    const pendingFlushed = tfPending(backend);
    flushTf(backend);
    engine.avgPool(xv, { kernel: 2, stride: 2 }, view);
    const flushedGot = Array.from(await flushed.data());
    // Not flushed: neg(shared) is still recorded when the engine writes max into the buffer.
    const late = tf.neg(shared);
    const pendingLate = tfPending(backend);
    engine.maxPool(xv, { kernel: 2, stride: 2, indices: false }, { output: view });
    const lateGot = Array.from(await late.data());
    const result = {
      pendingFlushed,
      pendingLate,
      flushedSawOld: compare(flushedGot, neg(max)).mismatches === 0,
      lateSawOld: compare(lateGot, neg(avg)).mismatches === 0,
      lateSawNew: compare(lateGot, neg(max)).mismatches === 0,
      maxDiffersFromAvg: compare(max, avg).mismatches > 0,
    };
    for (const t of [x, shared, flushed, late, gpuData.tensorRef]) t.dispose();
    for (const t of [xv, view]) t.destroy();
    buffer.destroy();
    return result;
  });
}

/** TF.js alone: its device, dataToGPU and tf.tensor from a GPU buffer (no engine ops). */
async function tfOnlyCase(ctx: Context) {
  const { device, backend } = ctx;
  return withErrorScope(device, async () => {
    const x = makeX();
    const pendingAfterProducer = tfPending(backend);
    const gpuData = x.dataToGPU();
    const buffer = gpuData.buffer!;
    const copy = tf.tensor({ buffer }, [...SHAPE]);
    const zero = tf.tensor({ buffer, zeroCopy: true }, [...SHAPE]);
    const want = inputValues();
    const result = {
      pendingAfterProducer,
      // Tensors the backend makes are the page's tf.Tensor: the backend and the page share one tfjs-core.
      sameTensorClass: gpuData.tensorRef instanceof tf.Tensor && zero instanceof tf.Tensor,
      bufferSize: buffer.size,
      usage: buffer.usage,
      copy: compare(await copy.data(), want),
      zero: compare(await zero.data(), want),
      x: compare(await x.data(), want),
    };
    for (const t of [x, copy, zero, gpuData.tensorRef]) t.dispose();
    return result;
  });
}

async function start() {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: this browser has no WebGPU');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null: no WebGPU adapter');
  // Small ops on tensors whose data is on the CPU would run on TF.js's CPU path; the
  // comparisons here are GPU against GPU, and dataToGPU needs data on the GPU.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed: TF.js could not start its WebGPU backend");
  await tf.ready();
  const backend = tf.backend() as WebGPUBackend;
  if (!(backend instanceof WebGPUBackend)) throw new Error(`TF.js backend is ${tf.getBackend()}, not WebGPUBackend`);
  // The device TF.js's backend requested; the engine runs on it.
  const device = backend.device;
  const engine = await createPoolEngine({ device });
  const ctx: Context = { backend, device, engine };
  const tfjsHarness = {
    tf,
    engine,
    info: () => ({
      backendName: tf.getBackend(),
      sameDevice: engine.device === backend.device,
      tfVersion: tf.version_core,
      warnings: (window as unknown as { pageWarnings: string[] }).pageWarnings,
    }),
    maxPoolCase: () => maxPoolCase(ctx),
    avgPoolCase: () => avgPoolCase(ctx),
    tfOnlyCase: () => tfOnlyCase(ctx),
    orderingCase: () => orderingCase(ctx),
  };
  (window as unknown as { tfjsHarness: typeof tfjsHarness }).tfjsHarness = tfjsHarness;
}

start().then(
  () => ((window as unknown as { harnessReady: unknown }).harnessReady = true),
  (e) => ((window as unknown as { harnessReady: unknown }).harnessReady = String((e as Error).stack ?? e)),
);

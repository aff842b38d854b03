// The engine on TensorFlow.js's WebGPU device: TF.js tensors in, TF.js tensors
// out, no copies through the CPU, checked against TF.js's own pooling.
import * as tf from '@tensorflow/tfjs-core';
// A side-effect import registers the 'webgpu' backend and its kernels (an import of the type
// alone is erased by TypeScript, and then no backend is registered).
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { createPoolEngine, type PoolEngine, type PoolTensor } from '../../src/index';

const status = document.getElementById('status')!;
const rows = document.querySelector('#results tbody')!;

/** Submits what TF.js has recorded but not yet submitted (it batches dispatches; the engine submits each op at once). */
function flushTf(backend: WebGPUBackend): void {
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
}

/** Adds a row: our result (a TF.js tensor on our buffer) against TF.js's, element by element. */
async function report(op: string, tfOp: string, ours: tf.Tensor, theirs: tf.Tensor): Promise<void> {
  const [a, b] = [await ours.data(), await theirs.data()];
  let worst = 0;
  let mismatches = a.length === b.length ? 0 : Math.max(a.length, b.length);
  a.forEach((v, i) => {
    if (v !== b[i]) mismatches++;
    worst = Math.max(worst, Math.abs(v - b[i]));
  });
  const row = document.createElement('tr');
  row.dataset.op = op;
  row.dataset.mismatches = String(mismatches);
  row.innerHTML =
    `<td>${op}</td><td><code>engine.${op}</code></td><td><code>${tfOp}</code></td><td class="num">${a.length}</td>` +
    `<td class="num">${worst}</td><td class="${mismatches ? 'bad' : 'ok'}">${mismatches ? `no (${mismatches} differ)` : 'yes, exactly'}</td>`;
  rows.append(row);
}

async function main(): Promise<void> {
  // By default TF.js runs small ops whose inputs are still in CPU memory on the CPU; x must be on
  // the GPU (dataToGPU refuses CPU data), so every op goes to the GPU here.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend (no WebGPU here?)');
  const backend = tf.backend() as WebGPUBackend;
  const device = backend.device; // TF.js's device, requested by its backend
  const engine: PoolEngine = await createPoolEngine({ device });
  status.textContent = `TF.js ${tf.version_core} on '${tf.getBackend()}'; engine.device === TF.js's device: ${engine.device === device}`;

  for (const s of ['validation', 'out-of-memory', 'internal'] as const) device.pushErrorScope(s);

  // x: [2, 8, 8, 4] NHWC, quarter-integers computed by a TF.js kernel (so on the GPU, and perhaps not
  // submitted yet). (tfjs-core alone has no chained ops like x.mul(): use the functions.)
  const ints = Float32Array.from({ length: 2 * 8 * 8 * 4 }, (_, i) => ((i * 37 + 11) % 101) - 50);
  const x = tf.tidy(() => tf.mul<tf.Tensor4D>(tf.tensor4d(ints, [2, 8, 8, 4]), 0.25));

  // x's buffer: dataToGPU copies it into a new buffer (x's size in 4.22, no padding), owned by tensorRef.
  const { buffer, tensorRef } = x.dataToGPU();
  // TF.js batches: it may hold recorded kernels it has not submitted, while the engine submits at
  // once on the same queue. Flush TF.js before engine work on its buffers, or our op could run
  // before kernels that write what it reads (or after a write of ours that a recorded read expects to
  // come later). dataToGPU already submitted x's producer with its copy; the flush is the general rule.
  flushTf(backend);
  const xv = engine.wrap(buffer!, [2, 8, 8, 4], { layout: 'NHWC', label: 'x from TF.js' });

  // A buffer on TF.js's device for each result: STORAGE for the engine, COPY_SRC as TF.js requires.
  const shared = (elements: number) => device.createBuffer({ size: elements * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const buffers = { max: shared(2 * 4 * 4 * 4), avg: shared(2 * 4 * 4 * 4), global: shared(2 * 4) };
  const views: PoolTensor[] = [
    engine.wrap(buffers.max, [2, 4, 4, 4], { layout: 'NHWC' }),
    engine.wrap(buffers.avg, [2, 4, 4, 4], { layout: 'NHWC' }),
    engine.wrap(buffers.global, [2, 1, 1, 4], { layout: 'NHWC' }),
  ];

  // The three ops in one submission, each writing into its wrapped buffer.
  engine.batch(() => {
    engine.maxPool(xv, { kernel: 2, stride: 2, indices: false }, { output: views[0] });
    engine.avgPool(xv, { kernel: 2, stride: 2 }, views[1]);
    engine.globalAvgPool(xv, views[2]);
  });

  // TF.js tensors on those buffers, no copy (TF.js never frees a zeroCopy buffer: we do, below).
  const ours = {
    max: tf.tensor({ buffer: buffers.max, zeroCopy: true }, [2, 4, 4, 4]),
    avg: tf.tensor({ buffer: buffers.avg, zeroCopy: true }, [2, 4, 4, 4]),
    global: tf.tensor({ buffer: buffers.global, zeroCopy: true }, [2, 4]),
  };
  const theirs = { max: tf.maxPool(x, 2, 2, 'valid'), avg: tf.avgPool(x, 2, 2, 'valid'), global: tf.mean(x, [1, 2]) };
  await report('maxPool', "tf.maxPool(x, 2, 2, 'valid')", ours.max, theirs.max);
  await report('avgPool', "tf.avgPool(x, 2, 2, 'valid')", ours.avg, theirs.avg);
  await report('globalAvgPool', 'tf.mean(x, [1, 2])', ours.global, theirs.global);

  for (const t of [...Object.values(ours), ...Object.values(theirs), x, tensorRef]) t.dispose();
  for (const v of [xv, ...views]) v.destroy(); // forgets the views; the buffers are ours to destroy
  for (const b of Object.values(buffers)) b.destroy();

  const errors: string[] = [];
  for (let i = 0; i < 3; i++) {
    const e = await device.popErrorScope();
    if (e) errors.push(e.message);
  }
  if (errors.length) throw new Error(`GPU errors: ${errors.join('; ')}`);
}

main().then(
  () => ((window as unknown as { harnessReady: unknown }).harnessReady = true),
  (e) => {
    console.error(e);
    status.innerHTML = `<span class="error">${(e as Error).message}</span>`;
    (window as unknown as { harnessReady: unknown }).harnessReady = String(e);
  },
);

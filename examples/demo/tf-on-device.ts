// TensorFlow.js's WebGPU backend on a device we give it, so both libraries are
// timed on the same device and queue (the demo's timing table and the bench).
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** TF.js on our device, and how to submit what it has recorded. */
export interface TfHandle {
  tf: typeof import('@tensorflow/tfjs-core');
  /** Submits what TF.js has recorded; TF.js batches commands until it flushes. */
  flush(): void;
}

export async function tfOnDevice(device: GPUDevice, info?: GPUAdapterInfo): Promise<TfHandle> {
  let backend: WebGPUBackend | null = null;
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => (backend = new WebGPUBackend(device, info)));
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend on our device');
  await tf.ready();
  // TF.js keeps its compute pass open and batches dispatches; this ends the pass and
  // submits what it recorded, the way its own flush does.
  const flush = () => {
    const b = backend as unknown as { commandEncoder: GPUCommandEncoder | null; endComputePassEncoder(): void; submitQueue(): void };
    if (!b.commandEncoder) return;
    b.endComputePassEncoder();
    b.submitQueue();
  };
  return { tf, flush };
}

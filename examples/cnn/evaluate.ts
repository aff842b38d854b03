// The held-out check: classifies a generated set on the GPU and on the CPU
// (same network, CPU reference pooling) and compares the two.
import { generate } from './data';
import type { CnnGpu } from './gpu';
import { accuracy, argmax, ARCHITECTURE, forwardCpu, type Weights } from './network';

export interface HeldOutReport {
  count: number;
  seed: number;
  gpuAccuracy: number;
  cpuAccuracy: number;
  /** Fraction of images where the GPU and the CPU predict the same class. */
  agreement: number;
  /** Largest |GPU − CPU| over every class probability of every image. */
  maxDifference: number;
  /** Wall-clock time of the GPU batch, upload to readback (its buffers and pipelines made beforehand). */
  gpuMs: number;
}

/** Generates `count` images from `seed` and classifies them in one GPU batch and on the CPU. */
export async function heldOutCheck(model: CnnGpu, weights: Weights, count: number, seed: number): Promise<HeldOutReport> {
  const data = generate(count, seed);
  // This batch size's buffers and pooling pipelines, made before the clock starts (once per size).
  await model.prepareBatch(count);
  const started = performance.now();
  const { probabilities: gpu } = await model.classify(data.images, count);
  const gpuMs = performance.now() - started;
  const cpu = forwardCpu(weights, data.images, count).probabilities;
  let maxDifference = 0;
  for (let i = 0; i < gpu.length; i++) {
    const d = Math.abs(gpu[i] - cpu[i]);
    maxDifference = Number.isNaN(d) ? Infinity : Math.max(maxDifference, d);
  }
  const gpuClasses = argmax(gpu, ARCHITECTURE.classes);
  const cpuClasses = argmax(cpu, ARCHITECTURE.classes);
  return {
    count,
    seed,
    gpuAccuracy: accuracy(gpuClasses, data.labels),
    cpuAccuracy: accuracy(cpuClasses, data.labels),
    agreement: accuracy(gpuClasses, cpuClasses),
    maxDifference,
    gpuMs,
  };
}

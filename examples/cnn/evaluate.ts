// The held-out check: classifies a generated set on the GPU and on the CPU
// (same network, CPU reference pooling) and compares the two; and the same set
// in both GPU precisions (float32 and float16 activations), side by side.
import { generate } from './data';
import type { CnnGpu, Precision } from './gpu';
import { accuracy, argmax, ARCHITECTURE, forwardCpu, type Weights } from './network';

export interface HeldOutReport {
  count: number;
  seed: number;
  /** The GPU forward pass's activations. */
  precision: Precision;
  gpuAccuracy: number;
  cpuAccuracy: number;
  /** Fraction of images where the GPU and the CPU predict the same class. */
  agreement: number;
  /** Largest |GPU − CPU| over every class probability of every image. */
  maxDifference: number;
  /** Wall-clock time of the GPU batch, upload to readback (its buffers and pipelines made beforehand). */
  gpuMs: number;
}

/** The largest |a − b| over two arrays (Infinity where one is NaN). */
function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Number.isNaN(d) ? Infinity : Math.max(max, d);
  }
  return max;
}

/** One GPU batch of `images` in `precision`, timed from upload to readback (its buffers and pipelines made first). */
async function classifyTimed(model: CnnGpu, images: Float32Array, count: number, precision: Precision): Promise<{ probabilities: Float32Array; ms: number }> {
  // This batch size's buffers and pipelines, made before the clock starts (once per size and precision).
  await model.prepareBatch(count, precision);
  const started = performance.now();
  const { probabilities } = await model.classify(images, count, { precision });
  return { probabilities, ms: performance.now() - started };
}

/** Generates `count` images from `seed` and classifies them in one GPU batch (in `precision`) and on the CPU. */
export async function heldOutCheck(model: CnnGpu, weights: Weights, count: number, seed: number, precision: Precision = 'float32'): Promise<HeldOutReport> {
  const data = generate(count, seed);
  const { probabilities: gpu, ms: gpuMs } = await classifyTimed(model, data.images, count, precision);
  const cpu = forwardCpu(weights, data.images, count).probabilities;
  const gpuClasses = argmax(gpu, ARCHITECTURE.classes);
  const cpuClasses = argmax(cpu, ARCHITECTURE.classes);
  return {
    count,
    seed,
    precision,
    gpuAccuracy: accuracy(gpuClasses, data.labels),
    cpuAccuracy: accuracy(cpuClasses, data.labels),
    agreement: accuracy(gpuClasses, cpuClasses),
    maxDifference: maxAbsDifference(gpu, cpu),
    gpuMs,
  };
}

/** One precision's line of `precisionCheck`. */
export interface PrecisionResult {
  precision: Precision;
  accuracy: number;
  /** Wall-clock time of the GPU batch, upload to readback. */
  ms: number;
  /** Fraction of images classified as float32 classifies them (1 for float32). */
  agreement: number;
  /** Largest |p − float32's p| over every class probability of every image (0 for float32). */
  maxDifference: number;
  /** Mean |p − float32's p| over every class probability of every image. */
  meanDifference: number;
}

export interface PrecisionReport {
  count: number;
  seed: number;
  /** float32 first, then float16: the same images, the same weights. */
  results: PrecisionResult[];
  /** Each precision's probabilities, [count, classes], in the order of `results`. */
  probabilities: Float32Array[];
  /** The CPU forward pass's accuracy on the same set (float32, CPU reference pooling), where weights were given. */
  cpuAccuracy: number | null;
}

/**
 * Generates `count` images from `seed` and classifies the same set in each of
 * `precisions` (default: float32 and float16; the model must have been created
 * with them), one GPU batch each, comparing each with float32; with `weights`,
 * on the CPU too.
 */
export async function precisionCheck(
  model: CnnGpu,
  count: number,
  seed: number,
  options: { precisions?: Precision[]; weights?: Weights } = {},
): Promise<PrecisionReport> {
  const precisions = options.precisions ?? ['float32', 'float16'];
  const data = generate(count, seed);
  const order: Precision[] = ['float32', ...precisions.filter((p) => p !== 'float32')];
  const runs: { probabilities: Float32Array; ms: number }[] = [];
  for (const precision of order) runs.push(await classifyTimed(model, data.images, count, precision));
  const reference = runs[0].probabilities;
  const referenceClasses = argmax(reference, ARCHITECTURE.classes);
  const results = order.map((precision, i): PrecisionResult => {
    const p = runs[i].probabilities;
    const classes = argmax(p, ARCHITECTURE.classes);
    let sum = 0;
    for (let j = 0; j < p.length; j++) sum += Math.abs(p[j] - reference[j]);
    return {
      precision,
      accuracy: accuracy(classes, data.labels),
      ms: runs[i].ms,
      agreement: accuracy(classes, referenceClasses),
      maxDifference: maxAbsDifference(p, reference),
      meanDifference: sum / p.length,
    };
  });
  const cpuAccuracy = options.weights
    ? accuracy(argmax(forwardCpu(options.weights, data.images, count).probabilities, ARCHITECTURE.classes), data.labels)
    : null;
  return { count, seed, results, probabilities: runs.map((r) => r.probabilities), cpuAccuracy };
}

import { PoolError } from './errors';
import { uniform01 } from './random';

/**
 * Fractional max pooling options (Graham 2014). Give `outputSize` (one per
 * dimension, or a number) or `outputRatio` (in (0, 1), output = floor(in · ratio)).
 * `samples`: the per-(n, c, dimension) numbers in [0, 1) that place the windows,
 * shaped [N, C, rank] (PyTorch's `_random_samples`); without them they are drawn
 * from `seed` (default: the engine's own counter, so successive calls differ).
 */
export interface FractionalMaxPoolOptions {
  kernel: number | readonly number[];
  outputSize?: number | readonly number[];
  outputRatio?: number | readonly number[];
  samples?: Float32Array;
  seed?: number;
}

export interface FractionalSpec {
  rank: number;
  kernel: number[];
  inputSpatial: number[];
  outputSpatial: number[];
}

function list(name: string, value: unknown, rank: number): number[] {
  const l = typeof value === 'number' ? new Array(rank).fill(value) : value;
  if (!Array.isArray(l) || l.length !== rank || l.some((v) => typeof v !== 'number')) {
    throw new PoolError('INVALID_OPTION', name, value, `must be a number or ${rank} numbers (one per spatial dimension)`);
  }
  if (l.some((v) => !Number.isFinite(v))) throw new PoolError('NOT_FINITE', name, value, 'must hold finite numbers');
  return l as number[];
}

/** Validates a fractional max pooling call (rank 2 or 3); output + kernel − 1 must fit in the input, as PyTorch requires. */
export function fractionalSpec(inputSpatial: readonly number[], options: unknown): FractionalSpec {
  const rank = inputSpatial.length;
  if (rank !== 2 && rank !== 3) throw new PoolError('INVALID_RANK', 'input', inputSpatial, 'fractional max pooling needs spatial rank 2 or 3');
  if (options === null || typeof options !== 'object')
    throw new PoolError('INVALID_OPTION', 'options', options, 'must be an object with kernel and outputSize or outputRatio');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && !['kernel', 'outputSize', 'outputRatio', 'samples', 'seed'].includes(key)) {
      throw new PoolError(
        'INVALID_OPTION',
        key,
        o[key],
        'is not an option of fractional max pooling (options: kernel, outputSize, outputRatio, samples, seed)',
      );
    }
  }
  const kernel = list('kernel', o.kernel, rank);
  if (kernel.some((k) => !Number.isInteger(k) || k < 1)) throw new PoolError('INVALID_KERNEL', 'kernel', o.kernel, 'must hold positive integers');
  let outputSpatial: number[];
  if ((o.outputSize === undefined) === (o.outputRatio === undefined)) {
    throw new PoolError('INVALID_OPTION', 'outputSize', o.outputSize, 'give exactly one of outputSize and outputRatio');
  }
  if (o.outputSize !== undefined) {
    outputSpatial = list('outputSize', o.outputSize, rank);
    if (outputSpatial.some((n) => !Number.isInteger(n) || n < 1))
      throw new PoolError('INVALID_OUTPUT_SIZE', 'outputSize', o.outputSize, 'must hold positive integers');
  } else {
    const ratio = list('outputRatio', o.outputRatio, rank);
    if (ratio.some((r) => !(r > 0 && r < 1))) throw new PoolError('INVALID_OPTION', 'outputRatio', o.outputRatio, 'must hold numbers in (0, 1)');
    outputSpatial = inputSpatial.map((n, i) => Math.floor(n * ratio[i]));
    if (outputSpatial.some((n) => n < 1))
      throw new PoolError('EMPTY_OUTPUT', 'outputRatio', o.outputRatio, `gives output ${JSON.stringify(outputSpatial)}; every size must be at least 1`);
  }
  outputSpatial.forEach((n, i) => {
    if (n + kernel[i] - 1 > inputSpatial[i]) {
      throw new PoolError(
        'INVALID_OUTPUT_SIZE',
        'outputSize',
        outputSpatial,
        `plus kernel − 1 must fit in the input (${n} + ${kernel[i]} − 1 > ${inputSpatial[i]} in dimension ${i})`,
      );
    }
  });
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isInteger(o.seed) || o.seed < 0)) {
    throw new PoolError('INVALID_OPTION', 'seed', o.seed, 'must be a non-negative integer');
  }
  return { rank, kernel, inputSpatial: [...inputSpatial], outputSpatial };
}

/** Checks caller-given samples: [N, C, rank] numbers in [0, 1). */
export function checkSamples(samples: unknown, batch: number, channels: number, rank: number): Float32Array {
  if (!(samples instanceof Float32Array)) throw new PoolError('INVALID_OPTION', 'samples', samples, 'must be a Float32Array shaped [N, C, rank]');
  if (samples.length !== batch * channels * rank) {
    throw new PoolError('DATA_LENGTH', 'samples.length', samples.length, `must be N·C·rank = ${batch * channels * rank}`);
  }
  if (samples.some((u) => !(u >= 0 && u < 1))) throw new PoolError('INVALID_OPTION', 'samples', samples, 'must hold numbers in [0, 1)');
  return samples;
}

/**
 * PyTorch's window starts along one dimension (generate_intervals), in float32 as
 * PyTorch computes them for float32 input: alpha = (in − k)/(out − 1);
 * start_i = trunc((i + u)·alpha) − trunc(u·alpha) for i < out − 1; in − k for the last.
 */
export function fractionalStarts(u: number, input: number, output: number, kernel: number): number[] {
  const f = Math.fround;
  const starts = new Array<number>(output);
  if (output > 1) {
    const alpha = f(f(input - kernel) / f(output - 1));
    const base = Math.trunc(f(f(u) * alpha));
    for (let i = 0; i < output - 1; i++) starts[i] = Math.trunc(f(f(i + f(u)) * alpha)) - base;
  }
  starts[output - 1] = input - kernel;
  return starts;
}

/**
 * Which sample places which dimension: PyTorch reads sample 0 for width and 1 for
 * height in 2-D, and 0, 1, 2 for time (depth), height, width in 3-D.
 */
export function sampleSlot(rank: number, dim: number): number {
  return rank === 2 ? 1 - dim : dim;
}

/** The random stream of fractional max pooling's samples (any fixed number; 'FRAC'). */
const SAMPLE_STREAM = 0x46524143;

/** Samples [N, C, rank] in [0, 1) drawn from `seed`: the same on every device and in the CPU reference. */
export function drawSamples(seed: number, batch: number, channels: number, rank: number): Float32Array {
  return Float32Array.from({ length: batch * channels * rank }, (_, i) => uniform01(seed, SAMPLE_STREAM, i));
}

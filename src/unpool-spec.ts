import { PoolError } from './errors';

/**
 * Max unpooling options: the max pooling call whose indices are given, and
 * optionally the output size. Defaults: stride = kernel, padding 0, outputSize
 * (in − 1)·stride − 2·padding + kernel per dimension (PyTorch's).
 */
export interface MaxUnpoolOptions {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  /** Spatial output size, one entry per dimension (or PyTorch's full [N, C, ...spatial]). */
  outputSize?: readonly number[];
  /**
   * Whether outputSize must lie in PyTorch's range, from the default to default + stride − 1
   * (default true); false takes any size, as ONNX's output_shape does.
   */
  checkOutputSize?: boolean;
  /** What the indices count: `'plane'` (default, PyTorch's) or `'flat'` (ONNX's: the whole [N, C, ...spatial] output, row-major). */
  indexConvention?: 'plane' | 'flat';
  /**
   * The spatial size the indices count in, where it is not the output's: ONNX's MaxUnpool
   * with output_shape counts them in the inferred size and pads the output at the end.
   * An index then lands at the same (d, h, w) in the output, or nowhere past its edge.
   */
  indexSize?: readonly number[];
}

export interface UnpoolSpec {
  rank: number;
  inputSpatial: number[];
  outputSpatial: number[];
  /** Whether indices count the whole output (`'flat'`) rather than each plane. */
  flatIndices: boolean;
  /** The spatial size the indices count in (the output's unless `indexSize` says otherwise). */
  indexSpatial: number[];
}

const UNPOOL_OPTIONS = ['kernel', 'stride', 'padding', 'outputSize', 'checkOutputSize', 'indexConvention', 'indexSize'];

/** The error code of a bad value of option `name`. */
function code(name: string): 'INVALID_KERNEL' | 'INVALID_STRIDE' | 'INVALID_PADDING' | 'INVALID_OUTPUT_SIZE' | 'INVALID_OPTION' {
  return name === 'kernel'
    ? 'INVALID_KERNEL'
    : name === 'stride'
      ? 'INVALID_STRIDE'
      : name === 'padding'
        ? 'INVALID_PADDING'
        : name === 'outputSize'
          ? 'INVALID_OUTPUT_SIZE'
          : 'INVALID_OPTION';
}

function perDim(name: string, value: unknown, rank: number, min: number): number[] {
  const list = typeof value === 'number' ? new Array(rank).fill(value) : value;
  if (!Array.isArray(list) || list.length !== rank) {
    throw new PoolError('INVALID_OPTION', name, value, `must be a number or ${rank} numbers (one per spatial dimension)`);
  }
  for (const v of list) {
    if (name === 'padding' && Array.isArray(v)) {
      // PyTorch's MaxUnpool takes one symmetric padding per dimension, not [before, after] pairs.
      throw new PoolError(
        'INVALID_PADDING',
        name,
        value,
        'must be a number or one number per spatial dimension (max unpooling pads both sides alike; [before, after] pairs are not taken)',
      );
    }
    if (typeof v !== 'number') throw new PoolError(code(name), name, value, 'must hold integers');
    if (!Number.isFinite(v)) throw new PoolError('NOT_FINITE', name, value, 'must hold finite integers');
    if (!Number.isInteger(v) || v < min)
      throw new PoolError(code(name), name, value, min > 0 ? 'must hold positive integers' : 'must hold non-negative integers');
  }
  return list as number[];
}

/** Validates a max unpooling call; the output size follows PyTorch's rule and range. */
export function unpoolSpec(inputSpatial: readonly number[], options: unknown): UnpoolSpec {
  if (options === null || typeof options !== 'object') throw new PoolError('INVALID_OPTION', 'options', options, 'must be an object with at least a kernel');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && !UNPOOL_OPTIONS.includes(key)) {
      throw new PoolError('INVALID_OPTION', key, o[key], `is not an option of max unpooling (options: ${UNPOOL_OPTIONS.join(', ')})`);
    }
  }
  const rank = inputSpatial.length;
  const kernel = perDim('kernel', o.kernel, rank, 1);
  const stride = o.stride === undefined || o.stride === null ? kernel : perDim('stride', o.stride, rank, 1);
  const padding = o.padding === undefined ? new Array(rank).fill(0) : perDim('padding', o.padding, rank, 0);
  if (o.checkOutputSize !== undefined && typeof o.checkOutputSize !== 'boolean') {
    throw new PoolError('INVALID_OPTION', 'checkOutputSize', o.checkOutputSize, 'must be true or false');
  }
  if (o.indexConvention !== undefined && o.indexConvention !== 'plane' && o.indexConvention !== 'flat') {
    throw new PoolError('INVALID_OPTION', 'indexConvention', o.indexConvention, "must be 'plane' or 'flat'");
  }
  const defaults = inputSpatial.map((n, i) => (n - 1) * stride[i] - 2 * padding[i] + kernel[i]);
  let outputSpatial = defaults;
  if (o.outputSize !== undefined && o.outputSize !== null) {
    // PyTorch also accepts the full [N, C, ...spatial] size and reads its last `rank` entries.
    const given = Array.isArray(o.outputSize) && o.outputSize.length === rank + 2 ? o.outputSize.slice(2) : o.outputSize;
    outputSpatial = perDim('outputSize', given, rank, 1);
    outputSpatial.forEach((n, i) => {
      // PyTorch accepts sizes from the default up to default + stride − 1 (what max pooling's floor can have dropped).
      if (o.checkOutputSize !== false && (n < defaults[i] || n > defaults[i] + stride[i] - 1)) {
        throw new PoolError(
          'INVALID_OUTPUT_SIZE',
          'outputSize',
          o.outputSize,
          `must be between ${defaults[i]} and ${defaults[i] + stride[i] - 1} in dimension ${i}`,
        );
      }
    });
  }
  if (outputSpatial.some((n) => n < 1)) {
    throw new PoolError(
      'EMPTY_OUTPUT',
      'kernel',
      o.kernel,
      `with this stride and padding gives output ${JSON.stringify(outputSpatial)}; every size must be at least 1`,
    );
  }
  const indexSpatial = o.indexSize === undefined ? outputSpatial : perDim('indexSize', o.indexSize, rank, 1);
  return { rank, inputSpatial: [...inputSpatial], outputSpatial, flatIndices: o.indexConvention === 'flat', indexSpatial };
}

// webgpu-pool/onnx: ONNX's pooling operators, attribute for attribute, on the
// engine's GPU tensors (either layout: ONNX is NCHW, NHWC is an option). Each
// takes the engine, its inputs and the node's attributes by their ONNX names.
// Gradients are here too, for training runtimes.
import type { PoolEngine } from '../pool-engine';
import type { FloatTensor, PoolTensor } from '../tensor';
import { PoolError } from '../errors';
import {
  onnxMaxRoiPoolOptions,
  onnxRoiAlignOptions,
  type OnnxRoiAttributes,
  onnxAveragePoolOptions,
  onnxGlobalLpPoolOptions,
  onnxLpPoolOptions,
  onnxMaxPoolGradOptions,
  onnxMaxPoolOptions,
  onnxMaxUnpoolOptions,
  type OnnxPoolAttributes,
} from './attributes';

export * from './attributes';

type F32 = FloatTensor;

const rankOf = (x: F32) => x.dims.spatial.length;

/**
 * MaxPool: `{ Y, Indices }`. Indices (int32, ONNX's flat positions over [N, C, ...spatial],
 * column-major within the plane for storage_order 1) only when `outputs.indices` is true;
 * `readInt64` widens them to ONNX's int64.
 */
export function MaxPool(
  engine: PoolEngine,
  X: F32,
  attributes: OnnxPoolAttributes,
  outputs: { indices?: boolean } = {},
): { Y: F32; Indices: PoolTensor<'int32'> | null } {
  const { output, indices } = engine.maxPool(X, onnxMaxPoolOptions(attributes, rankOf(X), outputs.indices === true));
  return { Y: output, Indices: indices };
}

/** Gradient of MaxPool with respect to X: the winners are found again from X (ONNX's flat indices are not what the backward reads). */
export function MaxPoolGrad(engine: PoolEngine, dY: F32, X: F32, attributes: OnnxPoolAttributes): F32 {
  const options = onnxMaxPoolGradOptions(attributes, rankOf(X));
  const { output, indices } = engine.maxPool(X, options);
  try {
    return engine.maxPoolBackward(dY, X, indices, options);
  } finally {
    output.destroy();
    indices.destroy();
  }
}

/** AveragePool (count_include_pad, dilations, pads of any size, auto_pad, ceil_mode). */
export function AveragePool(engine: PoolEngine, X: F32, attributes: OnnxPoolAttributes): F32 {
  return engine.avgPool(X, onnxAveragePoolOptions(attributes, rankOf(X)));
}

export function AveragePoolGrad(engine: PoolEngine, dY: F32, X: F32, attributes: OnnxPoolAttributes): F32 {
  return engine.avgPoolBackward(dY, X, onnxAveragePoolOptions(attributes, rankOf(X)));
}

/** LpPool: (Σ |x|ᵖ)^(1/p) over each window (p defaults to 2; padding cells add nothing). */
export function LpPool(engine: PoolEngine, X: F32, attributes: OnnxPoolAttributes): F32 {
  return engine.lpPool(X, onnxLpPoolOptions(attributes, rankOf(X)));
}

export function LpPoolGrad(engine: PoolEngine, dY: F32, X: F32, attributes: OnnxPoolAttributes): F32 {
  return engine.lpPoolBackward(dY, X, onnxLpPoolOptions(attributes, rankOf(X)));
}

/** GlobalLpPool: (Σ |x|ᵖ)^(1/p) over each whole map, [N, C, 1, …]. */
export function GlobalLpPool(engine: PoolEngine, X: F32, attributes: OnnxPoolAttributes = {}): F32 {
  return engine.lpPool(X, onnxGlobalLpPoolOptions(attributes, X.dims.spatial));
}

export function GlobalLpPoolGrad(engine: PoolEngine, dY: F32, X: F32, attributes: OnnxPoolAttributes = {}): F32 {
  return engine.lpPoolBackward(dY, X, onnxGlobalLpPoolOptions(attributes, X.dims.spatial));
}

/** GlobalAveragePool: [N, C, 1, …]. */
export function GlobalAveragePool(engine: PoolEngine, X: F32): F32 {
  return engine.globalAvgPool(X);
}

export function GlobalAveragePoolGrad(engine: PoolEngine, dY: F32, X: F32): F32 {
  return engine.globalAvgPoolBackward(dY, X);
}

/** GlobalMaxPool: [N, C, 1, …]. */
export function GlobalMaxPool(engine: PoolEngine, X: F32): F32 {
  return engine.globalMaxPool(X, { indices: false }).output;
}

export function GlobalMaxPoolGrad(engine: PoolEngine, dY: F32, X: F32): F32 {
  const { output, indices } = engine.globalMaxPool(X);
  try {
    return engine.globalMaxPoolBackward(dY, X, indices);
  } finally {
    output.destroy();
    indices.destroy();
  }
}

/**
 * MaxUnpool: X's values written at their flat indices `I` (int32; MaxPool's Indices)
 * into zeros of `output_shape` ([N, C, ...spatial]) or of the size the attributes give.
 */
export function MaxUnpool(engine: PoolEngine, X: F32, I: PoolTensor<'int32'>, attributes: OnnxPoolAttributes, output_shape?: readonly number[]): F32 {
  return engine.maxUnpool(X, I, onnxMaxUnpoolOptions(attributes, X.dims.spatial, output_shape));
}

export function MaxUnpoolGrad(
  engine: PoolEngine,
  dY: F32,
  X: F32,
  I: PoolTensor<'int32'>,
  attributes: OnnxPoolAttributes,
  output_shape?: readonly number[],
): F32 {
  return engine.maxUnpoolBackward(dY, X, I, onnxMaxUnpoolOptions(attributes, X.dims.spatial, output_shape));
}

/**
 * RoiAlign: X pooled over each box of `rois` ([K, 4] as (x1, y1, x2, y2), host data: boxes
 * are checked before any GPU work) of image `batch_indices[k]`; output [K, C, output_height,
 * output_width]. `Grad` gives dX.
 */
export function RoiAlign(
  engine: PoolEngine,
  X: F32,
  rois: ArrayLike<number>,
  batch_indices: ArrayLike<number | bigint>,
  attributes: OnnxRoiAttributes = {},
): F32 {
  return engine.roiAlign(X, roiBoxes(rois, batch_indices), onnxRoiAlignOptions(attributes));
}

export function RoiAlignGrad(
  engine: PoolEngine,
  dY: F32,
  X: F32,
  rois: ArrayLike<number>,
  batch_indices: ArrayLike<number | bigint>,
  attributes: OnnxRoiAttributes = {},
): F32 {
  return engine.roiAlignBackward(dY, X, roiBoxes(rois, batch_indices), onnxRoiAlignOptions(attributes));
}

/** MaxRoiPool: the max of each bin of each box of `rois` ([K, 5] as (batch, x1, y1, x2, y2), host data); output [K, C, …pooled_shape]. */
export function MaxRoiPool(engine: PoolEngine, X: F32, rois: ArrayLike<number>, attributes: OnnxRoiAttributes): F32 {
  const { output, indices } = engine.roiPool(X, { data: rois, shape: [rois.length / 5, 5] }, onnxMaxRoiPoolOptions(attributes));
  indices.destroy();
  return output;
}

export function MaxRoiPoolGrad(engine: PoolEngine, dY: F32, X: F32, rois: ArrayLike<number>, attributes: OnnxRoiAttributes): F32 {
  const boxes = { data: rois, shape: [rois.length / 5, 5] };
  const options = onnxMaxRoiPoolOptions(attributes);
  const { output, indices } = engine.roiPool(X, boxes, options);
  try {
    return engine.roiPoolBackward(dY, X, boxes, indices, options);
  } finally {
    output.destroy();
    indices.destroy();
  }
}

/** ONNX's [K, 4] boxes and their batch indices (int64 read as numbers). */
function roiBoxes(rois: ArrayLike<number>, batchIndices: ArrayLike<number | bigint>) {
  return { data: rois, shape: [rois.length / 4, 4], batchIndices: Array.from(batchIndices as ArrayLike<number>, (v) => Number(v)) };
}

/** Reads an int32 indices tensor as ONNX's int64 values. */
export async function readInt64(indices: PoolTensor<'int32'>): Promise<BigInt64Array> {
  if (indices.dtype !== 'int32') throw new PoolError('INVALID_OPTION', 'indices', indices.dtype, 'must be an int32 indices tensor');
  return BigInt64Array.from(await indices.read(), (v) => BigInt(v));
}

/**
 * ONNX's int64 indices as the int32 the engine reads (for MaxUnpool's I from another
 * runtime); a value outside int32 raises TOO_LARGE.
 */
export function int64ToInt32(values: BigInt64Array | readonly bigint[]): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0x7fffffffn || v < -0x80000000n)
      throw new PoolError('TOO_LARGE', `indices[${i}]`, String(v), 'must fit in int32 (the engine holds indices as int32)');
    out[i] = Number(v);
  }
  return out;
}

// ONNX pooling attributes (opset 22, their ONNX names) turned into the engine's
// options: one mapping for the GPU operators (src/onnx/index.ts), the CPU
// reference and the conformance runner.
import { PoolError } from '../errors';
import type { AvgPoolOptions, LpPoolOptions, MaxPoolOptions, Padding } from '../window-spec';
import type { MaxUnpoolOptions } from '../unpool-spec';
import type { RoiAlignOptions, RoiPoolOptions } from '../roi-spec';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

/** The attributes of ONNX's pooling operators, by their ONNX names (ints as numbers). */
export interface OnnxPoolAttributes {
  kernel_shape?: readonly number[];
  strides?: readonly number[];
  /** [x1_begin, x2_begin, …, x1_end, x2_end]. */
  pads?: readonly number[];
  dilations?: readonly number[];
  auto_pad?: AutoPad;
  ceil_mode?: number;
  count_include_pad?: number;
  storage_order?: number;
  p?: number;
}

/** RoiAlign's and MaxRoiPool's attributes, by their ONNX names. */
export interface OnnxRoiAttributes {
  mode?: 'avg' | 'max';
  output_height?: number;
  output_width?: number;
  sampling_ratio?: number;
  spatial_scale?: number;
  coordinate_transformation_mode?: 'half_pixel' | 'output_half_pixel';
  pooled_shape?: readonly number[];
}

const KNOWN: Record<string, readonly string[]> = {
  MaxPool: ['kernel_shape', 'strides', 'pads', 'dilations', 'auto_pad', 'ceil_mode', 'storage_order'],
  AveragePool: ['kernel_shape', 'strides', 'pads', 'dilations', 'auto_pad', 'ceil_mode', 'count_include_pad'],
  MaxUnpool: ['kernel_shape', 'strides', 'pads'],
  LpPool: ['kernel_shape', 'strides', 'pads', 'dilations', 'auto_pad', 'ceil_mode', 'p'],
  RoiAlign: ['mode', 'output_height', 'output_width', 'sampling_ratio', 'spatial_scale', 'coordinate_transformation_mode'],
  MaxRoiPool: ['pooled_shape', 'spatial_scale'],
  GlobalLpPool: ['p'],
};

function checkKnown(op: string, attrs: OnnxPoolAttributes | OnnxRoiAttributes): void {
  if (attrs === null || typeof attrs !== 'object') throw new PoolError('INVALID_OPTION', 'attributes', attrs, `must be an object of ${op}'s attributes`);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && !KNOWN[op].includes(key)) {
      throw new PoolError('INVALID_OPTION', key, value, `is not an attribute of ONNX's ${op} (attributes: ${KNOWN[op].join(', ')})`);
    }
  }
}

function kernelOf(op: string, attrs: OnnxPoolAttributes, rank: number): number[] {
  const k = attrs.kernel_shape;
  if (!Array.isArray(k) || k.length !== rank) {
    throw new PoolError('INVALID_KERNEL', 'kernel_shape', k, `is required by ${op}: one size per spatial dimension (${rank})`);
  }
  return [...k];
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (value !== 0 && value !== 1) throw new PoolError('INVALID_OPTION', name, value, 'must be 0 or 1');
  return value === 1;
}

/** ONNX's padding: auto_pad, else `pads` as [before…, after…] turned into [before, after] pairs. */
export function onnxPadding(attrs: OnnxPoolAttributes, rank: number): Padding {
  const auto = attrs.auto_pad ?? 'NOTSET';
  if (auto === 'VALID') return 'valid';
  if (auto === 'SAME_UPPER') return 'same';
  if (auto === 'SAME_LOWER') return 'sameLower';
  if (auto !== 'NOTSET') throw new PoolError('INVALID_PADDING', 'auto_pad', auto, 'must be NOTSET, SAME_UPPER, SAME_LOWER or VALID');
  const pads = attrs.pads ?? new Array(2 * rank).fill(0);
  if (!Array.isArray(pads) || pads.length !== 2 * rank) {
    throw new PoolError('INVALID_PADDING', 'pads', pads, `must hold ${2 * rank} numbers: every begin, then every end`);
  }
  return Array.from({ length: rank }, (_, i) => [pads[i], pads[rank + i]] as [number, number]);
}

/** Stride and the shared window attributes: SAME padding fixes the output size, so ceil_mode is dropped there. */
function windowCommon(op: string, attrs: OnnxPoolAttributes, rank: number) {
  checkKnown(op, attrs);
  const padding = onnxPadding(attrs, rank);
  const same = padding === 'same' || padding === 'sameLower';
  return {
    kernel: kernelOf(op, attrs, rank),
    stride: attrs.strides === undefined ? new Array(rank).fill(1) : [...attrs.strides],
    padding,
    dilation: attrs.dilations === undefined ? undefined : [...attrs.dilations],
    ceilMode: same ? undefined : flag('ceil_mode', attrs.ceil_mode),
    largePadding: true,
  };
}

/** MaxPool's options; `indices` asks for the optional Indices output (flat, in storage_order's order). */
export function onnxMaxPoolOptions(attrs: OnnxPoolAttributes, rank: number, indices: boolean): MaxPoolOptions {
  const common = windowCommon('MaxPool', attrs, rank);
  const columnMajor = flag('storage_order', attrs.storage_order);
  return { ...common, indices, indexConvention: indices ? (columnMajor ? 'flatColumnMajor' : 'flat') : 'plane' };
}

/** MaxPool's options for its gradient: the same windows, with the per-plane indices the backward takes. */
export function onnxMaxPoolGradOptions(attrs: OnnxPoolAttributes, rank: number): MaxPoolOptions {
  return { ...onnxMaxPoolOptions(attrs, rank, false), indices: true };
}

/** AveragePool's options: count_include_pad (default 0) counts padding cells in the divisor. */
export function onnxAveragePoolOptions(attrs: OnnxPoolAttributes, rank: number): AvgPoolOptions {
  const common = windowCommon('AveragePool', attrs, rank);
  return { ...common, countIncludePad: flag('count_include_pad', attrs.count_include_pad) };
}

/** ONNX's p: a positive number, 2 where not given. */
function pOf(attrs: OnnxPoolAttributes): number {
  const p = attrs.p ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new PoolError('INVALID_P', 'p', p, 'must be a number greater than 0');
  return p;
}

/** LpPool's options: ONNX's norm (Σ |x|ᵖ)^(1/p), p defaulting to 2. */
export function onnxLpPoolOptions(attrs: OnnxPoolAttributes, rank: number): LpPoolOptions {
  const common = windowCommon('LpPool', attrs, rank);
  return { ...common, p: pOf(attrs), norm: true };
}

/** GlobalLpPool's options over a map of `spatial` sizes: one window of the whole map. */
export function onnxGlobalLpPoolOptions(attrs: OnnxPoolAttributes, spatial: readonly number[]): LpPoolOptions {
  checkKnown('GlobalLpPool', attrs ?? {});
  return { kernel: [...spatial], p: pOf(attrs ?? {}), norm: true };
}

/**
 * MaxUnpool's options for values of spatial size `inputSpatial`: indices are ONNX's
 * flat ones over the inferred size, (in − 1)·stride + kernel − pad_begin − pad_end per
 * dimension; the output is that map, or, where `output_shape` ([N, C, ...spatial]) is
 * given, that map padded with zeros at the end of each dimension (ONNX's test data).
 */
export function onnxMaxUnpoolOptions(attrs: OnnxPoolAttributes, inputSpatial: readonly number[], outputShape?: readonly number[]): MaxUnpoolOptions {
  checkKnown('MaxUnpool', attrs);
  const rank = inputSpatial.length;
  const kernel = kernelOf('MaxUnpool', attrs, rank);
  const stride = attrs.strides === undefined ? kernel.map(() => 1) : [...attrs.strides];
  const pads = attrs.pads ?? new Array(2 * rank).fill(0);
  if (pads.length !== 2 * rank) throw new PoolError('INVALID_PADDING', 'pads', pads, `must hold ${2 * rank} numbers: every begin, then every end`);
  const inferred = inputSpatial.map((n, i) => (n - 1) * stride[i] + kernel[i] - pads[i] - pads[rank + i]);
  if (outputShape === undefined) return { kernel, stride, outputSize: inferred, checkOutputSize: false, indexConvention: 'flat' };
  if (!Array.isArray(outputShape) || outputShape.length !== rank + 2) {
    throw new PoolError('INVALID_OUTPUT_SIZE', 'output_shape', outputShape, `must be the whole output shape [N, C, …] (${rank + 2} sizes)`);
  }
  // ONNX's indices still count in the inferred size; the output is that map padded at the end.
  return { kernel, stride, outputSize: outputShape.slice(2), checkOutputSize: false, indexConvention: 'flat', indexSize: inferred };
}

/**
 * RoiAlign's options (opset 16): torchvision's roi_align, `half_pixel` (the default) being its
 * `aligned: true` and `output_half_pixel` its `aligned: false` (boxes at least 1 × 1);
 * sampling_ratio 0 is adaptive. Mode 'max' is not built: PoolError.
 */
export function onnxRoiAlignOptions(attrs: OnnxRoiAttributes): RoiAlignOptions {
  checkKnown('RoiAlign', attrs);
  if (attrs.mode !== undefined && attrs.mode !== 'avg') {
    throw new PoolError('INVALID_OPTION', 'mode', attrs.mode, "must be 'avg': RoiAlign's max mode is not built");
  }
  const transform = attrs.coordinate_transformation_mode ?? 'half_pixel';
  if (transform !== 'half_pixel' && transform !== 'output_half_pixel') {
    throw new PoolError('INVALID_OPTION', 'coordinate_transformation_mode', transform, "must be 'half_pixel' or 'output_half_pixel'");
  }
  return {
    outputSize: [attrs.output_height ?? 1, attrs.output_width ?? 1],
    spatialScale: attrs.spatial_scale ?? 1,
    samplingRatio: attrs.sampling_ratio ?? 0,
    aligned: transform === 'half_pixel',
  };
}

/** MaxRoiPool's options: Caffe's ROI pooling, which is torchvision's roi_pool. */
export function onnxMaxRoiPoolOptions(attrs: OnnxRoiAttributes): RoiPoolOptions {
  checkKnown('MaxRoiPool', attrs);
  const shape = attrs.pooled_shape;
  if (!Array.isArray(shape) || shape.length !== 2) throw new PoolError('INVALID_OPTION', 'pooled_shape', shape, 'is required: [height, width]');
  return { outputSize: [shape[0], shape[1]], spatialScale: attrs.spatial_scale ?? 1 };
}

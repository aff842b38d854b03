export {
  createPoolEngine,
  createPoolEngineOnDevice,
  PoolEngine,
  type MaxPoolResult,
  type MaxPoolOutput,
  type MaxPoolOut,
  type MaxResults,
  type Out,
  type TensorOptions,
} from './pool-engine';
export type { SpatialPyramidPoolResult, StripPoolResult, GemPoolGradients } from './pool-engine';
export type { PoolEngineOptions, PoolStats } from './engine';
export { loadKernels, loadedKernels, KERNEL_FAMILIES, type KernelFamily } from './kernel-families';
export type { WrapOptions } from './wrap';
export type { PrepareCall } from './prepare';
export { PoolTensor, type DType, type FloatDType, type FloatTensor, type HostArray } from './tensor';
export { halfBits, halfValue, toHalfBits, fromHalfBits, roundToHalf, halfUlp } from './half';
export type { TensorData } from './tensor-data';
export { PoolError, type PoolErrorCode } from './errors';
export { dimsOf, shapeOf, relayout, layoutFor, layoutInfo, type Layout, type Dims, type SpatialRank } from './layout';
export {
  windowSpec,
  pooledSize,
  samePadding,
  avgDivisor,
  conventionIndex,
  INDEX_CONVENTIONS,
  type IndexConvention,
  type WindowSpec,
  type WindowMode,
  type Padding,
  type MaxPoolOptions,
  type AvgPoolOptions,
  type LpPoolOptions,
  type SoftPoolOptions,
  type MixedPoolOptions,
  type StochasticPoolOptions,
} from './window-spec';
export {
  adaptiveSpec,
  globalSpec,
  pyramidSpec,
  stripSpec,
  stripExpandDims,
  gemSpec,
  binStart,
  binEnd,
  binsCovering,
  type AdaptivePoolOptions,
  type GlobalMaxPoolOptions,
  type SpatialPyramidPoolOptions,
  type GemPoolOptions,
  type AdaptiveSpec,
  type PyramidSpec,
  type GemSpec,
  type BinnedMode,
} from './binned-spec';
export * as reference from './reference/index';
export { pipelineKey, cachedPipelineCount } from './pipelines';
export { unpoolSpec, type MaxUnpoolOptions, type UnpoolSpec } from './unpool-spec';
export { fractionalSpec, fractionalStarts, drawSamples, type FractionalMaxPoolOptions, type FractionalSpec } from './fractional-spec';
export { pcgHash, uniform01 } from './random';
export {
  roiSpec,
  alignBox,
  alignSample,
  poolBox,
  poolBin,
  roiInputChannel,
  roundHalfAway,
  MAX_ROI_COORDINATE,
  MAX_ROI_SAMPLES,
  type RoiOp,
  type RoiOutputSize,
  type RoiAlignOptions,
  type RoiPoolOptions,
  type PsRoiAlignOptions,
  type PsRoiPoolOptions,
  type RoiBoxes,
  type RoiSpec,
  type AlignBox,
  type PoolBox,
  type PoolBin,
} from './roi-spec';

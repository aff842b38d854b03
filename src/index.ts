export { createPoolEngine, PoolEngine, type MaxPoolResult } from './pool-engine';
export type { PoolEngineOptions } from './engine';
export { PoolTensor, type DType, type HostArray } from './tensor';
export { PoolError, type PoolErrorCode } from './errors';
export { dimsOf, shapeOf, relayout, layoutFor, layoutInfo, type Layout, type Dims, type SpatialRank } from './layout';
export {
  windowSpec,
  pooledSize,
  samePadding,
  avgDivisor,
  type WindowSpec,
  type WindowMode,
  type Padding,
  type MaxPoolOptions,
  type AvgPoolOptions,
  type LpPoolOptions,
} from './window-spec';
export * as reference from './reference/index';
export { pipelineKey, cachedPipelineCount } from './pipelines';

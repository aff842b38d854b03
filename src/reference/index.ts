// The CPU reference: the readable definition of every mode, used by the tests
// and shown beside the GPU in the demo.
export { hostTensor, type HostTensor } from './host-tensor';
export {
  maxPool,
  maxPoolBackward,
  avgPool,
  avgPoolBackward,
  lpPool,
  lpPoolBackward,
  softPool,
  softPoolBackward,
  mixedPool,
  mixedPoolBackward,
  stochasticPoolEval,
  stochasticPoolEvalBackward,
  stochasticPool,
  stochasticPoolBackward,
} from './window';
export {
  globalAvgPool,
  globalAvgPoolBackward,
  globalMaxPool,
  globalMaxPoolBackward,
  adaptiveAvgPool,
  adaptiveAvgPoolBackward,
  adaptiveMaxPool,
  adaptiveMaxPoolBackward,
  spatialPyramidPool,
  spatialPyramidPoolBackward,
  stripPool,
  stripPoolBackward,
  stripPoolExpand,
  stripPoolExpandBackward,
  gemPool,
  gemPoolBackward,
} from './binned';
export { maxUnpool, maxUnpoolBackward } from './unpool';
export { fractionalMaxPool, fractionalMaxPoolBackward } from './fractional';
export { roiAlign, roiAlignBackward, roiPool, roiPoolBackward, psRoiAlign, psRoiAlignBackward, psRoiPool, psRoiPoolBackward } from './roi';
export { inFloat16 } from './half';

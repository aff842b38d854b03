import { layoutInfo } from '../layout';
import type { FloatTensor, PoolTensor } from '../tensor';

/** The `out` of a forward call with values and, for max, indices. */
export interface BinnedOut {
  output?: FloatTensor;
  indices?: PoolTensor<'int32'>;
}

/** The INDICES override where a max call writes none (absent otherwise, so pipelines keep their keys). */
export function indicesConstant(spec: { mode: string; indices: boolean }): { INDICES?: number } {
  return spec.mode === 'max' && !spec.indices ? { INDICES: 0 } : {};
}

/** CHANNELS_LAST override of a tensor's layout. */
export function channelsLast(x: FloatTensor): number {
  return layoutInfo(x.layout).channelsLast ? 1 : 0;
}

import { PoolError } from '../errors';
import { layoutInfo } from '../layout';
import type { PoolTensor } from '../tensor';

/**
 * Binding rule of the binned kernels: a buffer may not be read and written in
 * one dispatch, nor bound to two writable bindings, so unused writable bindings
 * get the engine's placeholders (one each) and unused read-only bindings get a
 * buffer the dispatch only reads.
 */

/** CHANNELS_LAST override of a tensor's layout. */
export function channelsLast(x: PoolTensor<'float32'>): number {
  return layoutInfo(x.layout).channelsLast ? 1 : 0;
}

/** Checks that `t` has exactly `shape` in `layout` (gradients, indices, strips). */
export function checkShape(
  t: PoolTensor<'float32'> | PoolTensor<'int32'>,
  param: string,
  shape: readonly number[],
  layout: string,
  what: string,
): void {
  if (t.layout !== layout || t.shape.length !== shape.length || t.shape.some((n, i) => n !== shape[i])) {
    throw new PoolError('SHAPE_MISMATCH', `${param}.shape`, t.shape, `must be ${what} [${shape.join(', ')}] in layout ${layout} (got layout ${t.layout})`);
  }
}

// What `engine.tensor` uploads: the host array and dtype the caller gave, as the
// bytes a tensor of that dtype stores.
import { PoolError } from './errors';
import { toHalfBits } from './half';
import type { DType } from './tensor';

/** Host data for `engine.tensor`: Float32Array (float32, or float16 rounded to nearest even), Int32Array (indices), Uint16Array (half bits) or Float16Array where the runtime has one. */
export type TensorData = Float32Array | Int32Array | Uint16Array | ArrayBufferView;

const hasFloat16Array = (data: unknown): boolean => {
  const F = (globalThis as { Float16Array?: abstract new () => unknown }).Float16Array;
  return F !== undefined && data instanceof F;
};

/** The dtype of the tensor `data` makes (`dtype` as the caller asked, if given) and the bytes it stores. */
export function storedData(data: TensorData, dtype: unknown): { dtype: DType; bytes: ArrayBufferView } {
  const half = hasFloat16Array(data);
  const kind = dtype ?? (data instanceof Int32Array ? 'int32' : half ? 'float16' : data instanceof Uint16Array ? undefined : 'float32');
  if (kind === undefined) {
    throw new PoolError('INVALID_OPTION', 'dtype', dtype, "must be 'float16' for a Uint16Array of half bits: { dtype: 'float16' }");
  }
  if (kind === 'float16') {
    if (data instanceof Float32Array) return { dtype: kind, bytes: toHalfBits(data) };
    if (data instanceof Uint16Array) return { dtype: kind, bytes: data };
    if (half) return { dtype: kind, bytes: new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) };
  }
  if (kind === 'float32' && data instanceof Float32Array) return { dtype: kind, bytes: data };
  if (kind === 'int32' && data instanceof Int32Array) return { dtype: kind, bytes: data };
  const given = (data as object).constructor.name;
  const fits: Record<string, string> = {
    float32: 'a Float32Array',
    float16: 'a Float32Array (rounded to half), a Uint16Array of half bits or a Float16Array',
    int32: 'an Int32Array',
  };
  if (typeof kind !== 'string' || !(kind in fits)) throw new PoolError('INVALID_OPTION', 'dtype', kind, "must be 'float32', 'float16' or 'int32'");
  throw new PoolError('INVALID_OPTION', 'data', given, `cannot make a ${kind} tensor; give ${fits[kind]}`);
}

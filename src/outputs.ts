// The `out` argument every op takes: tensors the caller gives for the results
// (views into its own buffers, say), checked before any GPU work.
import { PoolError } from './errors';
import type { GpuContext } from './engine';
import type { Layout } from './layout';
import { PoolTensor, type DType } from './tensor';

/** What one result of a call must be. */
export interface ResultSpec {
  shape: readonly number[];
  layout: Layout;
  dtype: DType;
}

const describe = (t: PoolTensor<DType>) => t.label || `${t.dtype}[${t.shape.join(', ')}]`;

function overlaps(a: PoolTensor<DType>, b: PoolTensor<DType>): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * Checks the caller's `out` for a call whose results are `want` (null: a result
 * this call does not make, such as max pooling's indices under `indices: false`)
 * and whose inputs are `inputs`. `out` is one tensor where the call has one
 * result, else an object of tensors by result name; any result may be left out.
 * Each given tensor must be live, of this engine, of the result's shape, layout
 * and dtype, and share no bytes with an input or another result.
 */
export function checkOut<K extends string>(
  ctx: GpuContext,
  out: unknown,
  want: Record<K, ResultSpec | null>,
  inputs: readonly PoolTensor<DType>[],
): Partial<Record<K, PoolTensor<DType>>> {
  if (out === undefined || out === null) return {};
  const names = Object.keys(want) as K[];
  const single = names.length === 1;
  let given: Partial<Record<K, unknown>>;
  if (single) {
    given = { [names[0]]: out } as Partial<Record<K, unknown>>;
  } else {
    if (typeof out !== 'object' || Array.isArray(out) || out instanceof PoolTensor) {
      throw new PoolError('INVALID_OPTION', 'out', out, `must be an object of result tensors (${names.join(', ')})`);
    }
    given = out as Partial<Record<K, unknown>>;
    for (const key of Object.keys(given)) {
      if (!names.includes(key as K) && given[key as K] !== undefined) {
        throw new PoolError('INVALID_OPTION', `out.${key}`, key, `is not a result of this call (results: ${names.join(', ')})`);
      }
    }
  }
  const checked: Partial<Record<K, PoolTensor<DType>>> = {};
  for (const name of names) {
    const t = given[name];
    if (t === undefined || t === null) continue;
    const param = single ? 'out' : `out.${name}`;
    const spec = want[name];
    if (spec === null) throw new PoolError('INVALID_OPTION', param, 'a tensor', 'is a result this call does not make (indices: false?)');
    const tensor = ctx.own(t, param, spec.dtype);
    if (tensor.layout !== spec.layout || tensor.shape.length !== spec.shape.length || tensor.shape.some((n, i) => n !== spec.shape[i])) {
      throw new PoolError('SHAPE_MISMATCH', `${param}.shape`, tensor.shape, `must be [${spec.shape.join(', ')}] in layout ${spec.layout} (got layout ${tensor.layout})`);
    }
    for (const input of inputs) {
      if (overlaps(tensor, input)) {
        throw new PoolError('OVERLAP', param, describe(tensor), `shares bytes with the input ${describe(input)}; write into a range of the buffer that no input of the call uses`);
      }
    }
    for (const other of Object.values(checked) as PoolTensor<DType>[]) {
      if (overlaps(tensor, other)) throw new PoolError('OVERLAP', param, describe(tensor), `shares bytes with another result (${describe(other)})`);
    }
    checked[name] = tensor;
  }
  return checked;
}

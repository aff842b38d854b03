// The checks every call makes, in one place: that an argument is a live tensor
// of this engine with the right dtype, that a tensor has the shape and layout a
// call expects (GPU and CPU reference alike), and that the tensors a caller gives
// for the results (`out`) fit and share no byte with the inputs.
import { PoolError } from './errors';
import type { Layout } from './layout';
import { isFloatDType, PoolTensor, type DType } from './tensor';

/** Anything with a shape written in a layout: a GPU tensor or a host tensor. */
export interface Shaped {
  shape: readonly number[];
  layout: Layout;
}

/** A wrapped buffer the device refused (src/wrap.ts), with the error calls raise. */
export type BufferVerdict = { code: 'FOREIGN_BUFFER' | 'INVALID_BUFFER'; rule: string };

/**
 * Checks that `t` is a live tensor of `owner` with dtype `dtype` and, where it
 * views a caller's buffer, that the device did not refuse that buffer.
 */
export function checkTensor<D extends DType>(
  owner: object,
  t: unknown,
  param: string,
  dtype: D,
  refused?: (buffer: GPUBuffer) => BufferVerdict | undefined,
): PoolTensor<D> {
  if (!(t instanceof PoolTensor)) throw new PoolError('INVALID_OPTION', param, t, 'must be a tensor made by this engine');
  const name = `${t.dtype}[${t.shape.join(', ')}]`;
  if (t.owner !== owner) throw new PoolError('FOREIGN_TENSOR', param, name, 'belongs to another engine; upload it to this one');
  if (t.destroyed) throw new PoolError('DESTROYED_TENSOR', param, name, 'was destroyed and cannot be used again');
  if (t.dtype !== dtype) {
    // One call takes one float dtype: its input's.
    const mixed = isFloatDType(t.dtype) && isFloatDType(dtype);
    const rule = mixed
      ? `must be ${dtype}, the dtype of the call's input: a call does not mix float32 and float16 tensors`
      : `must be a tensor of dtype ${dtype}`;
    throw new PoolError('INVALID_OPTION', param, t.dtype, rule);
  }
  const verdict = t.wrapped ? refused?.(t.buffer) : undefined;
  if (verdict) throw new PoolError(verdict.code, param, t.label || name, verdict.rule);
  return t as PoolTensor<D>;
}

export function sameShape(t: Shaped, shape: readonly number[], layout: Layout): boolean {
  return t.layout === layout && t.shape.length === shape.length && t.shape.every((n, i) => n === shape[i]);
}

/** Checks that `t` has exactly `shape` in `layout`; `what` names the shape in the message ("the forward output's shape"). */
export function checkShape(t: Shaped, param: string, shape: readonly number[], layout: Layout, what: string): void {
  if (!sameShape(t, shape, layout)) {
    throw new PoolError('SHAPE_MISMATCH', `${param}.shape`, t.shape, `must be ${what} [${shape.join(', ')}] in layout ${layout} (got layout ${t.layout})`);
  }
}

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
 * Each given tensor must pass `own`, have the result's shape and layout, and
 * share no byte with an input or another result.
 */
export function checkOut<K extends string>(
  own: <D extends DType>(t: unknown, param: string, dtype: D) => PoolTensor<D>,
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
    const tensor = own(t, param, spec.dtype);
    checkShape(tensor, param, spec.shape, spec.layout, "the result's shape");
    for (const input of inputs) {
      if (overlaps(tensor, input)) {
        throw new PoolError(
          'OVERLAP',
          param,
          describe(tensor),
          `shares bytes with the input ${describe(input)}; write into a range of the buffer that no input of the call uses`,
        );
      }
    }
    for (const other of Object.values(checked) as PoolTensor<DType>[]) {
      if (overlaps(tensor, other)) throw new PoolError('OVERLAP', param, describe(tensor), `shares bytes with another result (${describe(other)})`);
    }
    checked[name] = tensor;
  }
  return checked;
}

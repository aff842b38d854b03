// float16 semantics, defined on the CPU: an op on float16 tensors is the float32
// op on the inputs rounded to half, with each float result rounded to half once.
// The GPU matches it exactly where results are picked (max-style ops, unpooling,
// indices) and within one half ulp elsewhere (its float32 sums may round the other
// way at a tie). Region boxes are host coordinates: they are used as given.
import { roundToHalf } from '../half';
import type { HostTensor } from './host-tensor';

function isHostFloat(value: unknown): value is HostTensor {
  return typeof value === 'object' && value !== null && (value as HostTensor).data instanceof Float32Array && 'dims' in value;
}

function roundTensor<T>(value: T): T {
  return isHostFloat(value) ? ({ ...value, data: roundToHalf(value.data) } as T) : value;
}

/** A result's float tensors rounded to half (indices and other fields as they are). */
function roundResult<R>(result: R): R {
  if (isHostFloat(result)) return roundTensor(result);
  if (typeof result !== 'object' || result === null) return result;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) out[key] = roundTensor(value);
  return out as R;
}

/**
 * The float16 form of a reference op: `inFloat16(maxPool)(x, options)` rounds x
 * (and every other float tensor argument) to half, runs the op in float32, and
 * rounds its float results to half.
 */
export function inFloat16<A extends unknown[], R>(op: (...args: A) => R): (...args: A) => R {
  return (...args: A) =>
    roundResult(op(...(args.map((a) => (typeof a === 'object' && a !== null && 'rows' in a && 'cols' in a ? roundResult(a) : roundTensor(a))) as A)));
}

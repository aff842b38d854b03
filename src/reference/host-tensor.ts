import { checkTensorData, dimsOf, type Dims, type Layout } from '../layout';

/** A tensor in CPU memory, for the reference implementation: data in the layout's memory order. */
export interface HostTensor<A extends Float32Array | Int32Array = Float32Array> {
  data: A;
  shape: readonly number[];
  layout: Layout;
  dims: Dims;
}

/** Wraps data as a host tensor, validated exactly as an upload to the GPU is. */
export function hostTensor<A extends Float32Array | Int32Array>(data: A, shape: readonly number[], layout?: Layout): HostTensor<A> {
  const resolved = checkTensorData(data, shape, layout);
  return { data, shape: [...shape], layout: resolved, dims: dimsOf(shape, resolved) };
}

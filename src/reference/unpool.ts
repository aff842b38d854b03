// CPU reference of max unpooling: the readable definition.
import { PoolError } from '../errors';
import { layoutInfo, offsetOf, shapeOf, sizeOf } from '../layout';
import { unpoolSpec, type MaxUnpoolOptions } from '../unpool-spec';
import type { HostTensor } from './host-tensor';

function checkIndices(values: HostTensor, indices: HostTensor<Int32Array>): void {
  if (indices.layout !== values.layout || indices.shape.some((n, i) => n !== values.shape[i]) || indices.shape.length !== values.shape.length) {
    throw new PoolError('SHAPE_MISMATCH', 'indices.shape', indices.shape, `must be the values' shape [${values.shape.join(', ')}] in layout ${values.layout}`);
  }
}

/**
 * Max unpooling: an output of zeros with each value written at its index (the
 * flat position in its (n, c) spatial plane). Values are written in memory
 * order, so where two name the same index the later one stays (PyTorch's CPU);
 * an index outside the plane is skipped.
 */
export function maxUnpool(values: HostTensor, indices: HostTensor<Int32Array>, options: MaxUnpoolOptions): HostTensor {
  const spec = unpoolSpec(values.dims.spatial, options);
  checkIndices(values, indices);
  const cl = layoutInfo(values.layout).channelsLast;
  const dims = { ...values.dims, spatial: spec.outputSpatial };
  const out = new Float32Array(sizeOf(dims));
  const inPlane = spec.inputSpatial.reduce((a, b) => a * b, 1);
  const outPlane = spec.outputSpatial.reduce((a, b) => a * b, 1);
  for (let n = 0; n < dims.batch; n++)
    for (let c = 0; c < dims.channels; c++)
      for (let s = 0; s < inPlane; s++) {
        const at = offsetOf(values.dims, cl, n, c, s);
        const spot = indices.data[at];
        if (spot >= 0 && spot < outPlane) out[offsetOf(dims, cl, n, c, spot)] = values.data[at];
      }
  return { data: out, shape: shapeOf(dims, values.layout), layout: values.layout, dims };
}

/** Gradient of max unpooling with respect to the values: the output gradient at each index. */
export function maxUnpoolBackward(gradOutput: HostTensor, values: HostTensor, indices: HostTensor<Int32Array>, options: MaxUnpoolOptions): HostTensor {
  const spec = unpoolSpec(values.dims.spatial, options);
  checkIndices(values, indices);
  const cl = layoutInfo(values.layout).channelsLast;
  const dims = { ...values.dims, spatial: spec.outputSpatial };
  const want = shapeOf(dims, values.layout);
  if (gradOutput.shape.length !== want.length || gradOutput.shape.some((n, i) => n !== want[i])) {
    throw new PoolError('SHAPE_MISMATCH', 'gradOutput.shape', gradOutput.shape, `must be the unpooled shape [${want.join(', ')}]`);
  }
  const grad = new Float32Array(values.data.length);
  const inPlane = spec.inputSpatial.reduce((a, b) => a * b, 1);
  const outPlane = spec.outputSpatial.reduce((a, b) => a * b, 1);
  for (let n = 0; n < dims.batch; n++)
    for (let c = 0; c < dims.channels; c++)
      for (let s = 0; s < inPlane; s++) {
        const at = offsetOf(values.dims, cl, n, c, s);
        const spot = indices.data[at];
        grad[at] = spot >= 0 && spot < outPlane ? gradOutput.data[offsetOf(dims, cl, n, c, spot)] : 0;
      }
  return { ...values, data: grad };
}

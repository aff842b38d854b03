// CPU reference of max unpooling: the readable definition.
import { layoutInfo, offsetOf, planeIndex, shapeOf, sizeOf, unflatten } from '../layout';
import type { UnpoolSpec } from '../unpool-spec';
import { unpoolSpec, type MaxUnpoolOptions } from '../unpool-spec';
import type { HostTensor } from './host-tensor';
import { checkShape } from '../validate';

function checkIndices(values: HostTensor, indices: HostTensor<Int32Array>): void {
  checkShape(indices, 'indices', values.shape, values.layout, "the values' shape");
}

/** The output plane position an index of plane (n, c) names, or -1 for none (out of its grid or past the output's edge). */
function spotOf(spec: UnpoolSpec, index: number, n: number, c: number, channels: number): number {
  const indexPlane = spec.indexSpatial.reduce((a, b) => a * b, 1);
  const raw = index - (spec.flatIndices ? (n * channels + c) * indexPlane : 0);
  if (raw < 0 || raw >= indexPlane) return -1;
  const coords = unflatten(raw, spec.indexSpatial);
  return coords.every((v, i) => v < spec.outputSpatial[i]) ? planeIndex(coords, spec.outputSpatial) : -1;
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
        const spot = spotOf(spec, indices.data[at], n, c, dims.channels);
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
  checkShape(gradOutput, 'gradOutput', want, values.layout, 'the unpooled shape');
  const grad = new Float32Array(values.data.length);
  const inPlane = spec.inputSpatial.reduce((a, b) => a * b, 1);
  const outPlane = spec.outputSpatial.reduce((a, b) => a * b, 1);
  for (let n = 0; n < dims.batch; n++)
    for (let c = 0; c < dims.channels; c++)
      for (let s = 0; s < inPlane; s++) {
        const at = offsetOf(values.dims, cl, n, c, s);
        const spot = spotOf(spec, indices.data[at], n, c, dims.channels);
        grad[at] = spot >= 0 && spot < outPlane ? gradOutput.data[offsetOf(dims, cl, n, c, spot)] : 0;
      }
  return { ...values, data: grad };
}

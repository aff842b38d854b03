// CPU reference of fractional max pooling (Graham 2014) with PyTorch's windows.
import { PoolError } from '../errors';
import { layoutInfo, offsetOf, planeIndex, shapeOf, sizeOf, unflatten } from '../layout';
import { checkSamples, drawSamples, fractionalSpec, fractionalStarts, sampleSlot, type FractionalMaxPoolOptions } from '../fractional-spec';
import type { HostTensor } from './host-tensor';
import { checkShape } from '../validate';

/** The samples of a call: given, or drawn from `seed` (the reference has no counter of its own). */
function samplesOf(x: HostTensor, options: FractionalMaxPoolOptions, rank: number): Float32Array {
  const { batch, channels } = x.dims;
  if (options.samples !== undefined) return checkSamples(options.samples, batch, channels, rank);
  if (options.seed === undefined) throw new PoolError('INVALID_OPTION', 'samples', undefined, 'the CPU reference needs samples or a seed');
  return drawSamples(options.seed, batch, channels, rank);
}

/**
 * Fractional max pooling: output cell o's window along each dimension starts at
 * PyTorch's sequence (fractionalStarts) and spans the kernel; the maximum wins
 * as in max pooling (first maximum, a NaN takes over). Returns the samples used.
 */
export function fractionalMaxPool(
  x: HostTensor,
  options: FractionalMaxPoolOptions,
): { output: HostTensor; indices: HostTensor<Int32Array>; samples: Float32Array } {
  const spec = fractionalSpec(x.dims.spatial, options);
  const samples = samplesOf(x, options, spec.rank);
  const cl = layoutInfo(x.layout).channelsLast;
  const dims = { ...x.dims, spatial: spec.outputSpatial };
  const output: HostTensor = { data: new Float32Array(sizeOf(dims)), shape: shapeOf(dims, x.layout), layout: x.layout, dims };
  const indices: HostTensor<Int32Array> = { ...output, data: new Int32Array(output.data.length) };
  const outPlane = spec.outputSpatial.reduce((a, b) => a * b, 1);
  const cells = spec.kernel.reduce((a, b) => a * b, 1);
  for (let n = 0; n < dims.batch; n++)
    for (let c = 0; c < dims.channels; c++) {
      const starts = spec.inputSpatial.map((input, d) =>
        fractionalStarts(samples[(n * dims.channels + c) * spec.rank + sampleSlot(spec.rank, d)], input, spec.outputSpatial[d], spec.kernel[d]),
      );
      for (let s = 0; s < outPlane; s++) {
        const o = unflatten(s, spec.outputSpatial);
        let best = -Infinity;
        let bestIndex = planeIndex(
          o.map((v, d) => starts[d][v]),
          spec.inputSpatial,
        );
        for (let k = 0; k < cells; k++) {
          const tap = unflatten(k, spec.kernel).map((t, d) => starts[d][o[d]] + t);
          const at = planeIndex(tap, spec.inputSpatial);
          const v = x.data[offsetOf(x.dims, cl, n, c, at)];
          if (v > best || Number.isNaN(v)) {
            best = v;
            bestIndex = at;
          }
        }
        const out = offsetOf(dims, cl, n, c, s);
        output.data[out] = best;
        indices.data[out] = bestIndex;
      }
    }
  return { output, indices, samples };
}

/** Gradient of fractional max pooling: each output's gradient goes to the input its index names. */
export function fractionalMaxPoolBackward(
  gradOutput: HostTensor,
  x: HostTensor,
  indices: HostTensor<Int32Array>,
  options: FractionalMaxPoolOptions,
): HostTensor {
  const spec = fractionalSpec(x.dims.spatial, options);
  const cl = layoutInfo(x.layout).channelsLast;
  const dims = { ...x.dims, spatial: spec.outputSpatial };
  const want = shapeOf(dims, x.layout);
  for (const [name, t] of [
    ['gradOutput', gradOutput],
    ['indices', indices],
  ] as const)
    checkShape(t, name, want, x.layout, "the forward output's shape");
  const grad = new Float64Array(x.data.length);
  const outPlane = spec.outputSpatial.reduce((a, b) => a * b, 1);
  for (let n = 0; n < dims.batch; n++)
    for (let c = 0; c < dims.channels; c++)
      for (let s = 0; s < outPlane; s++) {
        const out = offsetOf(dims, cl, n, c, s);
        grad[offsetOf(x.dims, cl, n, c, indices.data[out])] += gradOutput.data[out];
      }
  return { ...x, data: Float32Array.from(grad) };
}

// A test-only pooling mode added the way docs/DESIGN.md's walkthrough says: one
// WGSL file (median_pool.wgsl, registered as a kernel), one op function that
// validates, allocates and dispatches through the engine's context, and one
// reference function. test/browser/median-mode.test.ts runs it on the GPU against
// the reference.
import type { GpuContext } from '../../../src/engine';
import { PoolError } from '../../../src/errors';
import { offsetOf, planeIndex, shapeOf, unflatten } from '../../../src/layout';
import { WINDOW_PARAMS, windowUniformValues } from '../../../src/ops/window-uniforms';
import type { HostTensor } from '../../../src/reference/host-tensor';
import { hostTensor } from '../../../src/reference/host-tensor';
import { registerKernel } from '../../../src/shaders';
import type { PoolTensor } from '../../../src/tensor';
import { packUniforms } from '../../../src/uniforms';
import { windowSpec, type WindowSpec } from '../../../src/window-spec';
import medianSource from './median_pool.wgsl?raw';

const MEDIAN_KERNEL = registerKernel('medianPool', medianSource);

export interface MedianPoolOptions {
  kernel: number | readonly number[];
  stride?: number | readonly number[];
}

/** The spec: window pooling's rules for kernel and stride (average's options, without padding). */
export function medianSpec(spatial: readonly number[], options: MedianPoolOptions): WindowSpec {
  const spec = windowSpec('avg', spatial, { kernel: options.kernel, stride: options.stride });
  if (spec.kernel.reduce((a, b) => a * b, 1) > 27)
    throw new PoolError('INVALID_KERNEL', 'kernel', options.kernel, 'must hold at most 27 taps for median pooling');
  return spec;
}

/** GPU forward: one invocation per output (channels-first only). */
export function medianPool(ctx: GpuContext, input: PoolTensor<'float32'>, options: MedianPoolOptions): PoolTensor<'float32'> {
  ctx.checkAlive();
  const x = ctx.own(input, 'input', 'float32');
  if (x.layout.endsWith('C')) throw new PoolError('INVALID_LAYOUT', 'input.layout', x.layout, 'must be channels-first for median pooling');
  const spec = medianSpec(x.dims.spatial, options);
  const shape = shapeOf({ ...x.dims, spatial: spec.outputSpatial }, x.layout);
  const output = ctx.empty(shape, x.layout, 'float32', 'medianPool.output');
  ctx.run({
    shader: MEDIAN_KERNEL,
    constants: {},
    uniforms: packUniforms(WINDOW_PARAMS, windowUniformValues(spec, x.dims, output.size)),
    bindings: { x, y: output },
    threads: output.size,
    label: 'medianPool.forward',
  });
  return output;
}

/** CPU reference: the lower median of each window, read straight from the definition. */
export function medianPoolReference(x: HostTensor, options: MedianPoolOptions): HostTensor {
  const spec = medianSpec(x.dims.spatial, options);
  const outDims = { ...x.dims, spatial: spec.outputSpatial };
  const out = new Float32Array(outDims.batch * outDims.channels * spec.outputSpatial.reduce((a, b) => a * b, 1));
  const inPlane = x.dims.spatial;
  const outPlane = spec.outputSpatial;
  const planeSize = outPlane.reduce((a, b) => a * b, 1);
  for (let n = 0; n < x.dims.batch; n++) {
    for (let c = 0; c < x.dims.channels; c++) {
      for (let o = 0; o < planeSize; o++) {
        const at = unflatten(o, outPlane);
        const values: number[] = [];
        for (let t = 0; t < spec.kernel.reduce((a, b) => a * b, 1); t++) {
          const k = unflatten(t, spec.kernel);
          const pos = at.map((v, i) => v * spec.stride[i] + k[i] * spec.dilation[i]);
          values.push(x.data[offsetOf(x.dims, false, n, c, planeIndex(pos, inPlane))]);
        }
        values.sort((a, b) => a - b);
        out[offsetOf(outDims, false, n, c, o)] = values[(values.length - 1) >> 1];
      }
    }
  }
  return hostTensor(out, shapeOf(outDims, x.layout), x.layout);
}

import { PoolError } from '../errors';
import type { GpuContext } from '../engine';
import { shapeOf } from '../layout';
import type { PoolTensor } from '../tensor';
import { packUniforms } from '../uniforms';
import { windowSpec, type WindowMode, type WindowSpec } from '../window-spec';
import { windowBackwardKernel, windowForwardKernel } from './window-kernels';
import { WINDOW_PARAMS, windowUniformValues } from './window-uniforms';

/** Validates a window call on a tensor of this engine and returns its spec. */
export function specFor(ctx: GpuContext, mode: WindowMode, input: unknown, options: unknown, param = 'input'): { x: PoolTensor<'float32'>; spec: WindowSpec } {
  ctx.checkAlive();
  const x = ctx.own(input, param, 'float32');
  return { x, spec: windowSpec(mode, x.dims.spatial, options) };
}

function outputShape(x: PoolTensor<'float32'>, spec: WindowSpec): number[] {
  return shapeOf({ ...x.dims, spatial: spec.outputSpatial }, x.layout);
}

/** Forward window pooling; max also returns indices (int32, PyTorch's per-plane convention). */
export function windowForward(
  ctx: GpuContext,
  x: PoolTensor<'float32'>,
  spec: WindowSpec,
  seed = 0,
): { output: PoolTensor<'float32'>; indices: PoolTensor<'int32'> | null } {
  const shape = outputShape(x, spec);
  ctx.checkFits('output', shape);
  const output = ctx.empty(shape, x.layout, 'float32', `${spec.mode}Pool.output`);
  const indices = spec.mode === 'max' || spec.mode === 'stochastic' ? ctx.empty(shape, x.layout, 'int32', `${spec.mode}Pool.indices`) : null;
  const kernel = windowForwardKernel(x.layout, x.dims, spec, ctx.parallelism);
  ctx.run({
    shader: kernel.shader,
    constants: kernel.constants,
    uniforms: packUniforms(WINDOW_PARAMS, windowUniformValues(spec, x.dims, kernel.threads, seed, kernel.rows)),
    buffers: [x.buffer, output.buffer, indices ? indices.buffer : ctx.placeholder()],
    threads: kernel.threads,
    label: `${spec.mode}Pool.forward`,
  });
  return { output, indices };
}

/** Checks that a gradient (or indices) tensor has the forward output's shape and layout. */
export function checkLikeOutput(t: PoolTensor<'float32'> | PoolTensor<'int32'>, param: string, x: PoolTensor<'float32'>, spec: WindowSpec): void {
  const want = outputShape(x, spec);
  if (t.layout !== x.layout || t.shape.length !== want.length || t.shape.some((n, i) => n !== want[i])) {
    throw new PoolError('SHAPE_MISMATCH', `${param}.shape`, t.shape, `must be the forward output's shape [${want.join(', ')}] in layout ${x.layout}`);
  }
}

/** Backward window pooling: the gradient with respect to the forward input, as a gather. */
export function windowBackward(
  ctx: GpuContext,
  gradOutput: PoolTensor<'float32'>,
  x: PoolTensor<'float32'>,
  spec: WindowSpec,
  indices: PoolTensor<'int32'> | null,
): PoolTensor<'float32'> {
  const gradInput = ctx.empty(x.shape, x.layout, 'float32', `${spec.mode}Pool.gradInput`);
  const kernel = windowBackwardKernel(x.layout, x.dims, spec, ctx.parallelism);
  const saved = indices ? indices.buffer : ctx.placeholder();
  ctx.run({
    shader: kernel.shader,
    constants: kernel.constants,
    uniforms: packUniforms(WINDOW_PARAMS, windowUniformValues(spec, x.dims, kernel.threads, 0, kernel.rows)),
    buffers: kernel.readsInput
      ? [gradOutput.buffer, saved, spec.mode === 'max' || spec.mode === 'avg' ? ctx.placeholder() : x.buffer, gradInput.buffer]
      : [gradOutput.buffer, saved, gradInput.buffer],
    threads: kernel.threads,
    label: `${spec.mode}Pool.backward`,
  });
  return gradInput;
}

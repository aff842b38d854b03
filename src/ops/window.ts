import type { GpuContext } from '../engine';
import { layoutInfo, shapeOf } from '../layout';
import { checkShape, type ResultSpec } from '../validate';
import type { FloatTensor, PoolTensor } from '../tensor';
import { packUniforms, to3 } from '../uniforms';
import { windowSpec, type WindowMode, type WindowSpec } from '../window-spec';
import { indicesConstant } from './binned-common';
import { scatterSpacing, windowBackwardKernel, windowForwardKernel } from './window-kernels';
import { WINDOW_PARAMS, windowUniformValues } from './window-uniforms';
import { checkIndexRange, convertIndices } from './index-convention';

/** Average with dilation: the kernels' divisor counts taps (DILATED_DIVISOR); set only then, so other pipelines stay as they were. */
function divisorConstant(spec: WindowSpec): { DILATED_DIVISOR?: number } {
  return spec.mode === 'avg' && spec.dilation.some((d) => d > 1) ? { DILATED_DIVISOR: 1 } : {};
}

/** Validates a window call on a tensor of this engine and returns its spec. */
export function specFor(ctx: GpuContext, mode: WindowMode, input: unknown, options: unknown, param = 'input'): { x: FloatTensor; spec: WindowSpec } {
  ctx.checkAlive();
  const x = ctx.ownFloat(input, param);
  return { x, spec: windowSpec(mode, x.dims.spatial, options) };
}

export function windowOutputShape(x: FloatTensor, spec: WindowSpec): number[] {
  return shapeOf({ ...x.dims, spatial: spec.outputSpatial }, x.layout);
}

/** The results of a window forward call: the output, and indices where the mode writes them. */
export function windowResults(x: FloatTensor, spec: WindowSpec): { output: ResultSpec; indices: ResultSpec | null } {
  const shape = windowOutputShape(x, spec);
  return { output: { shape, layout: x.layout, dtype: x.dtype }, indices: spec.indices ? { shape, layout: x.layout, dtype: 'int32' } : null };
}

/** Forward window pooling; max also returns indices (int32, PyTorch's per-plane convention) unless `spec.indices` is false. */
export function windowForward(
  ctx: GpuContext,
  x: FloatTensor,
  spec: WindowSpec,
  seed = 0,
  out: { output?: FloatTensor; indices?: PoolTensor<'int32'> } = {},
): { output: FloatTensor; indices: PoolTensor<'int32'> | null } {
  const shape = windowOutputShape(x, spec);
  if (!out.output) ctx.checkFits('output', shape);
  if (spec.indices) checkIndexRange(spec.indexConvention, x.dims);
  const output = ctx.output(out.output, shape, x.layout, x.dtype, `${spec.mode}Pool.output`);
  const indices = spec.indices ? ctx.output(out.indices, shape, x.layout, 'int32', `${spec.mode}Pool.indices`) : null;
  const kernel = windowForwardKernel(x.layout, x.dims, spec, ctx.parallelism);
  ctx.run({
    shader: kernel.shader,
    constants: { ...kernel.constants, ...indicesConstant(spec), ...divisorConstant(spec) },
    uniforms: packUniforms(WINDOW_PARAMS, windowUniformValues(spec, x.dims, kernel.threads, seed, kernel.rows, ctx.planeBase)),
    bindings: { x, y: output, indices },
    threads: kernel.threads,
    label: `${spec.mode}Pool.forward`,
  });
  if (indices) convertIndices(ctx, indices, spec.inputSpatial, spec.indexConvention);
  return { output, indices };
}

/** Checks that a gradient (or indices) tensor has the forward output's shape and layout. */
export function checkLikeOutput(t: FloatTensor | PoolTensor<'int32'>, param: string, x: FloatTensor, spec: WindowSpec): void {
  checkShape(t, param, windowOutputShape(x, spec), x.layout, "the forward output's shape");
}

/** Backward window pooling: the gradient with respect to the forward input, as a gather. */
export function windowBackward(
  ctx: GpuContext,
  gradOutput: FloatTensor,
  x: FloatTensor,
  spec: WindowSpec,
  indices: PoolTensor<'int32'> | null,
  out?: FloatTensor,
): FloatTensor {
  const gradInput = ctx.output(out, x.shape, x.layout, x.dtype, `${spec.mode}Pool.gradInput`);
  const kernel = windowBackwardKernel(x.layout, x.dims, spec, ctx.parallelism);
  // Other overlapping max windows: a scatter in passes. float32 only: a pass adds to single
  // elements, and two threads must never write the two halves of one float16 word.
  const spacing = indices && x.dtype === 'float32' && !kernel.shader.startsWith('windowBackwardCover') ? scatterSpacing(spec) : null;
  if (spacing) {
    scatterBackward(ctx, gradOutput, x, spec, indices!, gradInput, spacing);
    return gradInput;
  }
  ctx.run({
    shader: kernel.shader,
    constants: { ...kernel.constants, ...divisorConstant(spec) },
    uniforms: packUniforms(WINDOW_PARAMS, windowUniformValues(spec, x.dims, kernel.threads, 0, kernel.rows)),
    // The general kernel reads the forward's input in the modes whose gradient depends on it.
    bindings: {
      grad_out: gradOutput,
      saved_indices: indices,
      x: kernel.readsInput && spec.mode !== 'max' && spec.mode !== 'avg' ? x : null,
      grad_in: gradInput,
    },
    threads: kernel.threads,
    label: `${spec.mode}Pool.backward`,
  });
  return gradInput;
}

/** Max pooling's backward where windows overlap: clear, then one pass per class of outputs with disjoint windows (window_backward_scatter.wgsl). */
function scatterBackward(
  ctx: GpuContext,
  gradOutput: FloatTensor,
  x: FloatTensor,
  spec: WindowSpec,
  indices: PoolTensor<'int32'>,
  gradInput: FloatTensor,
  [M_D, M_H, M_W]: [number, number, number],
): void {
  const [od, oh, ow] = to3(spec.outputSpatial, 1);
  const perClass = (size: number, m: number, c: number) => Math.ceil(Math.max(0, size - c) / m);
  const channelsLast = layoutInfo(x.layout).channelsLast;
  const group = channelsLast && x.dims.channels % 4 === 0 ? 4 : 1;
  // One submission for all passes (joined to the caller's batch or encode if there is one).
  ctx.record(null, () => {
    let first = true;
    for (let C_D = 0; C_D < M_D; C_D++)
      for (let C_H = 0; C_H < M_H; C_H++)
        for (let C_W = 0; C_W < M_W; C_W++) {
          const threads = (x.dims.batch * x.dims.channels * perClass(od, M_D, C_D) * perClass(oh, M_H, C_H) * perClass(ow, M_W, C_W)) / group;
          if (threads === 0) continue;
          ctx.run({
            shader: 'windowBackwardScatter',
            constants: { CHANNELS_LAST: channelsLast ? 1 : 0, CHANNEL_GROUP: group, M_D, M_H, M_W, C_D, C_H, C_W },
            uniforms: packUniforms(WINDOW_PARAMS, windowUniformValues(spec, x.dims, threads, 0)),
            bindings: { grad_out: gradOutput, saved_indices: indices, grad_in: gradInput },
            threads,
            clear: first ? [gradInput] : undefined,
            label: `${spec.mode}Pool.backward.scatter`,
          });
          first = false;
        }
  });
}

import { PoolError } from '../errors';
import type { GpuContext } from '../engine';
import { layoutInfo, shapeOf, sizeOf } from '../layout';
import type { PoolTensor } from '../tensor';
import { packUniforms } from '../uniforms';
import { windowSpec, type WindowMode, type WindowSpec } from '../window-spec';
import { WINDOW_PARAMS, windowUniformValues } from './window-uniforms';

/** The WGSL MODE constant of each window mode (shaders/window_params.wgsl). */
const MODE_CONSTANT: Record<WindowMode, number> = { max: 0, avg: 1, lp: 2, soft: 3, mixed: 4, stochasticEval: 5, stochastic: 6 };

/** Validates a window call on a tensor of this engine and returns its spec. */
export function specFor(ctx: GpuContext, mode: WindowMode, input: unknown, options: unknown, param = 'input'): { x: PoolTensor<'float32'>; spec: WindowSpec } {
  ctx.checkAlive();
  const x = ctx.own(input, param, 'float32');
  return { x, spec: windowSpec(mode, x.dims.spatial, options) };
}

function constants(mode: WindowMode, x: PoolTensor<'float32'>) {
  return { MODE: MODE_CONSTANT[mode], CHANNELS_LAST: layoutInfo(x.layout).channelsLast ? 1 : 0 };
}

/** Channels-last max and average with whole groups of 4 channels run one thread per 4 channels, with vector loads; other modes run scalar. */
function usesVec4(x: PoolTensor<'float32'>, spec: WindowSpec): boolean {
  return layoutInfo(x.layout).channelsLast && x.dims.channels % 4 === 0 && (spec.mode === 'max' || spec.mode === 'avg');
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
  const total = sizeOf({ ...x.dims, spatial: spec.outputSpatial });
  const output = ctx.empty(shape, x.layout, 'float32', `${spec.mode}Pool.output`);
  const indices = spec.mode === 'max' || spec.mode === 'stochastic' ? ctx.empty(shape, x.layout, 'int32', `${spec.mode}Pool.indices`) : null;
  const vec4 = usesVec4(x, spec);
  const threads = vec4 ? total / 4 : total;
  ctx.run({
    shader: vec4 ? 'windowForwardVec4' : 'windowForward',
    constants: constants(spec.mode, x),
    uniforms: packUniforms(WINDOW_PARAMS, windowUniformValues(spec, x.dims, threads, seed)),
    buffers: [x.buffer, output.buffer, indices ? indices.buffer : ctx.placeholder()],
    threads,
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
  const vec4 = usesVec4(x, spec);
  const threads = vec4 ? x.size / 4 : x.size;
  const saved = indices ? indices.buffer : ctx.placeholder();
  ctx.run({
    shader: vec4 ? 'windowBackwardVec4' : 'windowBackward',
    constants: constants(spec.mode, x),
    uniforms: packUniforms(WINDOW_PARAMS, windowUniformValues(spec, x.dims, threads)),
    buffers: vec4
      ? [gradOutput.buffer, saved, gradInput.buffer]
      : [gradOutput.buffer, saved, spec.mode === 'max' || spec.mode === 'avg' ? ctx.placeholder() : x.buffer, gradInput.buffer],
    threads,
    label: `${spec.mode}Pool.backward`,
  });
  return gradInput;
}

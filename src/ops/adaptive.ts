// Adaptive avg / max pooling and spatial pyramid pooling on the GPU, forward
// and backward. Both run through the adaptive kernels; spatial pyramid pooling
// sets PYRAMID and reads its level sizes from a small storage buffer.
import type { GpuContext } from '../engine';
import { shapeOf, sizeOf, type Dims } from '../layout';
import { evenBinKernel, type AdaptiveSpec, type PyramidSpec } from '../binned-spec';
import { windowSpec } from '../window-spec';
import { windowBackward, windowForward } from './window';
import type { FloatTensor, PoolTensor } from '../tensor';
import { packUniforms } from '../uniforms';
import { BINNED_MODE, BINNED_PARAMS, binnedUniformValues } from './binned-uniforms';
import { channelsLast, indicesConstant, type BinnedOut } from './binned-common';

function opName(spec: AdaptiveSpec): string {
  return spec.mode === 'avg' ? 'adaptiveAvgPool' : 'adaptiveMaxPool';
}

export function adaptiveShape(x: FloatTensor, spec: AdaptiveSpec): number[] {
  return shapeOf({ ...x.dims, spatial: spec.outputSpatial }, x.layout);
}

/** Window pooling with kernel = stride = k where the bins tile the input evenly (evenBinKernel). */
function asWindow(spec: AdaptiveSpec) {
  const kernel = evenBinKernel(spec);
  if (!kernel) return null;
  return windowSpec(spec.mode, spec.inputSpatial, spec.mode === 'max' ? { kernel, indices: spec.indices } : { kernel });
}

/**
 * Adaptive pooling: as window pooling where the bins tile the input evenly, else
 * one invocation per output element (1 × … × 1 outputs go to the reductions instead).
 */
export function adaptiveForward(
  ctx: GpuContext,
  x: FloatTensor,
  spec: AdaptiveSpec,
  out: BinnedOut = {},
): { output: FloatTensor; indices: PoolTensor<'int32'> | null } {
  const window = asWindow(spec);
  if (window) return windowForward(ctx, x, window, 0, out);
  const shape = adaptiveShape(x, spec);
  const total = sizeOf({ ...x.dims, spatial: spec.outputSpatial });
  const output = ctx.output(out.output, shape, x.layout, x.dtype, `${opName(spec)}.output`);
  const indices = spec.indices ? ctx.output(out.indices, shape, x.layout, 'int32', `${opName(spec)}.indices`) : null;
  ctx.run({
    shader: 'adaptiveForward',
    constants: { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x), PYRAMID: 0, ...indicesConstant(spec) },
    uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, total, { outputSpatial: spec.outputSpatial })),
    bindings: { x, y: output, indices },
    threads: total,
    label: `${opName(spec)}.forward`,
  });
  return { output, indices };
}

/** Backward adaptive pooling: window pooling's where bins tile evenly, else one invocation per input element gathers from the bins that contain it. */
export function adaptiveBackward(
  ctx: GpuContext,
  gradOutput: FloatTensor,
  x: FloatTensor,
  spec: AdaptiveSpec,
  indices: PoolTensor<'int32'> | null,
  out?: FloatTensor,
): FloatTensor {
  const window = asWindow(spec);
  if (window) return windowBackward(ctx, gradOutput, x, window, indices, out);
  const gradInput = ctx.output(out, x.shape, x.layout, x.dtype, `${opName(spec)}.gradInput`);
  ctx.run({
    shader: 'adaptiveBackward',
    constants: { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x), PYRAMID: 0 },
    uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, x.size, { outputSpatial: spec.outputSpatial })),
    bindings: { grad_out: gradOutput, saved_indices: indices, grad_in: gradInput },
    threads: x.size,
    label: `${opName(spec)}.backward`,
  });
  return gradInput;
}

/** Spatial pyramid pooling's output shape: [N, C · Σ l²], flat features. */
export function pyramidShape(x: FloatTensor, spec: PyramidSpec): number[] {
  return [x.dims.batch, x.dims.channels * spec.cells];
}

function pyramidValues(x: FloatTensor, spec: PyramidSpec, total: number): Record<string, number> {
  return binnedUniformValues(x.dims, total, { numLevels: spec.levels.length, features: x.dims.channels * spec.cells });
}

/** Runs `fn` with the level sizes in a storage buffer (made once per engine and levels). */
function withLevels<T>(ctx: GpuContext, spec: PyramidSpec, fn: (levels: GPUBuffer) => T): T {
  return fn(ctx.constantBuffer(Uint32Array.from(spec.levels)));
}

/**
 * The levels of a max pyramid, ascending, where they form a chain (each divides the
 * next; distinct; 2 to 4 of them), else null: each coarser bin is then the union of
 * k × k finest bins, and adaptive_pyramid_channels.wgsl (CHAIN) derives it from them
 * instead of reading the input again. Average pooling reads every level: overlapping
 * fine bins would count shared rows twice.
 */
export function pyramidChain(spec: PyramidSpec): number[] | null {
  const sorted = [...spec.levels].sort((a, b) => a - b);
  if (spec.mode !== 'max' || sorted.length < 2 || sorted.length > 4) return null;
  return sorted.every((l, q) => q === 0 || (l > sorted[q - 1] && l % sorted[q - 1] === 0)) ? sorted : null;
}

/**
 * Invocations of the channels kernel (one per item and 4 channels) per thread a device
 * keeps in flight, at least, for it to run: it trades threads for loops over whole
 * planes, which a software adapter (256 threads a core) rewards for any but the smallest
 * inputs, and a GPU (131,072) only once N·C reaches 8192.
 */
const PYRAMID_CHANNELS_FILL = 1 / 64;

/**
 * The kernel of a spatial pyramid forward on `dims`, on a device that keeps
 * `parallelism` threads in flight: 'channels' (adaptive_pyramid_channels.wgsl, one
 * pass over the input, one invocation per item and 4 channels) where its N·⌈C/4⌉
 * invocations are enough, else 'features' (adaptive_forward.wgsl with PYRAMID, one
 * invocation per output feature: the threads a GPU wants for a small batch, each
 * level's re-reads of a plane served by its cache).
 */
export function pyramidKernel(dims: Dims, parallelism: number): 'channels' | 'features' {
  return dims.batch * Math.ceil(dims.channels / 4) >= parallelism * PYRAMID_CHANNELS_FILL ? 'channels' : 'features';
}

/** Spatial pyramid pooling: by the kernel pyramidKernel picks. */
export function pyramidForward(
  ctx: GpuContext,
  x: FloatTensor,
  spec: PyramidSpec,
  out: BinnedOut = {},
): { output: FloatTensor; indices: PoolTensor<'int32'> | null } {
  const shape = pyramidShape(x, spec);
  const total = shape[0] * shape[1];
  const output = ctx.output(out.output, shape, 'NC', x.dtype, 'spatialPyramidPool.output');
  const indices = spec.indices ? ctx.output(out.indices, shape, 'NC', 'int32', 'spatialPyramidPool.indices') : null;
  const common = { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x), ...indicesConstant(spec) };
  if (pyramidKernel(x.dims, ctx.parallelism) === 'channels') {
    const groups = x.dims.batch * Math.ceil(x.dims.channels / 4);
    const vec4Channels = channelsLast(x) && x.dims.channels % 4 === 0;
    const chain = pyramidChain(spec);
    ctx.run({
      shader: 'pyramidChannels',
      constants: { ...common, VEC4_CHANNELS: vec4Channels ? 1 : 0, CHAIN: chain ? 1 : 0 },
      uniforms: packUniforms(BINNED_PARAMS, pyramidValues(x, spec, groups)),
      // The input as vec4s of channels or as scalars; the chain's sizes after the levels.
      bindings: {
        x: vec4Channels ? x : null,
        x1: vec4Channels ? null : x,
        y: output,
        indices,
        levels: ctx.constantBuffer(Uint32Array.from([...spec.levels, ...(chain ?? [])])),
      },
      threads: groups,
      label: 'spatialPyramidPool.forward',
    });
  } else {
    withLevels(ctx, spec, (levels) =>
      ctx.run({
        shader: 'adaptiveForward',
        constants: { ...common, PYRAMID: 1 },
        uniforms: packUniforms(BINNED_PARAMS, pyramidValues(x, spec, total)),
        bindings: { x, y: output, indices, levels },
        threads: total,
        label: 'spatialPyramidPool.forward',
      }),
    );
  }
  return { output, indices };
}

/** Backward spatial pyramid pooling in one launch: each input element gathers from every level. */
export function pyramidBackward(
  ctx: GpuContext,
  gradOutput: FloatTensor,
  x: FloatTensor,
  spec: PyramidSpec,
  indices: PoolTensor<'int32'> | null,
  out?: FloatTensor,
): FloatTensor {
  const gradInput = ctx.output(out, x.shape, x.layout, x.dtype, 'spatialPyramidPool.gradInput');
  withLevels(ctx, spec, (levels) =>
    ctx.run({
      shader: 'adaptiveBackward',
      constants: { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x), PYRAMID: 1 },
      uniforms: packUniforms(BINNED_PARAMS, pyramidValues(x, spec, x.size)),
      bindings: { grad_out: gradOutput, saved_indices: indices, levels, grad_in: gradInput },
      threads: x.size,
      label: 'spatialPyramidPool.backward',
    }),
  );
  return gradInput;
}

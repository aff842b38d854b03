// Adaptive avg / max pooling and spatial pyramid pooling on the GPU, forward
// and backward. Both run through the adaptive kernels; spatial pyramid pooling
// sets PYRAMID and reads its level sizes from a small storage buffer.
import type { GpuContext } from '../engine';
import { shapeOf, sizeOf } from '../layout';
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
 * The finest level of a max pyramid whose every level divides it (so each coarse bin is
 * a union of its bins: adaptive_pyramid_combine.wgsl), else null. Average pooling keeps
 * the one-launch kernel: overlapping fine bins would count shared rows twice.
 */
export function pyramidFinest(spec: PyramidSpec): number | null {
  const finest = Math.max(...spec.levels);
  if (spec.mode !== 'max' || spec.levels.length < 2 || finest < 2) return null;
  return spec.levels.every((l) => finest % l === 0) ? finest : null;
}

/**
 * Spatial pyramid pooling. Max pyramids whose levels divide the finest read the input
 * once: the finest level's adaptive max pooling, then the coarse levels combined from
 * it. Others in one launch, one invocation per output feature, each reading its bin.
 */
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
  const finest = pyramidFinest(spec);
  if (finest !== null) {
    // One submission for both launches (joined to the caller's batch or encode if there is one).
    ctx.record(null, () => pyramidFromFinest(ctx, x, spec, finest, output, indices));
    return { output, indices };
  }
  withLevels(ctx, spec, (levels) =>
    ctx.run({
      shader: 'adaptiveForward',
      constants: { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x), PYRAMID: 1, ...indicesConstant(spec) },
      uniforms: packUniforms(BINNED_PARAMS, pyramidValues(x, spec, total)),
      bindings: { x, y: output, indices, levels },
      threads: total,
      label: 'spatialPyramidPool.forward',
    }),
  );
  return { output, indices };
}

/** A max pyramid from its finest level (pyramidFinest): that level's adaptive max pooling, then the combine. */
function pyramidFromFinest(ctx: GpuContext, x: FloatTensor, spec: PyramidSpec, finest: number, output: FloatTensor, indices: PoolTensor<'int32'> | null): void {
  const total = output.size;
  // The finest level's maxima are input values: exact in the input's dtype.
  const fine = adaptiveForward(ctx, x, {
    mode: 'max',
    rank: 2,
    inputSpatial: spec.inputSpatial,
    outputSpatial: [finest, finest],
    global: false,
    indices: true,
  });
  withLevels(ctx, spec, (levels) =>
    ctx.run({
      shader: 'pyramidCombine',
      constants: { CHANNELS_LAST: channelsLast(x), ...indicesConstant(spec) },
      uniforms: packUniforms(
        BINNED_PARAMS,
        binnedUniformValues(x.dims, total, { outputSpatial: [finest, finest], numLevels: spec.levels.length, features: x.dims.channels * spec.cells }),
      ),
      bindings: { fine: fine.output, fine_indices: fine.indices, y: output, indices, levels },
      threads: total,
      label: 'spatialPyramidPool.combine',
    }),
  );
  fine.output.destroy();
  fine.indices?.destroy();
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

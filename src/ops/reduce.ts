// Whole-map reductions on the GPU: global avg / max pooling (and adaptive
// pooling to 1 × … × 1) and GeM pooling, forward and backward. The forward
// passes reduce by rows (reduce-rows.ts); GeM's backward statistics and the sum
// of its dL/dp terms run one workgroup per row (reduce_forward.wgsl).
import type { GpuContext } from '../engine';
import { shapeOf } from '../layout';
import type { AdaptiveSpec, GemSpec } from '../binned-spec';
import type { PoolTensor } from '../tensor';
import { packUniforms } from '../uniforms';
import { BINNED_MODE, BINNED_PARAMS, binnedUniformValues } from './binned-uniforms';
import { channelsLast } from './binned-common';
import { reduceRows, reducesByRows } from './reduce-rows';

/**
 * Invocations per reduction workgroup (REDUCE_SIZE in reduce_forward.wgsl): 256,
 * 64 for maps of at most 4096 elements and 16 for maps of at most 64 (a 7 × 7
 * head), where a larger group would mostly idle and pay for its barriers (the
 * benchmark showed 5× on a software adapter at 1×256×56×56).
 */
export function reduceSize(plane: number): 16 | 64 | 256 {
  return plane <= 64 ? 16 : plane <= 4096 ? 64 : 256;
}

/** The reduction kernel and its constants: the subgroup variant where the engine uses subgroups. */
function reduceKernel(ctx: GpuContext, mode: number, channelsLast: number, plane: number) {
  return {
    shader: ctx.subgroups ? ('reduceForwardSubgroups' as const) : ('reduceForward' as const),
    constants: { MODE: mode, CHANNELS_LAST: channelsLast, REDUCE_SIZE: reduceSize(plane) },
  };
}

function planeOf(x: PoolTensor<'float32'>): number {
  return x.dims.spatial.reduce((a, b) => a * b, 1);
}

function opName(spec: AdaptiveSpec): string {
  return spec.mode === 'avg' ? 'globalAvgPool' : 'globalMaxPool';
}

/** The output shape of a whole-map reduction: every spatial size 1, in the input's layout. */
export function reducedShape(x: PoolTensor<'float32'>): number[] {
  return shapeOf({ ...x.dims, spatial: x.dims.spatial.map(() => 1) }, x.layout);
}

/** Global avg or max pooling (spec.global): passes of one thread per chunk of a row (reduce-rows.ts), read in place. */
export function reduceForward(
  ctx: GpuContext,
  x: PoolTensor<'float32'>,
  spec: AdaptiveSpec,
): { output: PoolTensor<'float32'>; indices: PoolTensor<'int32'> | null } {
  const rows = x.dims.batch * x.dims.channels;
  const shape = reducedShape(x);
  const output = ctx.empty(shape, x.layout, 'float32', `${opName(spec)}.output`);
  const indices = spec.mode === 'max' ? ctx.empty(shape, x.layout, 'int32', 'globalMaxPool.indices') : null;
  if (reducesByRows(x)) {
    reduceRows(ctx, x, BINNED_MODE[spec.mode], output.buffer, indices ? indices.buffer : null, {}, `${opName(spec)}.forward`);
    return { output, indices };
  }
  ctx.run({
    ...reduceKernel(ctx, BINNED_MODE[spec.mode], channelsLast(x), planeOf(x)),
    uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, rows)),
    buffers: [x.buffer, output.buffer, indices ? indices.buffer : ctx.placeholder(), x.buffer, ctx.secondPlaceholder()],
    threads: rows * reduceSize(planeOf(x)),
    workgroups: rows,
    label: `${opName(spec)}.forward`,
  });
  return { output, indices };
}

/** Backward of global avg / max pooling: one invocation per input element. */
export function reduceBackward(
  ctx: GpuContext,
  gradOutput: PoolTensor<'float32'>,
  x: PoolTensor<'float32'>,
  spec: AdaptiveSpec,
  indices: PoolTensor<'int32'> | null,
): PoolTensor<'float32'> {
  const gradInput = ctx.empty(x.shape, x.layout, 'float32', `${opName(spec)}.gradInput`);
  // Vector stores: channels-last with whole vec4s of channels, channels-first with
  // maps of at least 4 elements (a vec4 then crosses at most one row's end).
  const vec4 = channelsLast(x) ? x.dims.channels % 4 === 0 : planeOf(x) >= 4;
  const whole = [gradOutput, gradInput, ...(indices ? [indices] : [])].every((t) => t.buffer.size >= Math.ceil(t.size / 4) * 16);
  if (vec4 && whole) {
    ctx.run({
      shader: 'reduceBackwardVec4',
      constants: { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x) },
      uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, Math.ceil(x.size / 4))),
      buffers: [gradOutput.buffer, indices ? indices.buffer : gradOutput.buffer, gradInput.buffer],
      threads: Math.ceil(x.size / 4),
      label: `${opName(spec)}.backward`,
    });
    return gradInput;
  }
  ctx.run({
    shader: 'reduceBackward',
    constants: { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x) },
    uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, x.size)),
    buffers: [gradOutput.buffer, ctx.placeholder(), indices ? indices.buffer : ctx.placeholder(), ctx.placeholder(), gradInput.buffer],
    threads: x.size,
    label: `${opName(spec)}.backward`,
  });
  return gradInput;
}

/** GeM forward: (mean(clamp(x, eps)^p))^(1/p) per (n, c), one workgroup per row. */
export function gemForward(ctx: GpuContext, x: PoolTensor<'float32'>, spec: GemSpec): PoolTensor<'float32'> {
  const rows = x.dims.batch * x.dims.channels;
  const output = ctx.empty(reducedShape(x), x.layout, 'float32', 'gemPool.output');
  if (reducesByRows(x)) {
    reduceRows(ctx, x, BINNED_MODE.gem, output.buffer, null, { p: spec.p, eps: spec.eps }, 'gemPool.forward');
    return output;
  }
  ctx.run({
    ...reduceKernel(ctx, BINNED_MODE.gem, channelsLast(x), planeOf(x)),
    uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, rows, { p: spec.p, eps: spec.eps })),
    buffers: [x.buffer, output.buffer, ctx.placeholder(), x.buffer, ctx.secondPlaceholder()],
    threads: rows * reduceSize(planeOf(x)),
    workgroups: rows,
    label: 'gemPool.forward',
  });
  return output;
}

/**
 * GeM backward, three launches: the per-row statistics (m = mean(clamp(x)^p) and
 * each row's term of dL/dp), the gradient with respect to x per element, and the
 * sum of the rows' terms into dL/dp (a [1, 1] 'NC' tensor). Scratch buffers are
 * released once the work is submitted.
 */
export function gemBackward(
  ctx: GpuContext,
  gradOutput: PoolTensor<'float32'>,
  x: PoolTensor<'float32'>,
  spec: GemSpec,
): { gradInput: PoolTensor<'float32'>; gradP: PoolTensor<'float32'> } {
  const rows = x.dims.batch * x.dims.channels;
  const extra = { p: spec.p, eps: spec.eps };
  const gradInput = ctx.empty(x.shape, x.layout, 'float32', 'gemPool.gradInput');
  const gradP = ctx.empty([1, 1], 'NC', 'float32', 'gemPool.gradP');
  const rowMean = ctx.createBuffer(rows * 4, 'gemPool.rowMean');
  const terms = ctx.createBuffer(rows * 4, 'gemPool.gradPTerms');
  try {
    ctx.run({
      ...reduceKernel(ctx, BINNED_MODE.gemStats, channelsLast(x), planeOf(x)),
      uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, rows, extra)),
      buffers: [x.buffer, rowMean, ctx.placeholder(), gradOutput.buffer, terms],
      threads: rows * reduceSize(planeOf(x)),
      workgroups: rows,
      label: 'gemPool.backwardStats',
    });
    ctx.run({
      shader: 'reduceBackward',
      constants: { MODE: BINNED_MODE.gem, CHANNELS_LAST: channelsLast(x) },
      uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, x.size, extra)),
      buffers: [gradOutput.buffer, x.buffer, ctx.placeholder(), rowMean, gradInput.buffer],
      threads: x.size,
      label: 'gemPool.backward',
    });
    // The rows' terms as one channels-first row of length N·C.
    const termDims = { batch: 1, channels: 1, spatial: [rows] };
    ctx.run({
      ...reduceKernel(ctx, BINNED_MODE.sum, 0, rows),
      uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(termDims, 1)),
      buffers: [terms, gradP.buffer, ctx.placeholder(), terms, ctx.secondPlaceholder()],
      threads: reduceSize(rows),
      workgroups: 1,
      label: 'gemPool.gradP',
    });
  } finally {
    ctx.releaseBuffer(rowMean);
    ctx.releaseBuffer(terms);
  }
  return { gradInput, gradP };
}

// Whole-map reductions on the GPU: global avg / max pooling (and adaptive
// pooling to 1 × … × 1) and GeM pooling, forward and backward. The forward
// passes reduce by rows (reduce-rows.ts); GeM's backward statistics and the sum
// of its dL/dp terms run one workgroup per row (reduce_forward.wgsl).
import type { GpuContext } from '../engine';
import { shapeOf, type Dims } from '../layout';
import type { AdaptiveSpec, GemSpec } from '../binned-spec';
import type { FloatTensor, PoolTensor } from '../tensor';
import { packUniforms } from '../uniforms';
import { BINNED_MODE, BINNED_PARAMS, binnedUniformValues } from './binned-uniforms';
import { channelsLast, type BinnedOut } from './binned-common';
import { reduceRows } from './reduce-rows';

/**
 * Invocations per workgroup of GeM's backward statistics (REDUCE_SIZE in
 * gem_stats.wgsl): 256, 64 for maps of at most 4096 elements and 16 for maps of
 * at most 64 (a 7 × 7 head), where a larger group would mostly idle and pay for
 * its barriers.
 */
export function reduceSize(plane: number): 16 | 64 | 256 {
  return plane <= 64 ? 16 : plane <= 4096 ? 64 : 256;
}

function planeOf(x: FloatTensor): number {
  return x.dims.spatial.reduce((a, b) => a * b, 1);
}

function opName(spec: AdaptiveSpec): string {
  return spec.mode === 'avg' ? 'globalAvgPool' : 'globalMaxPool';
}

/** The output shape of a whole-map reduction: every spatial size 1, in the input's layout. */
export function reducedShape(x: FloatTensor): number[] {
  return shapeOf({ ...x.dims, spatial: x.dims.spatial.map(() => 1) }, x.layout);
}

/** Global avg or max pooling (spec.global): passes of one thread per chunk of a row (reduce-rows.ts), read in place. */
export function reduceForward(
  ctx: GpuContext,
  x: FloatTensor,
  spec: AdaptiveSpec,
  out: BinnedOut = {},
): { output: FloatTensor; indices: PoolTensor<'int32'> | null } {
  const shape = reducedShape(x);
  const output = ctx.output(out.output, shape, x.layout, x.dtype, `${opName(spec)}.output`);
  const indices = spec.indices ? ctx.output(out.indices, shape, x.layout, 'int32', 'globalMaxPool.indices') : null;
  reduceRows(ctx, x, BINNED_MODE[spec.mode], output, indices, {}, `${opName(spec)}.forward`);
  return { output, indices };
}

/**
 * Steps per thread of the walking backward of global avg / max
 * (reduce_backward_vec4.wgsl), 4 elements a step: as many as keep `parallelism`
 * threads, at least 1; null where the layout has no whole vec4s to store
 * (channels-last with channels not a multiple of 4, channels-first maps under 4
 * elements), which run one invocation per element.
 */
export function reduceBackwardSteps(dims: Dims, channelsLast: boolean, parallelism: number): number | null {
  const plane = dims.spatial.reduce((a, b) => a * b, 1);
  if (channelsLast ? dims.channels % 4 !== 0 : plane < 4) return null;
  const vec4s = Math.ceil((dims.batch * dims.channels * plane) / 4);
  return Math.max(1, Math.ceil(vec4s / parallelism));
}

/** Backward of global avg / max pooling: walking threads of vector stores where the layout allows (reduceBackwardSteps), else one invocation per element. */
export function reduceBackward(
  ctx: GpuContext,
  gradOutput: FloatTensor,
  x: FloatTensor,
  spec: AdaptiveSpec,
  indices: PoolTensor<'int32'> | null,
  out?: FloatTensor,
): FloatTensor {
  const gradInput = ctx.output(out, x.shape, x.layout, x.dtype, `${opName(spec)}.gradInput`);
  // Vector stores: channels-last with whole vec4s of channels, channels-first with
  // maps of at least 4 elements (a vec4 then crosses at most one row's end).
  const steps = reduceBackwardSteps(x.dims, channelsLast(x) === 1, ctx.parallelism);
  if (steps !== null) {
    const vec4s = Math.ceil(x.size / 4);
    ctx.run({
      shader: 'reduceBackwardVec4',
      constants: { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x) },
      uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, vec4s, { steps })),
      bindings: { grad_out: gradOutput, saved_indices: indices, grad_in: gradInput },
      threads: Math.ceil(vec4s / steps),
      label: `${opName(spec)}.backward`,
    });
    return gradInput;
  }
  ctx.run({
    shader: 'reduceBackward',
    constants: { MODE: BINNED_MODE[spec.mode], CHANNELS_LAST: channelsLast(x) },
    uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, x.size)),
    bindings: { grad_out: gradOutput, saved_indices: indices, grad_in: gradInput },
    threads: x.size,
    label: `${opName(spec)}.backward`,
  });
  return gradInput;
}

/** GeM forward: (mean(clamp(x, eps)^p))^(1/p) per (n, c), by rows (reduce-rows.ts). */
export function gemForward(ctx: GpuContext, x: FloatTensor, spec: GemSpec, out?: FloatTensor): FloatTensor {
  const output = ctx.output(out, reducedShape(x), x.layout, x.dtype, 'gemPool.output');
  reduceRows(ctx, x, BINNED_MODE.gem, output, null, { p: spec.p, eps: spec.eps }, 'gemPool.forward');
  return output;
}

/**
 * GeM backward: the per-row statistics (m = mean(clamp(x)^p) and
 * each row's term of dL/dp), the gradient with respect to x per element, and the
 * sum of the rows' terms into dL/dp (a [1, 1] 'NC' tensor). Scratch buffers are
 * released once the work is submitted.
 */
export function gemBackward(
  ctx: GpuContext,
  gradOutput: FloatTensor,
  x: FloatTensor,
  spec: GemSpec,
  out: { gradInput?: FloatTensor; gradP?: FloatTensor } = {},
): { gradInput: FloatTensor; gradP: FloatTensor } {
  const rows = x.dims.batch * x.dims.channels;
  const extra = { p: spec.p, eps: spec.eps };
  const gradInput = ctx.output(out.gradInput, x.shape, x.layout, x.dtype, 'gemPool.gradInput');
  const gradP = ctx.output(out.gradP, [1, 1], 'NC', x.dtype, 'gemPool.gradP');
  const rowMean = ctx.createBuffer(rows * 4, 'gemPool.rowMean');
  const terms = ctx.createBuffer(rows * 4, 'gemPool.gradPTerms');
  try {
    ctx.run({
      shader: ctx.subgroups ? 'gemStatsSubgroups' : 'gemStats',
      constants: { CHANNELS_LAST: channelsLast(x), REDUCE_SIZE: reduceSize(planeOf(x)) },
      uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, rows, extra)),
      bindings: { x, row_mean: rowMean, grad_out: gradOutput, grad_p_terms: terms },
      threads: rows * reduceSize(planeOf(x)),
      workgroups: rows,
      label: 'gemPool.backwardStats',
    });
    ctx.run({
      shader: 'reduceBackward',
      constants: { MODE: BINNED_MODE.gem, CHANNELS_LAST: channelsLast(x) },
      uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, x.size, extra)),
      bindings: { grad_out: gradOutput, x, row_mean: rowMean, grad_in: gradInput },
      threads: x.size,
      label: 'gemPool.backward',
    });
    // The sum of the rows' terms: one channels-first row of length N·C, by rows
    // (an average with divisor 1).
    const termDims = { batch: 1, channels: 1, spatial: [rows] };
    reduceRows(ctx, { buffer: terms, dims: termDims, channelsLast: false }, BINNED_MODE.avg, gradP, null, { divisor: 1 }, 'gemPool.gradP');
  } finally {
    ctx.releaseBuffer(rowMean);
    ctx.releaseBuffer(terms);
  }
  return { gradInput, gradP };
}

// Whole-map reductions (global avg / max pooling, GeM forward) as passes of one
// thread per chunk of a row (reduce_rows.wgsl, reduce_rows_vec4.wgsl): no
// barriers, no atomics, the same order on every run. A map of at most
// ROWS_MAX_PLANE elements takes one pass; a larger one is first split into
// chunks of ROWS_CHUNK whose partial results (sums, or max pooling's candidates)
// the next pass reduces as rows of their own.
import type { GpuContext } from '../engine';
import type { Dims } from '../layout';
import { layoutInfo } from '../layout';
import type { FloatTensor, PoolTensor } from '../tensor';
import { packUniforms } from '../uniforms';
import { BINNED_MODE, BINNED_PARAMS, binnedUniformValues } from './binned-uniforms';

/** Rows of at most this many elements are reduced in one pass. */
export const ROWS_MAX_PLANE = 256;
/** Elements per chunk in the passes before the last. */
export const ROWS_CHUNK = 64;

/** One pass: rows of `plane` elements split into `chunks` chunks of `chunk`. */
export interface RowPass {
  plane: number;
  chunk: number;
  chunks: number;
}

/** The passes that reduce rows of `plane` elements, e.g. 3136 → 49 chunks of 64, then one pass over the 49. */
export function rowPasses(plane: number): RowPass[] {
  const passes: RowPass[] = [];
  let rest = plane;
  while (rest > ROWS_MAX_PLANE) {
    const chunks = Math.ceil(rest / ROWS_CHUNK);
    passes.push({ plane: rest, chunk: ROWS_CHUNK, chunks });
    rest = chunks;
  }
  passes.push({ plane: rest, chunk: rest, chunks: 1 });
  return passes;
}

/** What a reduction reads: a tensor, or a buffer with its dimensions (rows of partial terms). */
export type RowSource = FloatTensor | { buffer: GPUBuffer; dims: Dims; channelsLast: boolean };

function isChannelsLast(src: RowSource): boolean {
  return 'layout' in src ? layoutInfo(src.layout).channelsLast : src.channelsLast;
}

/**
 * Runs the passes of a global reduction of `src` (BINNED_MODE avg, max or gem)
 * into `output` and, for max, `indices` (flat plane indices). Average and GeM
 * divide by `extra.divisor` (default: the map's size). The kernels read vec4s:
 * the engine's buffers hold whole ones. Scratch buffers for the partial results
 * are released once the pass that reads them is submitted.
 */
export function reduceRows(
  ctx: GpuContext,
  src: RowSource,
  mode: number,
  output: FloatTensor,
  indices: PoolTensor<'int32'> | null,
  extra: { p?: number; eps?: number; divisor?: number },
  label: string,
): void {
  const { batch, channels } = src.dims;
  const plane = src.dims.spatial.reduce((a, b) => a * b, 1);
  const channelsLast = isChannelsLast(src) ? 1 : 0;
  // Channels-last with whole vec4s of channels: 4 channels per thread; the partial
  // results keep the input's layout ([N, chunks, C] or [N, C, chunks]).
  const vec4 = channelsLast === 1 && channels % 4 === 0;
  const passes = rowPasses(plane);
  let values: RowSource['buffer'] | FloatTensor = 'layout' in src ? src : src.buffer;
  let partialIndices: GPUBuffer | PoolTensor<'int32'> | null = null;
  passes.forEach((pass, k) => {
    const first = k === 0;
    const last = k === passes.length - 1;
    const outputs = batch * channels * pass.chunks;
    const outValues: GPUBuffer | FloatTensor = last ? output : ctx.createBuffer(outputs * 4, `${label}.partial`);
    const outIndices: GPUBuffer | PoolTensor<'int32'> | null = indices ? (last ? indices : ctx.createBuffer(outputs * 4, `${label}.partialIndices`)) : null;
    const threads = vec4 ? outputs / 4 : outputs;
    const uniforms = { p: extra.p, eps: extra.eps, rowDivisor: extra.divisor ?? plane, chunk: pass.chunk, chunks: pass.chunks };
    ctx.run({
      shader: vec4 ? 'reduceRowsVec4' : 'reduceRows',
      constants: {
        MODE: mode,
        CHANNELS_LAST: channelsLast,
        FIRST: first ? 1 : 0,
        LAST: last ? 1 : 0,
        ...(mode === BINNED_MODE.max && !indices ? { INDICES: 0 } : {}),
      },
      uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues({ batch, channels, spatial: [pass.plane] }, threads, uniforms)),
      bindings: { x: values, y: outValues, indices: outIndices, partial_indices: partialIndices },
      threads,
      label: `${label}.pass${k}`,
    });
    if (!first) ctx.releaseBuffer(values as GPUBuffer);
    if (partialIndices) ctx.releaseBuffer(partialIndices as GPUBuffer);
    values = outValues;
    partialIndices = outIndices;
  });
}

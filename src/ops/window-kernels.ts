// Which kernel runs a window pooling call: a pure function of the layout, the
// dimensions and the spec, so tests can say which kernel a case exercises.
import { layoutInfo, sizeOf, type Dims, type Layout } from '../layout';
import type { OverrideConstants } from '../pipelines';
import type { ShaderName } from '../shaders';
import { HARDWARE_PARALLELISM } from '../parallelism';
import { MODE } from '../modes';
import { to3 } from '../uniforms';
import type { WindowMode, WindowSpec } from '../window-spec';

/** The MODE of each window mode (shaders/modes.wgsl, src/modes.ts). */
export const MODE_CONSTANT: Record<WindowMode, number> = MODE;

/** Taps per dimension up to which the small-window kernels write every tap out. */
export const SMALL_WINDOW = 3;

export interface WindowKernel {
  shader: ShaderName;
  constants: OverrideConstants;
  /** Threads to launch: outputs forward, inputs backward (fewer where a thread makes several). */
  threads: number;
  /** Backward: whether the kernel reads the forward's input (binding 3; SoftPool, mixed, Lp, stochastic evaluation). */
  readsInput?: boolean;
  /** The kernels that walk down columns: rows per thread (uniform `rows`). */
  rows?: number;
}

/** Channels-last max and average with whole groups of 4 channels: one thread per 4 channels, vector loads. */
function usesVec4(layout: Layout, dims: Dims, mode: WindowMode): boolean {
  return layoutInfo(layout).channelsLast && dims.channels % 4 === 0 && (mode === 'max' || mode === 'avg');
}

/** Lp's override: ONNX's norm (only the general kernels run Lp). */
function lpConstants(spec: WindowSpec): OverrideConstants {
  return spec.mode === 'lp' ? { LP_NORM: spec.norm ? 1 : 0 } : {};
}

/** Whether some window reaches into padding or past the input's end (ceil mode): the kernels then test bounds. */
export function clipped(spec: WindowSpec): boolean {
  return spec.inputSpatial.some((n, i) => {
    const lastTap = (spec.outputSpatial[i] - 1) * spec.stride[i] - spec.padBefore[i] + (spec.kernel[i] - 1) * spec.dilation[i];
    return spec.padBefore[i] > 0 || lastTap >= n;
  });
}

/** Region of input, per dimension, that the block kernel writes out (window_forward_block_vec4.wgsl). */
const BLOCK_REGION = 5;

/**
 * The fewest output rows a thread of the rolling kernels makes (where the map has
 * as many): each thread loads the rows its first window shares once more.
 */
export const ROLLING_MIN_ROWS = 8;

/**
 * Output rows per thread of the kernels that walk down columns of outputs (the
 * rolling kernels, and the small-window kernels of one window per output): as
 * many as keep `parallelism` threads for `columns` threads per row of outputs,
 * at least `minRows`.
 */
export function rowsPerThread(outH: number, columns: number, parallelism: number, minRows = 1): number {
  const chunks = Math.ceil(parallelism / columns);
  return Math.min(outH, Math.max(minRows, Math.ceil(outH / chunks)));
}

/**
 * The rolling kernels' shape, or null where they do not apply: max and average
 * over 2-D windows without dilation along H that add at most 2 rows per output
 * row (min(S_H, K_H) ≤ 2). For the channels-last kernel, 2 outputs along W where
 * neighbouring windows share all but one column (stride 1 along W): with less
 * to share, the second output's code costs a software adapter more than the
 * loads it saves.
 */
function rollingRows(spec: WindowSpec): { B_W: number; S_H: number } | null {
  if (spec.rank !== 2 || spec.mode === 'stochastic') return null;
  const [, kh, kw] = to3(spec.kernel, 1);
  const [, sh, sw] = to3(spec.stride, 1);
  const [, dh, dw] = to3(spec.dilation, 1);
  const ow = spec.outputSpatial[1];
  if (dh !== 1 || Math.min(sh, kh) > 2) return null;
  const span = (kw - 1) * dw + 1;
  if (span > BLOCK_REGION) return null;
  const B_W = sw === 1 && dw === 1 && kw > 1 && ow % 2 === 0 && sw + span <= BLOCK_REGION ? 2 : 1;
  return { B_W, S_H: sh };
}

/**
 * A launch of threads that walk down the columns of a map (outputs forward,
 * inputs backward) of `spatial` size: one per column (each position but its
 * height, times batch and channels) and `perThread` elements along W or the
 * channels, each making `rows` (at least `minRows`) steps of `rowStep` rows top
 * to bottom.
 */
function rowsLaunch(
  shader: ShaderName,
  constants: OverrideConstants,
  dims: Dims,
  spatial: readonly number[],
  perThread: number,
  parallelism: number,
  minRows: number,
  rowStep = 1,
): WindowKernel {
  const [depth, height, width] = to3(spatial, 1);
  const columns = (dims.batch * dims.channels * depth * width) / perThread;
  const steps = height / rowStep;
  const rows = rowsPerThread(steps, columns, parallelism, minRows);
  return { shader, constants, threads: columns * Math.ceil(steps / rows), rows };
}

/**
 * Outputs per thread along H and W for the channels-last block kernel: 2 along a
 * dimension where neighbouring windows overlap (they share loads) and the
 * output's extent is even; null where neither dimension pairs or the block's
 * region of input exceeds what the kernel writes out.
 */
export function outputBlock(spec: WindowSpec): { B_H: number; B_W: number } | null {
  if (spec.mode === 'stochastic') return null;
  const [, kh, kw] = to3(spec.kernel, 1);
  const [, sh, sw] = to3(spec.stride, 1);
  const [, dh, dw] = to3(spec.dilation, 1);
  const [, oh, ow] = to3(spec.outputSpatial, 1);
  const span = (k: number, d: number) => (k - 1) * d + 1;
  const pair = (k: number, s: number, d: number, o: number) => (s < span(k, d) && o % 2 === 0 && s + span(k, d) <= BLOCK_REGION ? 2 : 1);
  const B_H = pair(kh, sh, dh, oh);
  const B_W = pair(kw, sw, dw, ow);
  const fits = (B_H - 1) * sh + span(kh, dh) <= BLOCK_REGION && (B_W - 1) * sw + span(kw, dw) <= BLOCK_REGION;
  return B_H * B_W > 1 && fits ? { B_H, B_W } : null;
}

/** Whether two neighbouring rows of windows overlap without dilation along H, and the output's height is even (the row kernel's B_H = 2). */
function sharesRows(spec: WindowSpec): boolean {
  const [, kh] = to3(spec.kernel, 1);
  const [, sh] = to3(spec.stride, 1);
  const [, dh] = to3(spec.dilation, 1);
  const [, oh] = to3(spec.outputSpatial, 1);
  return dh === 1 && sh < kh && oh % 2 === 0;
}

/**
 * The small-window kernel of a call, or null where none applies (max, average and
 * stochastic training with at most SMALL_WINDOW taps per dimension do): a
 * channels-last kernel with whole vec4s of channels, a channels-first one with
 * whole vec4s of input and output columns, the scalar kernel otherwise.
 */
function smallWindow(layout: Layout, dims: Dims, spec: WindowSpec, parallelism: number): WindowKernel | null {
  if (spec.mode !== 'max' && spec.mode !== 'avg' && spec.mode !== 'stochastic') return null;
  if (spec.kernel.some((k) => k > SMALL_WINDOW)) return null;
  const [K_D, K_H, K_W] = to3(spec.kernel, 1);
  const base = { MODE: MODE_CONSTANT[spec.mode], K_D, K_H, K_W, CLIPPED: clipped(spec) ? 1 : 0 };
  const channelsLast = layoutInfo(layout).channelsLast;
  const small = channelsLast ? channelsLastSmall(dims, spec, base, parallelism) : channelsFirstSmall(dims, spec, base, parallelism);
  if (small) return small;
  return rowsLaunch('windowForwardSmall', { ...base, CHANNELS_LAST: channelsLast ? 1 : 0 }, dims, spec.outputSpatial, 1, parallelism, 1);
}

/**
 * Channels-last with whole vec4s of channels: the rolling kernel for the 2-D
 * windows it takes, the block kernel where neighbouring windows overlap, else
 * one window per thread.
 */
function channelsLastSmall(dims: Dims, spec: WindowSpec, base: OverrideConstants, parallelism: number): WindowKernel | null {
  if (dims.channels % 4 !== 0) return null;
  const [, S_H, S_W] = to3(spec.stride, 1);
  const [, D_H, D_W] = to3(spec.dilation, 1);
  const rolling = rollingRows(spec);
  if (rolling) {
    const constants = { ...base, CHANNELS_LAST: 1, B_W: rolling.B_W, S_H, S_W, D_W };
    return rowsLaunch('windowForwardRollingVec4', constants, dims, spec.outputSpatial, 4 * rolling.B_W, parallelism, ROLLING_MIN_ROWS);
  }
  const outputs = sizeOf({ ...dims, spatial: spec.outputSpatial });
  const block = outputBlock(spec);
  if (block) {
    const constants = { ...base, CHANNELS_LAST: 1, ...block, S_H, S_W, D_H, D_W };
    return { shader: 'windowForwardBlockVec4', constants, threads: outputs / (4 * block.B_H * block.B_W) };
  }
  return rowsLaunch('windowForwardSmallVec4', { ...base, CHANNELS_LAST: 1 }, dims, spec.outputSpatial, 4, parallelism, 1);
}

/**
 * Channels-first with whole vec4s of input and output columns, 4 neighbouring
 * windows' columns within 4 vec4s: the rolling kernel for the 2-D windows it
 * takes, else the row kernel (two rows per thread where they overlap).
 */
function channelsFirstSmall(dims: Dims, spec: WindowSpec, base: OverrideConstants, parallelism: number): WindowKernel | null {
  const last = spec.rank - 1;
  const [S_W, D_W] = [spec.stride[last], spec.dilation[last]];
  const A_W = (4 - (spec.padBefore[last] % 4)) % 4;
  // The last column 4 windows reach, counted from the first window's vec4.
  const NV = Math.floor((3 * S_W + (to3(spec.kernel, 1)[2] - 1) * D_W + A_W) / 4) + 1;
  if (spec.inputSpatial[last] % 4 !== 0 || spec.outputSpatial[last] % 4 !== 0 || NV > 4) return null;
  const S_H = to3(spec.stride, 1)[1];
  const span = { ...base, CHANNELS_LAST: 0, S_W, D_W, A_W, NV, S_H };
  if (rollingRows(spec)) {
    return rowsLaunch('windowForwardRollingRows', span, dims, spec.outputSpatial, 4, parallelism, ROLLING_MIN_ROWS);
  }
  const B_H = spec.mode !== 'stochastic' && sharesRows(spec) ? 2 : 1;
  return rowsLaunch('windowForwardSmallRows', { ...span, B_H }, dims, spec.outputSpatial, 4, parallelism, 1, B_H);
}

/**
 * The forward kernel of a window pooling call on a tensor of `layout` and `dims`,
 * on a device that wants `parallelism` threads in flight (src/parallelism.ts).
 */
export function windowForwardKernel(layout: Layout, dims: Dims, spec: WindowSpec, parallelism = HARDWARE_PARALLELISM): WindowKernel {
  // The small-window kernels assume padding of at most half the kernel and PyTorch's NaN rule; the general ones take any.
  const small = spec.largePadding || spec.ignoreNaN ? null : smallWindow(layout, dims, spec, parallelism);
  if (small) return small;
  const constants = {
    MODE: MODE_CONSTANT[spec.mode],
    CHANNELS_LAST: layoutInfo(layout).channelsLast ? 1 : 0,
    ...lpConstants(spec),
    ...(spec.ignoreNaN ? { NAN_IGNORE: 1 } : {}),
  };
  const outputs = sizeOf({ ...dims, spatial: spec.outputSpatial });
  return usesVec4(layout, dims, spec.mode)
    ? { shader: 'windowForwardVec4', constants, threads: outputs / 4 }
    : { shader: 'windowForward', constants, threads: outputs };
}

/**
 * Whether max or average windows tile the input: stride = kernel ≤ SMALL_WINDOW,
 * no padding or dilation, and input = output · kernel in every dimension, so
 * that every input lies in exactly one window.
 */
export function tilesInput(spec: WindowSpec): boolean {
  if (spec.mode !== 'max' && spec.mode !== 'avg') return false;
  return spec.kernel.every(
    (k, i) =>
      k <= SMALL_WINDOW &&
      spec.stride[i] === k &&
      (k === 1 || spec.dilation[i] === 1) &&
      spec.padBefore[i] === 0 &&
      spec.padAfter[i] === 0 &&
      spec.inputSpatial[i] === spec.outputSpatial[i] * k,
  );
}

/**
 * The backward kernel of windows that tile the input, where the layout gives
 * whole vec4s (channels-last: channels; channels-first: output rows): each
 * thread scatters its outputs into their windows, walking down a column of
 * outputs. Null elsewhere.
 */
function tiledBackward(layout: Layout, dims: Dims, spec: WindowSpec, parallelism: number): WindowKernel | null {
  if (!tilesInput(spec)) return null;
  const [K_D, K_H, K_W] = to3(spec.kernel, 1);
  const constants = { MODE: MODE_CONSTANT[spec.mode], K_D, K_H, K_W };
  if (layoutInfo(layout).channelsLast) {
    return dims.channels % 4 === 0 ? rowsLaunch('windowBackwardTiledVec4', constants, dims, spec.outputSpatial, 4, parallelism, 1) : null;
  }
  return spec.outputSpatial[spec.rank - 1] % 4 === 0 ? rowsLaunch('windowBackwardTiledRows', constants, dims, spec.outputSpatial, 4, parallelism, 1) : null;
}

/**
 * Max pooling's backward where windows overlap by less than a stride (S < K ≤ 2·S
 * along H or W, one covering output along D; dilation 1, S ≤ 3): one thread per
 * stride tile of inputs and 4 channels (window_backward_cover_vec4.wgsl) for
 * channels-last tensors of whole groups of 4 channels; for channels-first ones
 * overlapping along W with rows of outputs in whole vec4s, 4 neighbouring tiles of
 * a row a thread (window_backward_cover_rows.wgsl). Null elsewhere.
 */
function coverBackward(layout: Layout, dims: Dims, spec: WindowSpec, parallelism: number): WindowKernel | null {
  if (spec.mode !== 'max' || !spec.dilation.every((d) => d === 1)) return null;
  if (!spec.kernel.every((k, i) => k <= 2 * spec.stride[i] && spec.stride[i] <= 3)) return null;
  if (spec.kernel.every((k, i) => k <= spec.stride[i])) return null; // no overlap: the tiled kernels or the gather
  const [S_D, S_H, S_W] = to3(spec.stride, 1);
  const [K_D, K_H, K_W] = to3(spec.kernel, 1);
  if (K_D > S_D) return null; // along D the kernels take one covering output
  const T_H = K_H > S_H ? 2 : 1;
  const T_W = K_W > S_W ? 2 : 1;
  const [pd, ph, pw] = to3(spec.padBefore, 0);
  const tiles = (size: number, pad: number, s: number) => Math.ceil((size + pad) / s);
  const [id, ih, iw] = to3(spec.inputSpatial, 1);
  const [td, th, tw] = [tiles(id, pd, S_D), tiles(ih, ph, S_H), tiles(iw, pw, S_W)];
  if (layoutInfo(layout).channelsLast) {
    if (dims.channels % 4 !== 0) return null;
    // Threads walk down columns of tiles (rowsLaunch), 4 channels each.
    return rowsLaunch('windowBackwardCoverVec4', { S_D, S_H, S_W, T_H, T_W }, dims, [td, th, tw], 4, parallelism, 1);
  }
  // Channels-first: 4 tiles of a row a thread, reading rows of outputs as vec4s; one depth tile a plane.
  if (T_W !== 2 || K_D !== 1 || S_D !== 1 || spec.outputSpatial[spec.rank - 1] % 4 !== 0) return null;
  // Threads walk down columns of 4-tile blocks (rowsLaunch): a software adapter gets long walks, a GPU one row a thread.
  return rowsLaunch('windowBackwardCoverRows', { S_D, S_H, S_W, T_H }, dims, [td, th, Math.ceil(tw / 4)], 1, parallelism, 1);
}

/** The most passes the scatter backward takes (3 × 3 windows at stride 1: 9). */
export const MAX_SCATTER_PASSES = 9;

/**
 * Max pooling's backward as a scatter in passes (window_backward_scatter.wgsl): the
 * spacing M per dimension (rank 3, leading 1s) at which outputs have disjoint
 * windows, M = ceil(extent / stride); one pass per class of outputs. Null where
 * windows do not overlap (the tiled kernels or the gather serve those) or where it
 * would take more than MAX_SCATTER_PASSES passes.
 */
export function scatterSpacing(spec: WindowSpec): [number, number, number] | null {
  if (spec.mode !== 'max') return null;
  const m = spec.kernel.map((k, i) => Math.ceil(((k - 1) * spec.dilation[i] + 1) / spec.stride[i]));
  const passes = m.reduce((a, b) => a * b, 1);
  if (passes === 1 || passes > MAX_SCATTER_PASSES) return null;
  return to3(m, 1) as [number, number, number];
}

/**
 * The backward kernel of a window pooling call, on a device that wants
 * `parallelism` threads in flight: a scatter where the windows tile the input
 * (tiledBackward), else a gather, where each input element, or 4 channels of
 * one, collects from the outputs whose windows cover it.
 */
export function windowBackwardKernel(layout: Layout, dims: Dims, spec: WindowSpec, parallelism = HARDWARE_PARALLELISM): WindowKernel {
  const tiled = tiledBackward(layout, dims, spec, parallelism);
  if (tiled) return tiled;
  const cover = coverBackward(layout, dims, spec, parallelism);
  if (cover) return cover;
  const channelsLast = layoutInfo(layout).channelsLast;
  const constants = { MODE: MODE_CONSTANT[spec.mode], CHANNELS_LAST: channelsLast ? 1 : 0, ...lpConstants(spec) };
  const inputs = sizeOf({ ...dims, spatial: spec.inputSpatial });
  const vec4 = usesVec4(layout, dims, spec.mode);
  // Small windows without dilation: the covering outputs written out, threads walking down columns of inputs (window_small_backward.wgsl).
  if (
    (spec.mode === 'max' || spec.mode === 'avg') &&
    !spec.largePadding &&
    spec.kernel.every((k) => k <= SMALL_WINDOW) &&
    spec.dilation.every((d) => d === 1)
  ) {
    const [K_D, K_H, K_W] = to3(spec.kernel, 1);
    const [S_D, S_H, S_W] = to3(spec.stride, 1);
    const small = { ...constants, K_D, K_H, K_W, S_D, S_H, S_W };
    // Average at stride 1 along H: each output row's share summed once, rolled down the column.
    const rolling = spec.mode === 'avg' && S_H === 1 && K_H > 1;
    const shader = vec4 ? (rolling ? 'windowBackwardRollingVec4' : 'windowBackwardSmallVec4') : rolling ? 'windowBackwardRolling' : 'windowBackwardSmall';
    return rowsLaunch(shader, small, dims, spec.inputSpatial, vec4 ? 4 : 1, parallelism, 1);
  }
  if (vec4) return { shader: 'windowBackwardVec4', constants, threads: inputs / 4 };
  return { shader: 'windowBackward', constants, threads: inputs, readsInput: true };
}

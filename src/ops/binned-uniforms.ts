import { MODE } from '../modes';
import { to3, type UniformField } from '../uniforms';
import type { Dims } from '../layout';

/** The members of WGSL `struct BinnedParams` (shaders/binned_params.wgsl), in order. */
export const BINNED_PARAMS: readonly UniformField[] = [
  ['total', 'u32'],
  ['batch', 'u32'],
  ['channels', 'u32'],
  ['in_d', 'u32'],
  ['in_h', 'u32'],
  ['in_w', 'u32'],
  ['out_d', 'u32'],
  ['out_h', 'u32'],
  ['out_w', 'u32'],
  ['num_levels', 'u32'],
  ['features', 'u32'],
  ['row_divisor', 'f32'],
  ['col_divisor', 'f32'],
  ['p', 'f32'],
  ['eps', 'f32'],
  ['chunk', 'u32'],
  ['chunks', 'u32'],
  ['steps', 'u32'],
];

/** The MODE of each binned kernel mode (shaders/modes.wgsl, src/modes.ts). */
export const BINNED_MODE = { avg: MODE.avg, max: MODE.max, gem: MODE.gem } as const;

/**
 * Uniform values of a binned call. `total`: invocations (per-element kernels) or
 * rows (reductions). The other fields default to values no kernel divides by badly.
 */
export function binnedUniformValues(
  dims: Dims,
  total: number,
  extra: {
    outputSpatial?: readonly number[];
    numLevels?: number;
    features?: number;
    rowDivisor?: number;
    colDivisor?: number;
    p?: number;
    eps?: number;
    chunk?: number;
    chunks?: number;
    steps?: number;
  } = {},
): Record<string, number> {
  const [in_d, in_h, in_w] = to3(dims.spatial);
  const [out_d, out_h, out_w] = to3(extra.outputSpatial ?? dims.spatial.map(() => 1));
  return {
    total,
    batch: dims.batch,
    channels: dims.channels,
    in_d,
    in_h,
    in_w,
    out_d,
    out_h,
    out_w,
    num_levels: extra.numLevels ?? 0,
    features: extra.features ?? 0,
    row_divisor: extra.rowDivisor ?? 1,
    col_divisor: extra.colDivisor ?? 1,
    p: extra.p ?? 1,
    eps: extra.eps ?? 0,
    chunk: extra.chunk ?? 1,
    chunks: extra.chunks ?? 1,
    steps: extra.steps ?? 1,
  };
}

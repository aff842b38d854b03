import { to3, type UniformField } from '../uniforms';
import type { Dims } from '../layout';
import type { WindowSpec } from '../window-spec';
import { STOCHASTIC_STREAM, streamKey } from '../random';

/** The members of WGSL `struct WindowParams` (shaders/window_params.wgsl), in order. */
export const WINDOW_PARAMS: readonly UniformField[] = [
  ['total', 'u32'],
  ['batch', 'u32'],
  ['channels', 'u32'],
  ['in_d', 'u32'],
  ['in_h', 'u32'],
  ['in_w', 'u32'],
  ['out_d', 'u32'],
  ['out_h', 'u32'],
  ['out_w', 'u32'],
  ['k_d', 'u32'],
  ['k_h', 'u32'],
  ['k_w', 'u32'],
  ['stride_d', 'u32'],
  ['stride_h', 'u32'],
  ['stride_w', 'u32'],
  ['dil_d', 'u32'],
  ['dil_h', 'u32'],
  ['dil_w', 'u32'],
  ['pad_d', 'i32'],
  ['pad_h', 'i32'],
  ['pad_w', 'i32'],
  ['pad_after_d', 'i32'],
  ['pad_after_h', 'i32'],
  ['pad_after_w', 'i32'],
  ['count_include_pad', 'u32'],
  ['divisor_override', 'f32'],
  ['p', 'f32'],
  ['lambda', 'f32'],
  ['index_base', 'u32'],
  ['seed_key', 'u32'],
  ['rows', 'u32'],
];

/**
 * Uniform values of a window call; `total` is the number of threads (outputs
 * forward, inputs backward), `rows` the rows per thread of the kernels that walk
 * down columns (src/ops/window-kernels.ts).
 */
export function windowUniformValues(spec: WindowSpec, dims: Dims, total: number, seed = 0, rows = 1, planeBase = 0): Record<string, number> {
  const [in_d, in_h, in_w] = to3(spec.inputSpatial, 1);
  const [out_d, out_h, out_w] = to3(spec.outputSpatial, 1);
  const [k_d, k_h, k_w] = to3(spec.kernel, 1);
  const [stride_d, stride_h, stride_w] = to3(spec.stride, 1);
  const [dil_d, dil_h, dil_w] = to3(spec.dilation, 1);
  const [pad_d, pad_h, pad_w] = to3(spec.padBefore, 0);
  const [pad_after_d, pad_after_h, pad_after_w] = to3(spec.padAfter, 0);
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
    k_d,
    k_h,
    k_w,
    stride_d,
    stride_h,
    stride_w,
    dil_d,
    dil_h,
    dil_w,
    pad_d,
    pad_h,
    pad_w,
    pad_after_d,
    pad_after_h,
    pad_after_w,
    count_include_pad: spec.countIncludePad ? 1 : 0,
    divisor_override: spec.divisorOverride ?? 0,
    p: spec.p,
    lambda: spec.lambda,
    // A chunk's first plane (src/chunked-call.ts): its outputs draw the numbers of their place in the whole tensor.
    index_base: (planeBase * spec.outputSpatial.reduce((a, b) => a * b, 1)) % 2 ** 32,
    seed_key: streamKey(seed, STOCHASTIC_STREAM),
    rows,
  };
}

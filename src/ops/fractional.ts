// Fractional max pooling on the GPU (forward with indices, backward by indices).
import type { GpuContext } from '../engine';
import { layoutInfo, shapeOf } from '../layout';
import type { FloatTensor, PoolTensor } from '../tensor';
import type { BinnedOut } from './binned-common';
import { packUniforms, to3, type UniformField } from '../uniforms';
import { sampleSlot, type FractionalSpec } from '../fractional-spec';

/** The members of WGSL `struct FractionalParams` (shaders/fractional.wgsl), in order. */
export const FRACTIONAL_PARAMS: readonly UniformField[] = [
  ['total', 'u32'],
  ['channels', 'u32'],
  ['rank', 'u32'],
  ['in_d', 'u32'],
  ['in_h', 'u32'],
  ['in_w', 'u32'],
  ['out_d', 'u32'],
  ['out_h', 'u32'],
  ['out_w', 'u32'],
  ['k_d', 'u32'],
  ['k_h', 'u32'],
  ['k_w', 'u32'],
  ['slot_d', 'u32'],
  ['slot_h', 'u32'],
  ['slot_w', 'u32'],
  ['alpha_d', 'f32'],
  ['alpha_h', 'f32'],
  ['alpha_w', 'f32'],
];

export function fractionalShape(x: FloatTensor, spec: FractionalSpec): number[] {
  return shapeOf({ ...x.dims, spatial: spec.outputSpatial }, x.layout);
}

function uniforms(x: FloatTensor, spec: FractionalSpec, total: number): ArrayBuffer {
  const [in_d, in_h, in_w] = to3(spec.inputSpatial);
  const [out_d, out_h, out_w] = to3(spec.outputSpatial);
  const [k_d, k_h, k_w] = to3(spec.kernel);
  // alpha = (in − k)/(out − 1) in float32, as PyTorch computes it; unused where out = 1.
  const alpha = (i: number, o: number, k: number) => (o > 1 ? Math.fround(Math.fround(i - k) / Math.fround(o - 1)) : 0);
  const slots = spec.rank === 2 ? [0, sampleSlot(2, 0), sampleSlot(2, 1)] : [0, 1, 2];
  return packUniforms(FRACTIONAL_PARAMS, {
    total,
    channels: x.dims.channels,
    rank: spec.rank,
    in_d,
    in_h,
    in_w,
    out_d,
    out_h,
    out_w,
    k_d,
    k_h,
    k_w,
    slot_d: slots[0],
    slot_h: slots[1],
    slot_w: slots[2],
    alpha_d: alpha(in_d, out_d, k_d),
    alpha_h: alpha(in_h, out_h, k_h),
    alpha_w: alpha(in_w, out_w, k_w),
  });
}

const constants = (backward: boolean, x: FloatTensor) => ({ BACKWARD: backward ? 1 : 0, CHANNELS_LAST: layoutInfo(x.layout).channelsLast ? 1 : 0 });

export function fractionalForward(ctx: GpuContext, x: FloatTensor, spec: FractionalSpec, samples: FloatTensor, out: BinnedOut = {}) {
  const shape = fractionalShape(x, spec);
  const output = ctx.output(out.output, shape, x.layout, x.dtype, 'fractionalMaxPool.output');
  const indices = ctx.output(out.indices, shape, x.layout, 'int32', 'fractionalMaxPool.indices');
  ctx.run({
    shader: 'fractional',
    constants: constants(false, x),
    uniforms: uniforms(x, spec, output.size),
    bindings: { src: x, samples, dst: output, out_indices: indices },
    threads: output.size,
    label: 'fractionalMaxPool.forward',
  });
  return { output, indices };
}

export function fractionalBackward(
  ctx: GpuContext,
  gradOutput: FloatTensor,
  x: FloatTensor,
  spec: FractionalSpec,
  samples: FloatTensor,
  indices: PoolTensor<'int32'>,
  out?: FloatTensor,
) {
  const gradInput = ctx.output(out, x.shape, x.layout, x.dtype, 'fractionalMaxPool.gradInput');
  ctx.run({
    shader: 'fractional',
    constants: constants(true, x),
    uniforms: uniforms(x, spec, x.size),
    bindings: { src: gradOutput, samples, saved_indices: indices, dst: gradInput },
    threads: x.size,
    label: 'fractionalMaxPool.backward',
  });
  return gradInput;
}

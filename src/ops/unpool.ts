// Max unpooling on the GPU: values and their max-pooling indices back to a map.
import type { GpuContext } from '../engine';
import { layoutInfo, shapeOf } from '../layout';
import type { FloatTensor, PoolTensor } from '../tensor';
import { packUniforms, to3, type UniformField } from '../uniforms';
import type { UnpoolSpec } from '../unpool-spec';

/** The members of WGSL `struct UnpoolParams` (shaders/unpool.wgsl), in order. */
export const UNPOOL_PARAMS: readonly UniformField[] = [
  ['total', 'u32'],
  ['channels', 'u32'],
  ['in_plane', 'u32'],
  ['out_plane', 'u32'],
  ['out_d', 'u32'],
  ['out_h', 'u32'],
  ['out_w', 'u32'],
  ['index_d', 'u32'],
  ['index_h', 'u32'],
  ['index_w', 'u32'],
];

const planeOf = (spatial: readonly number[]) => spatial.reduce((a, b) => a * b, 1);

/** `{prefix}_d`, `_h`, `_w` of a spatial size (ranks 1 and 2 padded with leading 1s). */
function sizes3(prefix: string, spatial: readonly number[]): Record<string, number> {
  const [d, h, w] = to3(spatial, 1);
  return { [`${prefix}_d`]: d, [`${prefix}_h`]: h, [`${prefix}_w`]: w };
}

/** The unpooled map's shape, in the values' layout. */
export function unpoolShape(values: FloatTensor, spec: UnpoolSpec): number[] {
  return shapeOf({ ...values.dims, spatial: spec.outputSpatial }, values.layout);
}

function launch(
  ctx: GpuContext,
  backward: boolean,
  values: FloatTensor,
  spec: UnpoolSpec,
  src: FloatTensor,
  indices: PoolTensor<'int32'>,
  dst: FloatTensor,
  clear: boolean,
  label: string,
): void {
  ctx.run({
    shader: 'unpool',
    constants: { BACKWARD: backward ? 1 : 0, FLAT_INDICES: spec.flatIndices ? 1 : 0, CHANNELS_LAST: layoutInfo(values.layout).channelsLast ? 1 : 0 },
    uniforms: packUniforms(UNPOOL_PARAMS, {
      total: values.size,
      channels: values.dims.channels,
      in_plane: planeOf(spec.inputSpatial),
      out_plane: planeOf(spec.outputSpatial),
      ...sizes3('out', spec.outputSpatial),
      ...sizes3('index', spec.indexSpatial),
    }),
    bindings: { src, unpool_indices: indices, dst },
    threads: values.size,
    clear: clear ? [dst] : [],
    label,
  });
}

/** Forward: zeros, with each value written at its index. */
export function unpoolForward(ctx: GpuContext, values: FloatTensor, indices: PoolTensor<'int32'>, spec: UnpoolSpec, out?: FloatTensor): FloatTensor {
  const output = ctx.output(out, unpoolShape(values, spec), values.layout, values.dtype, 'maxUnpool.output');
  launch(ctx, false, values, spec, values, indices, output, true, 'maxUnpool.forward');
  return output;
}

/** Backward: the gradient of each value is the output gradient at its index. */
export function unpoolBackward(
  ctx: GpuContext,
  gradOutput: FloatTensor,
  values: FloatTensor,
  indices: PoolTensor<'int32'>,
  spec: UnpoolSpec,
  out?: FloatTensor,
): FloatTensor {
  const gradInput = ctx.output(out, values.shape, values.layout, values.dtype, 'maxUnpool.gradInput');
  launch(ctx, true, values, spec, gradOutput, indices, gradInput, false, 'maxUnpool.backward');
  return gradInput;
}

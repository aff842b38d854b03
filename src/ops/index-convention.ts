// Max pooling's indices in another convention than PyTorch's per-plane one
// (ONNX's flat indices, TensorFlow's channels-last ones): a pass over the
// indices, in place, after the forward kernel wrote them.
import type { GpuContext } from '../engine';
import type { Dims } from '../layout';
import { layoutInfo } from '../layout';
import type { PoolTensor } from '../tensor';
import { packUniforms, to3, type UniformField } from '../uniforms';
import type { IndexConvention } from '../window-spec';
import { PoolError } from '../errors';

/** The CONVENTION override of each convention (shaders/index_convention.wgsl's INDEX_*). */
export const INDEX_CONVENTION: Record<Exclude<IndexConvention, 'plane'>, number> = {
  flat: 1,
  flatColumnMajor: 2,
  channelsLast: 3,
  channelsLastBatch: 4,
};

/** The members of WGSL `struct IndexParams`, in order. */
export const INDEX_PARAMS: readonly UniformField[] = [
  ['total', 'u32'],
  ['channels', 'u32'],
  ['out_plane', 'u32'],
  ['in_d', 'u32'],
  ['in_h', 'u32'],
  ['in_w', 'u32'],
];

/** The largest index a convention gives over an input of `dims`: indices are int32. */
export function checkIndexRange(convention: IndexConvention, dims: Dims): void {
  const plane = dims.spatial.reduce((a, b) => a * b, 1);
  const largest = convention === 'plane' ? plane : convention === 'channelsLast' ? plane * dims.channels : dims.batch * dims.channels * plane;
  if (largest - 1 > 0x7fffffff) {
    throw new PoolError(
      'TOO_LARGE',
      'indexConvention',
      convention,
      `gives indices up to ${largest - 1}, past int32's 2147483647 (indices are int32); pool fewer batch items or channels at a time`,
    );
  }
}

/** Rewrites per-plane indices (of a forward whose input had `inputSpatial`) into `convention`, in place. */
export function convertIndices(ctx: GpuContext, indices: PoolTensor<'int32'>, inputSpatial: readonly number[], convention: IndexConvention): void {
  if (convention === 'plane') return;
  const [in_d, in_h, in_w] = to3(inputSpatial, 1);
  ctx.run({
    shader: 'indexConvention',
    constants: { CONVENTION: INDEX_CONVENTION[convention], CHANNELS_LAST: layoutInfo(indices.layout).channelsLast ? 1 : 0 },
    uniforms: packUniforms(INDEX_PARAMS, {
      total: indices.size,
      channels: indices.dims.channels,
      out_plane: indices.dims.spatial.reduce((a, b) => a * b, 1),
      in_d,
      in_h,
      in_w,
    }),
    bindings: { plane_indices: indices },
    threads: indices.size,
    label: `maxPool.indices.${convention}`,
  });
}

// Strip pooling (Hou et al. 2020) on the GPU, rank 2: the row and column strips
// and the expand-and-add step. The two kernels are each other's adjoint, so
// each op's backward is the other kernel with other divisors.
import type { GpuContext } from '../engine';
import { shapeOf } from '../layout';
import type { FloatTensor, PoolTensor } from '../tensor';
import { packUniforms } from '../uniforms';
import { BINNED_PARAMS, binnedUniformValues } from './binned-uniforms';
import { channelsLast } from './binned-common';
import type { Dims, Layout } from '../layout';

/** Shapes of the strips of a [N, C, H, W] map in `layout`: rows [N, C, H, 1], cols [N, C, 1, W]. */
export function stripShapes(dims: Dims, layout: Layout): { rows: number[]; cols: number[] } {
  const [height, width] = dims.spatial;
  return { rows: shapeOf({ ...dims, spatial: [height, 1] }, layout), cols: shapeOf({ ...dims, spatial: [1, width] }, layout) };
}

/** rows = Σ_w x / rowDivisor, cols = Σ_h x / colDivisor, in one launch. */
export function stripReduce(
  ctx: GpuContext,
  x: FloatTensor,
  rowDivisor: number,
  colDivisor: number,
  label: string,
  out: { rows?: FloatTensor; cols?: FloatTensor } = {},
): { rows: FloatTensor; cols: FloatTensor } {
  const shapes = stripShapes(x.dims, x.layout);
  const [height, width] = x.dims.spatial;
  const planes = x.dims.batch * x.dims.channels;
  const rows = ctx.output(out.rows, shapes.rows, x.layout, x.dtype, `${label}.rows`);
  const cols = ctx.output(out.cols, shapes.cols, x.layout, x.dtype, `${label}.cols`);
  const total = planes * (height + width);
  ctx.run({
    shader: 'stripReduce',
    constants: { CHANNELS_LAST: channelsLast(x) },
    uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(x.dims, total, { rowDivisor, colDivisor })),
    bindings: { x, rows, cols },
    threads: total,
    label,
  });
  return { rows, cols };
}

/** out[n, c, h, w] = rows[n, c, h] / rowDivisor + cols[n, c, w] / colDivisor over a map of `dims`. */
export function stripExpand(
  ctx: GpuContext,
  rows: FloatTensor,
  cols: FloatTensor,
  dims: Dims,
  rowDivisor: number,
  colDivisor: number,
  label: string,
  given?: FloatTensor,
): FloatTensor {
  const out = ctx.output(given, shapeOf(dims, rows.layout), rows.layout, rows.dtype, `${label}.output`);
  ctx.run({
    shader: 'stripExpand',
    constants: { CHANNELS_LAST: channelsLast(rows) },
    uniforms: packUniforms(BINNED_PARAMS, binnedUniformValues(dims, out.size, { rowDivisor, colDivisor })),
    bindings: { rows, cols, out },
    threads: out.size,
    label,
  });
  return out;
}

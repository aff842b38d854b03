import { PoolError } from './errors';

/**
 * Channels-first layouts (PyTorch's) and channels-last layouts (TensorFlow's), spatial rank 1–3;
 * their unbatched forms (`'CHW'`, `'HWC'`, …: one item, as PyTorch's pooling takes an unbatched
 * [C, H, W] image), which pool exactly as batch 1 and give results without the batch dimension;
 * and `'NC'`: flat features [N, C] with no spatial dimension (spatial pyramid pooling's output).
 */
export type Layout = 'NC' | 'NCW' | 'NCHW' | 'NCDHW' | 'NWC' | 'NHWC' | 'NDHWC' | 'CW' | 'CHW' | 'CDHW' | 'WC' | 'HWC' | 'DHWC';
export type SpatialRank = 1 | 2 | 3;

interface LayoutInfo {
  rank: 0 | SpatialRank;
  channelsLast: boolean;
  /** false: no batch dimension in the shape (batch 1). */
  batched: boolean;
}

const LAYOUTS: Record<Layout, LayoutInfo> = {
  NC: { rank: 0, channelsLast: false, batched: true },
  NCW: { rank: 1, channelsLast: false, batched: true },
  NCHW: { rank: 2, channelsLast: false, batched: true },
  NCDHW: { rank: 3, channelsLast: false, batched: true },
  NWC: { rank: 1, channelsLast: true, batched: true },
  NHWC: { rank: 2, channelsLast: true, batched: true },
  NDHWC: { rank: 3, channelsLast: true, batched: true },
  CW: { rank: 1, channelsLast: false, batched: false },
  CHW: { rank: 2, channelsLast: false, batched: false },
  CDHW: { rank: 3, channelsLast: false, batched: false },
  WC: { rank: 1, channelsLast: true, batched: false },
  HWC: { rank: 2, channelsLast: true, batched: false },
  DHWC: { rank: 3, channelsLast: true, batched: false },
};

/** The logical dimensions of a pooling tensor, whatever its memory order. */
export interface Dims {
  batch: number;
  channels: number;
  /** Spatial sizes in order (D, H, W), as many as the rank. */
  spatial: number[];
}

export function isLayout(value: unknown): value is Layout {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LAYOUTS, value);
}

export function layoutInfo(layout: Layout): LayoutInfo {
  return LAYOUTS[layout];
}

/** Layout with the given spatial rank and channel placement (batched unless `batched` is false). */
export function layoutFor(rank: SpatialRank, channelsLast: boolean, batched = true): Layout {
  const found = (Object.keys(LAYOUTS) as Layout[]).find(
    (l) => LAYOUTS[l].rank === rank && LAYOUTS[l].channelsLast === channelsLast && LAYOUTS[l].batched === batched,
  );
  return found as Layout;
}

/** The batched form of a layout (`'CHW'` → `'NCHW'`): where results stack several items, as region pooling's boxes. */
export function batchedLayout(layout: Layout): Layout {
  const { rank, channelsLast } = LAYOUTS[layout];
  return rank === 0 ? layout : layoutFor(rank, channelsLast);
}

/**
 * What to add to a per-dimension option's error when it has one entry more than the
 * input has spatial dimensions: the likely cause is a PyTorch-style unbatched image
 * ([C, H, W]) read as batched 1-D maps ([N, C, W]) by the default layout.
 */
export function unbatchedHint(rank: number, entries: number): string {
  if (entries !== rank + 1 || rank > 2) return '';
  const [first, last] = rank === 1 ? ['CHW', 'HWC'] : ['CDHW', 'DHWC'];
  return `; the input has ${rank} spatial dimension${rank > 1 ? 's' : ''}: if it is one unbatched item (PyTorch's [C, ${rank === 1 ? 'H, W' : 'D, H, W'}]), give its layout, '${first}' or '${last}'`;
}

/** Checks `layout` and that `shape` fits it; the default layout is channels-first of the shape's rank. */
export function resolveLayout(shape: readonly number[], layout: unknown): Layout {
  if (!Array.isArray(shape)) throw new PoolError('INVALID_SHAPE', 'shape', shape, 'must be an array of positive integers');
  if (layout === undefined) {
    const rank = shape.length - 2;
    if (rank < 1 || rank > 3) {
      throw new PoolError('INVALID_RANK', 'shape', shape, 'must have 3, 4 or 5 dimensions: [N, C, ...spatial] with spatial rank 1–3');
    }
    return layoutFor(rank as SpatialRank, false);
  }
  if (!isLayout(layout)) {
    throw new PoolError('INVALID_LAYOUT', 'layout', layout, `must be one of ${Object.keys(LAYOUTS).join(', ')}`);
  }
  if (shape.length !== layout.length) {
    throw new PoolError('INVALID_RANK', 'shape', shape, `must have ${layout.length} dimensions for layout ${layout}`);
  }
  return layout;
}

/** Logical dims from a shape written in the layout's order (an unbatched layout's batch is 1). */
export function dimsOf(shape: readonly number[], layout: Layout): Dims {
  const { channelsLast, batched } = LAYOUTS[layout];
  const full = batched ? shape : [1, ...shape];
  const n = full.length;
  return channelsLast
    ? { batch: full[0], channels: full[n - 1], spatial: full.slice(1, n - 1) }
    : { batch: full[0], channels: full[1], spatial: full.slice(2) };
}

/** A shape in the layout's order from logical dims (an unbatched layout leaves out the batch, which is 1). */
export function shapeOf(dims: Dims, layout: Layout): number[] {
  const { channelsLast, batched } = LAYOUTS[layout];
  const shape = channelsLast ? [dims.batch, ...dims.spatial, dims.channels] : [dims.batch, dims.channels, ...dims.spatial];
  return batched ? shape : shape.slice(1);
}

/** Validates host data against a shape and layout; returns the resolved layout. Shared by uploads and the CPU reference. */
export function checkTensorData(data: unknown, shape: readonly number[], layout: unknown, halves = false): Layout {
  const resolved = checkTensorShape(shape, layout);
  const float16 = (globalThis as { Float16Array?: new () => unknown }).Float16Array;
  // An upload may also hold float16 data (half bits, or a Float16Array); a host tensor holds float32 or int32.
  const half = halves && (data instanceof Uint16Array || (float16 !== undefined && data instanceof float16));
  const typed = data instanceof Float32Array || data instanceof Int32Array || half;
  if (!typed) {
    const kind = ArrayBuffer.isView(data) || Array.isArray(data) ? (data as object).constructor.name : typeof data;
    throw new PoolError(
      'INVALID_OPTION',
      'data',
      data,
      `is ${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}; use a Float32Array (Float32Array.from(data) converts it), or an Int32Array of indices${halves ? ' (for float16 also a Uint16Array of half bits or a Float16Array)' : ''}`,
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if ((data as ArrayLike<number>).length !== size) {
    throw new PoolError('DATA_LENGTH', 'data.length', (data as ArrayLike<number>).length, `must equal the product of shape [${shape.join(', ')}] = ${size}`);
  }
  return resolved;
}

/** Validates a shape of positive integers against a layout; returns the resolved layout. */
export function checkTensorShape(shape: readonly number[], layout: unknown): Layout {
  const resolved = resolveLayout(shape, layout);
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 1) throw new PoolError('INVALID_SHAPE', 'shape', shape, 'must hold positive integers');
  }
  return resolved;
}

export function sizeOf(dims: Dims): number {
  return dims.batch * dims.channels * dims.spatial.reduce((a, b) => a * b, 1);
}

/** Flat offset in memory of element (n, c, spatial plane index `s`). */
export function offsetOf(dims: Dims, channelsLast: boolean, n: number, c: number, s: number): number {
  const plane = dims.spatial.reduce((a, b) => a * b, 1);
  return channelsLast ? (n * plane + s) * dims.channels + c : (n * dims.channels + c) * plane + s;
}

/** Copies `data` from one channel placement to the other (also used to feed channels-first data to NHWC paths). */
export function relayout<T extends Float32Array | Int32Array>(data: T, dims: Dims, fromChannelsLast: boolean, toChannelsLast: boolean): T {
  if (fromChannelsLast === toChannelsLast) return data.slice() as T;
  const out = new (data.constructor as { new (n: number): T })(data.length);
  const plane = dims.spatial.reduce((a, b) => a * b, 1);
  for (let n = 0; n < dims.batch; n++)
    for (let c = 0; c < dims.channels; c++)
      for (let s = 0; s < plane; s++) out[offsetOf(dims, toChannelsLast, n, c, s)] = data[offsetOf(dims, fromChannelsLast, n, c, s)];
  return out;
}

/** Row-major coordinates of flat index `index` in a grid of `sizes`. */
export function unflatten(index: number, sizes: readonly number[]): number[] {
  const coords = new Array(sizes.length);
  for (let i = sizes.length - 1; i >= 0; i--) {
    coords[i] = index % sizes[i];
    index = Math.floor(index / sizes[i]);
  }
  return coords;
}

/** Row-major flat index of `coords` in a grid of `sizes` (inverse of unflatten). */
export function planeIndex(coords: readonly number[], sizes: readonly number[]): number {
  return coords.reduce((acc, v, i) => acc * sizes[i] + v, 0);
}

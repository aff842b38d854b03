// Region pooling on the GPU: torchvision's roi_align, roi_pool, ps_roi_align and
// ps_roi_pool, forward and backward. The boxes are host data, so their geometry is
// computed here, once per call, with the float32 functions of src/roi-spec.ts that
// the CPU reference uses (alignBox and alignSample's two terms, poolBox, poolBin),
// and uploaded as small tables: the kernels compute no geometry that could round
// differently. Backward passes gather, one invocation per input element, over the
// boxes listed for its batch item and band of input rows (`bandLists`): no atomics,
// the same bits on every run. docs/DESIGN.md, "Region pooling", says why.
import type { GpuContext } from '../engine';
import { layoutInfo, shapeOf } from '../layout';
import { MODE } from '../modes';
import { alignBinStart, alignBox, alignSample, alignSampleOffset, poolBin, poolBox, type RoiSpec } from '../roi-spec';
import type { ShaderName } from '../shaders';
import type { PoolTensor } from '../tensor';
import { packUniforms, type UniformField } from '../uniforms';

/** The members of WGSL `struct RoiParams` (shaders/roi_params.wgsl), in order. */
export const ROI_PARAMS: readonly UniformField[] = [
  ['total', 'u32'],
  ['channels', 'u32'],
  ['out_channels', 'u32'],
  ['height', 'u32'],
  ['width', 'u32'],
  ['out_h', 'u32'],
  ['out_w', 'u32'],
  ['band_rows', 'u32'],
  ['bands', 'u32'],
];

/**
 * The members of WGSL `struct RoiBox` (shaders/roi_params.wgsl), in order: one
 * record per box in the `boxes` binding. `rows_at` and `cols_at` are where the
 * box's row and column tables start in `samples` (align ops) or `bins` (pool ops).
 */
export const ROI_BOX: readonly UniformField[] = [
  ['batch', 'u32'],
  ['grid_h', 'u32'],
  ['grid_w', 'u32'],
  ['rows_at', 'u32'],
  ['cols_at', 'u32'],
];

/**
 * The most (box, band) entries a backward pass lists (256 KiB of box ids): where
 * one-row bands would list more, bands grow to 2, 4, … rows until they fit. A
 * wider band costs its threads visits to boxes that touch only other rows of it.
 */
export const ROI_BAND_ENTRIES = 1 << 16;

/** Input rows [first, last] that a box's samples or bins touch; null where it touches none. */
export type RowSpan = readonly [first: number, last: number] | null;

/** A call's box tables, and the rows each box touches. */
interface Geometry {
  /** ROI_BOX records, one per box. */
  boxes: Uint32Array;
  /** Align ops: bin starts and sample offsets (f32). Pool ops: bin edges (u32). */
  table: Float32Array | Uint32Array;
  rows: RowSpan[];
}

/** The box lists of a backward pass: for batch item n and band b, boxes[offsets[n · bands + b] … offsets[n · bands + b + 1]). */
export interface BandLists {
  bandRows: number;
  bands: number;
  offsets: Uint32Array;
  boxes: Uint32Array;
}

const isAlign = (spec: RoiSpec) => spec.op === 'roiAlign' || spec.op === 'psRoiAlign';
const FIELD = Object.fromEntries(ROI_BOX.map(([name], i) => [name, i])) as Record<string, number>;

function record(boxes: Uint32Array, k: number, values: Record<string, number>): void {
  for (const [name] of ROI_BOX) boxes[k * ROI_BOX.length + FIELD[name]] = values[name];
}

/** The rows a sample at v reads on a side of `size`, by bilinearTaps' rules (the caller checks −1 ≤ v ≤ size). */
function tapRows(v: number, size: number): [number, number] {
  const lo = Math.floor(Math.max(v, 0));
  return lo >= size - 1 ? [size - 1, size - 1] : [lo, lo + 1];
}

/**
 * Align ops: for each box, out_h bin starts and grid_h sample offsets along rows,
 * then the same along columns (alignBinStart, alignSampleOffset: a sample is their
 * float32 sum, alignSample), and the rows its samples read.
 */
export function alignGeometry(spec: RoiSpec): Geometry {
  const [outH, outW] = spec.outputSize;
  const [height] = spec.inputSpatial;
  const geometry = Array.from({ length: spec.boxCount }, (_, k) => alignBox(spec, k));
  const size = geometry.reduce((n, b) => n + outH + b.gridH + outW + b.gridW, 0);
  const table = new Float32Array(size);
  const boxes = new Uint32Array(spec.boxCount * ROI_BOX.length);
  const rows: RowSpan[] = [];
  let at = 0;
  const side = (start: number, bin: number, grid: number, out: number): number => {
    const first = at;
    for (let p = 0; p < out; p++) table[at++] = alignBinStart(start, bin, p);
    for (let i = 0; i < grid; i++) table[at++] = alignSampleOffset(bin, grid, i);
    return first;
  };
  geometry.forEach((b, k) => {
    record(boxes, k, {
      batch: b.batch,
      grid_h: b.gridH,
      grid_w: b.gridW,
      rows_at: side(b.startH, b.binH, b.gridH, outH),
      cols_at: side(b.startW, b.binW, b.gridW, outW),
    });
    let first = Infinity;
    let last = -Infinity;
    for (let ph = 0; ph < outH; ph++)
      for (let iy = 0; iy < b.gridH; iy++) {
        const v = alignSample(b.startH, b.binH, b.gridH, ph, iy);
        if (!(v >= -1 && v <= height)) continue;
        const [lo, hi] = tapRows(v, height);
        first = Math.min(first, lo);
        last = Math.max(last, hi);
      }
    rows.push(first <= last ? [first, last] : null);
  });
  return { boxes, table, rows };
}

/**
 * Pool ops: for each box, out_h row pairs [h0, h1) then out_w column pairs
 * [w0, w1) of its bins in `pass` (poolBin: psRoiPool's forward clips at the
 * size − 1), and the rows its non-empty bins cover.
 */
export function poolGeometry(spec: RoiSpec, pass: 'forward' | 'backward'): Geometry {
  const [outH, outW] = spec.outputSize;
  const stride = 2 * (outH + outW);
  const table = new Uint32Array(spec.boxCount * stride);
  const boxes = new Uint32Array(spec.boxCount * ROI_BOX.length);
  const rows: RowSpan[] = [];
  for (let k = 0; k < spec.boxCount; k++) {
    const box = poolBox(spec, k);
    const rowsAt = k * stride;
    const colsAt = rowsAt + 2 * outH;
    let first = Infinity;
    let last = -Infinity;
    let columns = false;
    for (let ph = 0; ph < outH; ph++) {
      const { h0, h1 } = poolBin(spec, box, ph, 0, pass);
      table.set([h0, h1], rowsAt + 2 * ph);
      if (h1 > h0) [first, last] = [Math.min(first, h0), Math.max(last, h1 - 1)];
    }
    for (let pw = 0; pw < outW; pw++) {
      const { w0, w1 } = poolBin(spec, box, 0, pw, pass);
      table.set([w0, w1], colsAt + 2 * pw);
      columns ||= w1 > w0;
    }
    record(boxes, k, { batch: box.batch, grid_h: 0, grid_w: 0, rows_at: rowsAt, cols_at: colsAt });
    rows.push(columns && first <= last ? [first, last] : null);
  }
  return { boxes, table, rows };
}

/**
 * The backward pass's box lists (CSR): for each batch item and band of `bandRows`
 * input rows, the boxes (in index order, so sums run in a fixed order) whose rows
 * touch the band. Bands are 1 row, or the smallest power of 2 that keeps the
 * entries within `budget`.
 */
export function bandLists(rows: readonly RowSpan[], batchOf: ArrayLike<number>, batch: number, height: number, budget = ROI_BAND_ENTRIES): BandLists {
  const entries = (bandRows: number) => rows.reduce((n, s) => (s ? n + Math.floor(s[1] / bandRows) - Math.floor(s[0] / bandRows) + 1 : n), 0);
  let bandRows = 1;
  while (bandRows < height && entries(bandRows) > budget) bandRows *= 2;
  const bands = Math.ceil(height / bandRows);
  const offsets = new Uint32Array(batch * bands + 1);
  const eachBand = (fn: (list: number, k: number) => void) =>
    rows.forEach((s, k) => {
      if (s) for (let b = Math.floor(s[0] / bandRows); b <= Math.floor(s[1] / bandRows); b++) fn(batchOf[k] * bands + b, k);
    });
  eachBand((list) => offsets[list + 1]++);
  for (let i = 0; i < batch * bands; i++) offsets[i + 1] += offsets[i];
  const boxes = new Uint32Array(offsets[batch * bands]);
  const cursor = offsets.slice(0, batch * bands);
  eachBand((list, k) => (boxes[cursor[list]++] = k));
  return { bandRows, bands, offsets, boxes };
}

/** The output's (and its gradient's, and roiPool's indices') shape, in x's layout. */
export function roiShape(x: PoolTensor<'float32'>, spec: RoiSpec): number[] {
  return shapeOf(spec.outputDims, x.layout);
}

function kernel(spec: RoiSpec, backward: boolean): ShaderName {
  if (isAlign(spec)) return backward ? 'roiAlignBackward' : 'roiAlignForward';
  return backward ? 'roiPoolBackward' : 'roiPoolForward';
}

function constants(x: PoolTensor<'float32'>, spec: RoiSpec): Record<string, number> {
  const c: Record<string, number> = { CHANNELS_LAST: layoutInfo(x.layout).channelsLast ? 1 : 0, POSITION_SENSITIVE: spec.positionSensitive ? 1 : 0 };
  if (!isAlign(spec)) c.MODE = spec.op === 'roiPool' ? MODE.max : MODE.avg;
  return c;
}

function uniforms(spec: RoiSpec, total: number, lists?: BandLists): ArrayBuffer {
  const [height, width] = spec.inputSpatial;
  const [outH, outW] = spec.outputSize;
  return packUniforms(ROI_PARAMS, {
    total,
    channels: spec.inputChannels,
    out_channels: spec.outputChannels,
    height,
    width,
    out_h: outH,
    out_w: outW,
    band_rows: lists?.bandRows ?? 1,
    bands: lists?.bands ?? 1,
  });
}

/** Uploads host tables as scratch buffers, runs `fn` with them, then releases them. */
function withTables(
  ctx: GpuContext,
  label: string,
  tables: Record<string, Uint32Array | Float32Array>,
  fn: (buffers: Record<string, GPUBuffer>) => void,
): void {
  const buffers = Object.fromEntries(Object.entries(tables).map(([name, data]) => [name, ctx.createBuffer(data.byteLength, `${label}.${name}`, data)]));
  try {
    fn(buffers);
  } finally {
    for (const buffer of Object.values(buffers)) ctx.releaseBuffer(buffer);
  }
}

/** Checks, before anything is allocated, that every table fits in one binding. */
function checkTables(ctx: GpuContext, tables: Record<string, Uint32Array | Float32Array>): void {
  for (const data of Object.values(tables)) ctx.checkFits('rois', [data.length]);
}

/** Forward: the output [K, C', outH, outW] in x's layout, and roiPool's indices (null for the other ops). */
export function roiForward(
  ctx: GpuContext,
  x: PoolTensor<'float32'>,
  spec: RoiSpec,
  out: { output?: PoolTensor<'float32'>; indices?: PoolTensor<'int32'> } = {},
): { output: PoolTensor<'float32'>; indices: PoolTensor<'int32'> | null } {
  const align = isAlign(spec);
  const geometry = align ? alignGeometry(spec) : poolGeometry(spec, 'forward');
  const tables = { boxes: geometry.boxes, table: geometry.table };
  checkTables(ctx, tables);
  const shape = roiShape(x, spec);
  const output = ctx.output(out.output, shape, x.layout, 'float32', `${spec.op}.output`);
  const indices = spec.op === 'roiPool' ? ctx.output(out.indices, shape, x.layout, 'int32', `${spec.op}.indices`) : null;
  withTables(ctx, spec.op, tables, ({ boxes, table }) =>
    ctx.run({
      shader: kernel(spec, false),
      constants: constants(x, spec),
      uniforms: uniforms(spec, output.size),
      bindings: align ? { x, boxes, samples: table, y: output } : { x, boxes, bins: table, y: output, out_indices: indices },
      threads: output.size,
      label: `${spec.op}.forward`,
    }),
  );
  return { output, indices };
}

/** Backward: the gradient with respect to x, gathered per input element; `indices` are roiPool's forward's (null for the other ops). */
export function roiBackward(
  ctx: GpuContext,
  gradOutput: PoolTensor<'float32'>,
  x: PoolTensor<'float32'>,
  spec: RoiSpec,
  indices: PoolTensor<'int32'> | null,
  out?: PoolTensor<'float32'>,
): PoolTensor<'float32'> {
  const align = isAlign(spec);
  const geometry = align ? alignGeometry(spec) : poolGeometry(spec, 'backward');
  const batchOf = Array.from({ length: spec.boxCount }, (_, k) => spec.rois[k * 5]);
  const lists = bandLists(geometry.rows, batchOf, spec.batch, spec.inputSpatial[0]);
  const tables = { boxes: geometry.boxes, table: geometry.table, bandOffsets: lists.offsets, bandBoxes: lists.boxes };
  checkTables(ctx, tables);
  const gradInput = ctx.output(out, x.shape, x.layout, 'float32', `${spec.op}.gradInput`);
  withTables(ctx, spec.op, tables, ({ boxes, table, bandOffsets, bandBoxes }) => {
    const common = { grad_out: gradOutput, boxes, band_offsets: bandOffsets, band_boxes: bandBoxes, grad_in: gradInput };
    ctx.run({
      shader: kernel(spec, true),
      constants: constants(x, spec),
      uniforms: uniforms(spec, x.size, lists),
      bindings: align ? { ...common, samples: table } : { ...common, bins: table, saved_indices: indices },
      threads: x.size,
      label: `${spec.op}.backward`,
    });
  });
  return gradInput;
}

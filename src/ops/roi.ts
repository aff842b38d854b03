// Region pooling on the GPU: torchvision's roi_align, roi_pool, ps_roi_align and
// ps_roi_pool, forward and backward. The boxes are host data, so their geometry is
// computed here, once per call, with the float32 functions of src/roi-spec.ts that
// the CPU reference uses (alignBox and alignSample's two terms, poolBox, poolBin),
// and uploaded as small tables: the kernels compute no geometry that could round
// differently. Backward passes gather, one invocation per input element, over the
// boxes listed for its batch item and band of input rows, through each box's reach
// (src/ops/roi-reach.ts): no atomics, the same bits on every run. docs/DESIGN.md,
// "Region pooling", says why.
import type { GpuContext } from '../engine';
import { batchedLayout, layoutInfo, shapeOf } from '../layout';
import { MODE } from '../modes';
import { alignBinStart, alignBox, alignSampleOffset, poolBin, poolBox, type RoiSpec } from '../roi-spec';
import { bandLists, reachTables, type BandLists } from './roi-reach';
import type { ShaderName } from '../shaders';
import type { FloatTensor, PoolTensor } from '../tensor';
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
 * Channels one backward thread gathers where every channel reads every bin (roiAlign,
 * roiPool): they share one walk of the box lists and taps, which dominates under
 * heavily overlapping boxes. The shader's accumulators hold at most 4.
 */
export const ROI_CHANNEL_GROUP = 4;

/** A forward's box tables. */
interface Geometry {
  /** ROI_BOX records, one per box. */
  boxes: Uint32Array;
  /** Align ops: bin starts and sample offsets (f32). Pool ops: bin edges (u32). */
  table: Float32Array | Uint32Array;
}

const isAlign = (spec: RoiSpec) => spec.op === 'roiAlign' || spec.op === 'psRoiAlign';
const FIELD = Object.fromEntries(ROI_BOX.map(([name], i) => [name, i])) as Record<string, number>;

function record(boxes: Uint32Array, k: number, values: Record<string, number>): void {
  for (const [name] of ROI_BOX) boxes[k * ROI_BOX.length + FIELD[name]] = values[name];
}

/**
 * Align ops: for each box, out_h bin starts and grid_h sample offsets along rows,
 * then the same along columns (alignBinStart, alignSampleOffset: a sample is their
 * float32 sum, alignSample).
 */
export function alignGeometry(spec: RoiSpec): Geometry {
  const [outH, outW] = spec.outputSize;
  const geometry = Array.from({ length: spec.boxCount }, (_, k) => alignBox(spec, k));
  const size = geometry.reduce((n, b) => n + outH + b.gridH + outW + b.gridW, 0);
  const table = new Float32Array(size);
  const boxes = new Uint32Array(spec.boxCount * ROI_BOX.length);
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
  });
  return { boxes, table };
}

/**
 * Pool ops: for each box, out_h row pairs [h0, h1) then out_w column pairs
 * [w0, w1) of its bins in the forward (poolBin: psRoiPool's forward clips at the
 * size − 1).
 */
export function poolGeometry(spec: RoiSpec): Geometry {
  const [outH, outW] = spec.outputSize;
  const stride = 2 * (outH + outW);
  const table = new Uint32Array(spec.boxCount * stride);
  const boxes = new Uint32Array(spec.boxCount * ROI_BOX.length);
  for (let k = 0; k < spec.boxCount; k++) {
    const box = poolBox(spec, k);
    const rowsAt = k * stride;
    const colsAt = rowsAt + 2 * outH;
    for (let ph = 0; ph < outH; ph++) {
      const { h0, h1 } = poolBin(spec, box, ph, 0, 'forward');
      table.set([h0, h1], rowsAt + 2 * ph);
    }
    for (let pw = 0; pw < outW; pw++) {
      const { w0, w1 } = poolBin(spec, box, 0, pw, 'forward');
      table.set([w0, w1], colsAt + 2 * pw);
    }
    record(boxes, k, { batch: box.batch, grid_h: 0, grid_w: 0, rows_at: rowsAt, cols_at: colsAt });
  }
  return { boxes, table };
}

/** The output's (and its gradient's, and roiPool's indices') shape, in x's layout's batched form (the boxes are a batch). */
export function roiShape(x: FloatTensor, spec: RoiSpec): number[] {
  return shapeOf(spec.outputDims, batchedLayout(x.layout));
}

function constants(x: FloatTensor, spec: RoiSpec, backward: boolean): Record<string, number> {
  const c: Record<string, number> = { CHANNELS_LAST: layoutInfo(x.layout).channelsLast ? 1 : 0, POSITION_SENSITIVE: spec.positionSensitive ? 1 : 0 };
  if (!isAlign(spec)) c.MODE = spec.op === 'roiPool' ? MODE.max : MODE.avg;
  if (backward) c.ALIGN = isAlign(spec) ? 1 : 0;
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
  x: FloatTensor,
  spec: RoiSpec,
  out: { output?: FloatTensor; indices?: PoolTensor<'int32'> } = {},
): { output: FloatTensor; indices: PoolTensor<'int32'> | null } {
  const align = isAlign(spec);
  const geometry = align ? alignGeometry(spec) : poolGeometry(spec);
  const tables = { boxes: geometry.boxes, table: geometry.table };
  checkTables(ctx, tables);
  const shape = roiShape(x, spec);
  const output = ctx.output(out.output, shape, batchedLayout(x.layout), x.dtype, `${spec.op}.output`);
  const indices = spec.op === 'roiPool' ? ctx.output(out.indices, shape, batchedLayout(x.layout), 'int32', `${spec.op}.indices`) : null;
  withTables(ctx, spec.op, tables, ({ boxes, table }) =>
    ctx.run({
      shader: align ? 'roiAlignForward' : 'roiPoolForward',
      constants: constants(x, spec, false),
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
  gradOutput: FloatTensor,
  x: FloatTensor,
  spec: RoiSpec,
  indices: PoolTensor<'int32'> | null,
  out?: FloatTensor,
): FloatTensor {
  const reach = reachTables(spec);
  const batchOf = Array.from({ length: spec.boxCount }, (_, k) => spec.rois[k * 5]);
  const lists = bandLists(reach.rows, batchOf, spec.batch, spec.inputSpatial[0]);
  const tables = { reach: reach.reach, reachOffsets: reach.offsets, taps: reach.taps, bandOffsets: lists.offsets, bandBoxes: lists.boxes };
  checkTables(ctx, tables);
  const gradInput = ctx.output(out, x.shape, x.layout, x.dtype, `${spec.op}.gradInput`);
  // Channels a thread gathers, sharing one walk of the lists: position-sensitive ops read one bin a channel.
  const group = spec.positionSensitive ? 1 : ROI_CHANNEL_GROUP;
  const threads = (x.size / spec.inputChannels) * Math.ceil(spec.inputChannels / group);
  withTables(ctx, spec.op, tables, (t) =>
    ctx.run({
      shader: 'roiBackward',
      constants: { ...constants(x, spec, true), CHANNEL_GROUP: group },
      uniforms: uniforms(spec, threads, lists),
      bindings: {
        grad_out: gradOutput,
        reach: t.reach,
        reach_offsets: t.reachOffsets,
        taps: t.taps,
        saved_indices: indices,
        band_offsets: t.bandOffsets,
        band_boxes: t.bandBoxes,
        grad_in: gradInput,
      },
      threads,
      label: `${spec.op}.backward`,
    }),
  );
  return gradInput;
}

// What each box's bins reach on the input map, for the region ops' backward
// gather (shaders/roi_backward.wgsl): per box, for every input row it touches,
// the bins that read that row and what the row weighs in each; the same for
// columns. The host computes it once per call from the boxes (host data), so an
// input element's thread finds the (bin, weight) pairs of a box with two table
// reads instead of searching every bin of every box.
//
// A bin's 2-D reach is the product of its row reach and its column reach: a
// bilinear sample (y, x) reads rows of y times columns of x, and a bin's samples
// are every pair of its row samples and column samples. So is a pool bin's
// rectangle [h0, h1) × [w0, w1).
import { alignBox, alignSample, poolBin, poolBox, type RoiSpec } from '../roi-spec';
import type { UniformField } from '../uniforms';

const f32 = Math.fround;

/**
 * The members of WGSL `struct RoiReach` (shaders/roi_backward.wgsl), in order: one
 * record per box. Rows [row_first, row_first + row_count) are reached; the taps of
 * row h are taps[offsets[rows_at + h − row_first] … offsets[rows_at + h − row_first + 1]).
 * `divisor` is an align box's sample count (its average's divisor), 1 for pool boxes.
 */
export const ROI_REACH: readonly UniformField[] = [
  ['row_first', 'u32'],
  ['row_count', 'u32'],
  ['rows_at', 'u32'],
  ['col_first', 'u32'],
  ['col_count', 'u32'],
  ['cols_at', 'u32'],
  ['divisor', 'u32'],
];

/**
 * The most (box, band) entries a backward pass lists (256 KiB of box ids): where
 * one-row bands would list more, bands grow to 2, 4, … rows until they fit. A
 * wider band costs its threads visits to boxes that reach only other rows of it.
 */
export const ROI_BAND_ENTRIES = 1 << 16;

/** The box lists of a backward pass: for batch item n and band b, boxes[offsets[n · bands + b] … offsets[n · bands + b + 1]). */
export interface BandLists {
  bandRows: number;
  bands: number;
  offsets: Uint32Array;
  boxes: Uint32Array;
}

/** Input rows [first, last] that a box reaches; null where it reaches none. */
export type RowSpan = readonly [first: number, last: number] | null;

/** One side's reach of one box: for each line (row or column) from `first` on, its (bin, weight) taps, bins ascending. */
interface SideReach {
  first: number;
  lines: { bin: number; weight: number }[][];
}

/** A call's reach tables (the bindings `reach`, `reach_offsets`, `taps`) and each box's row span (for the band lists). */
export interface ReachTables {
  reach: Uint32Array;
  offsets: Uint32Array;
  /** Pairs (bin, weight bits) of WGSL `struct RoiTap`. */
  taps: Uint32Array;
  rows: RowSpan[];
}

/** Gathers (line, bin, weight) contributions into a SideReach; `add` sums into an existing tap in call order (float32). */
function sideBuilder() {
  const byLine = new Map<number, Map<number, number>>();
  return {
    add(line: number, bin: number, weight: number) {
      let bins = byLine.get(line);
      if (!bins) byLine.set(line, (bins = new Map()));
      bins.set(bin, f32((bins.get(bin) ?? 0) + weight));
    },
    build(): SideReach | null {
      if (byLine.size === 0) return null;
      const lines = [...byLine.keys()];
      const first = Math.min(...lines);
      const last = Math.max(...lines);
      return {
        first,
        lines: Array.from({ length: last - first + 1 }, (_, i) =>
          [...(byLine.get(first + i) ?? new Map<number, number>()).entries()].sort((a, b) => a[0] - b[0]).map(([bin, weight]) => ({ bin, weight })),
        ),
      };
    },
  };
}

/**
 * One side of an align box: bin p's samples, each with the two lines its bilinear
 * taps read (bilinearTaps' boundary rules: below 0 counts as 0, from the last line
 * on a sample reads that line alone with weight 1). A line's weight in a bin is the
 * sum of its share of each sample, in sample order; a sample that reads a line
 * lists it even at weight 0, so a NaN gradient still reaches it, as in the reference.
 */
function alignSide(start: number, bin: number, grid: number, out: number, size: number): SideReach | null {
  const side = sideBuilder();
  for (let p = 0; p < out; p++)
    for (let i = 0; i < grid; i++) {
      const v = alignSample(start, bin, grid, p, i);
      if (!(v >= -1 && v <= size)) continue;
      const clamped = Math.max(v, 0);
      const low = Math.floor(clamped);
      const [lo, hi, l] = low >= size - 1 ? [size - 1, size - 1, 0] : [low, low + 1, f32(clamped - low)];
      // One addition per line read: (1 − l) to lo, l to hi, their sum where lo = hi.
      for (const line of lo === hi ? [lo] : [lo, hi]) side.add(line, p, f32((line === lo ? f32(1 - l) : 0) + (line === hi ? l : 0)));
    }
  return side.build();
}

/** One side of a pool box: bin p covers lines [from(p), to(p)); each line's weight is the bin's extent (the average's divisor, a factor per side). */
function poolSide(out: number, edges: (p: number) => [number, number]): SideReach | null {
  const side = sideBuilder();
  for (let p = 0; p < out; p++) {
    const [from, to] = edges(p);
    for (let line = from; line < to; line++) side.add(line, p, to - from);
  }
  return side.build();
}

/** The reach of every box of a call, in backward's bins (torchvision's backward clips pool bins at the map's size). */
export function reachTables(spec: RoiSpec): ReachTables {
  const [outH, outW] = spec.outputSize;
  const [height, width] = spec.inputSpatial;
  const align = spec.op === 'roiAlign' || spec.op === 'psRoiAlign';
  const reach = new Uint32Array(spec.boxCount * ROI_REACH.length);
  const offsets: number[] = [];
  const taps: number[] = [];
  const bits = new Uint32Array(1);
  const weightBits = new Float32Array(bits.buffer);
  const rows: RowSpan[] = [];
  // A side's table: its lines' tap offsets (one more than lines), its taps appended to `taps`.
  const table = (side: SideReach): number => {
    const at = offsets.length;
    for (const line of side.lines) {
      offsets.push(taps.length / 2);
      for (const t of line) {
        weightBits[0] = t.weight;
        taps.push(t.bin, bits[0]);
      }
    }
    offsets.push(taps.length / 2);
    return at;
  };
  for (let k = 0; k < spec.boxCount; k++) {
    let rowSide: SideReach | null;
    let colSide: SideReach | null;
    let divisor = 1;
    if (align) {
      const b = alignBox(spec, k);
      rowSide = alignSide(b.startH, b.binH, b.gridH, outH, height);
      colSide = alignSide(b.startW, b.binW, b.gridW, outW, width);
      divisor = b.count;
    } else {
      const box = poolBox(spec, k);
      const bin = (ph: number, pw: number) => poolBin(spec, box, ph, pw, 'backward');
      rowSide = poolSide(outH, (ph) => [bin(ph, 0).h0, bin(ph, 0).h1]);
      colSide = poolSide(outW, (pw) => [bin(0, pw).w0, bin(0, pw).w1]);
    }
    // A box that reaches no row or no column reaches nothing: record no lines at all.
    if (!rowSide || !colSide) {
      rows.push(null);
      reach.set([0, 0, 0, 0, 0, 0, divisor], k * ROI_REACH.length);
      continue;
    }
    rows.push([rowSide.first, rowSide.first + rowSide.lines.length - 1]);
    const rowsAt = table(rowSide);
    const colsAt = table(colSide);
    reach.set([rowSide.first, rowSide.lines.length, rowsAt, colSide.first, colSide.lines.length, colsAt, divisor], k * ROI_REACH.length);
  }
  return { reach, offsets: Uint32Array.from(offsets), taps: Uint32Array.from(taps), rows };
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

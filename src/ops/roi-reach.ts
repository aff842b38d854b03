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

/** A call's reach tables (the bindings `reach`, `reach_offsets`, `taps`) and each box's row span (for the band lists). */
export interface ReachTables {
  reach: Uint32Array;
  offsets: Uint32Array;
  /** Pairs (bin, weight bits) of WGSL `struct RoiTap`. */
  taps: Uint32Array;
  rows: RowSpan[];
}

/** A SideGrid cell's marks: some sample reads the line; some sample reads it at weight 0. */
const READS = 1;
const READS_AT_ZERO = 2;

/**
 * One side of a box's reach, built densely: a line × bin grid of summed weights and
 * read marks over the lines [first, first + span) the box touches (at most the map's
 * size), reused from box to box. Typed arrays, not maps: the host builds this for
 * every box of every backward call, and on a GPU that host time is the op's cost.
 */
class SideGrid {
  weights = new Float32Array(0);
  reads = new Uint8Array(0);
  first = 0;
  span = 0;

  constructor(readonly bins: number) {}

  /** Starts a side over lines [first, last]; empty where last < first. */
  reset(first: number, last: number): void {
    this.first = first;
    this.span = Math.max(last - first + 1, 0);
    const cells = this.span * this.bins;
    if (this.weights.length < cells) {
      this.weights = new Float32Array(cells);
      this.reads = new Uint8Array(cells);
    } else {
      this.weights.fill(0, 0, cells);
      this.reads.fill(0, 0, cells);
    }
  }

  /**
   * Adds `weight` to line `line` of bin `bin`, in float32, in call order. `zero`: a
   * sample also reads the line at weight 0 (READS_AT_ZERO).
   */
  add(line: number, bin: number, weight: number, zero = weight === 0): void {
    const at = (line - this.first) * this.bins + bin;
    this.weights[at] = f32(this.weights[at] + weight);
    this.reads[at] |= zero ? READS | READS_AT_ZERO : READS;
  }
}

/** Growable u32 storage for the tables. */
class U32List {
  data = new Uint32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  take(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** A sample's two lines and the second's weight l, by bilinearTaps' rules (the caller checks −1 ≤ v ≤ size). */
function sampleTaps(v: number, size: number): [lo: number, hi: number, l: number] {
  const clamped = Math.max(v, 0);
  const low = Math.floor(clamped);
  return low >= size - 1 ? [size - 1, size - 1, 0] : [low, low + 1, f32(clamped - low)];
}

/**
 * One side of an align box: bin p's samples, each with the two lines its bilinear
 * taps read (below 0 counts as 0, from the last line on a sample reads that line
 * alone with weight 1). A line's weight in a bin is the sum of its share of each
 * sample, in sample order; a sample that reads a line lists it even at weight 0,
 * so a NaN gradient still reaches it, and marks it (an infinite one gives NaN there).
 */
function alignSide(grid: SideGrid, start: number, bin: number, samples: number, size: number): void {
  const out = grid.bins;
  let first = Infinity;
  let last = -Infinity;
  for (let p = 0; p < out; p++)
    for (let i = 0; i < samples; i++) {
      const v = alignSample(start, bin, samples, p, i);
      if (!(v >= -1 && v <= size)) continue;
      const [lo, hi] = sampleTaps(v, size);
      first = Math.min(first, lo);
      last = Math.max(last, hi);
    }
  grid.reset(first, last);
  if (grid.span === 0) return;
  for (let p = 0; p < out; p++)
    for (let i = 0; i < samples; i++) {
      const v = alignSample(start, bin, samples, p, i);
      if (!(v >= -1 && v <= size)) continue;
      const [lo, hi, l] = sampleTaps(v, size);
      // One addition per line read: (1 − l) to lo, l to hi, their sum where lo = hi
      // (then l = 0: the sample reads the line at weight 0 too).
      if (lo === hi) grid.add(lo, p, f32(f32(1 - l) + l), true);
      else {
        grid.add(lo, p, f32(1 - l));
        grid.add(hi, p, l);
      }
    }
}

/** One side of a pool box: bin p covers lines [from(p), to(p)); each line's weight is the bin's extent (the average's divisor, a factor per side). */
function poolSide(grid: SideGrid, edges: (p: number) => [number, number]): void {
  let first = Infinity;
  let last = -Infinity;
  for (let p = 0; p < grid.bins; p++) {
    const [from, to] = edges(p);
    if (to > from) [first, last] = [Math.min(first, from), Math.max(last, to - 1)];
  }
  grid.reset(first, last);
  for (let p = 0; p < grid.bins; p++) {
    const [from, to] = edges(p);
    for (let line = from; line < to; line++) grid.add(line, p, to - from);
  }
}

/** The reach of every box of a call, in backward's bins (torchvision's backward clips pool bins at the map's size). */
export function reachTables(spec: RoiSpec): ReachTables {
  const [outH, outW] = spec.outputSize;
  const [height, width] = spec.inputSpatial;
  const align = spec.op === 'roiAlign' || spec.op === 'psRoiAlign';
  const reach = new Uint32Array(spec.boxCount * ROI_REACH.length);
  const offsets = new U32List();
  const taps = new U32List();
  const bits = new Uint32Array(1);
  const weightBits = new Float32Array(bits.buffer);
  const rows: RowSpan[] = [];
  const rowGrid = new SideGrid(outH);
  const colGrid = new SideGrid(outW);
  // A side's table: its lines' tap offsets (one more than lines), its (bin, weight bits) taps appended.
  const table = (grid: SideGrid): number => {
    const at = offsets.length;
    for (let line = 0; line < grid.span; line++) {
      offsets.push(taps.length / 2);
      for (let bin = 0; bin < grid.bins; bin++) {
        const cell = line * grid.bins + bin;
        if (!grid.reads[cell]) continue;
        weightBits[0] = grid.weights[cell];
        taps.push(bin);
        taps.push(bits[0]);
        // Some sample also reads the line at weight 0: a tap of its own, at weight 0, so an
        // infinite gradient gives ∞ · 0 = NaN there (rare: a sample on a whole line or past
        // the map's last line), as the reference and torchvision, with nothing to check in
        // the kernel's sum.
        if (grid.reads[cell] & READS_AT_ZERO && grid.weights[cell] !== 0) {
          taps.push(bin);
          taps.push(0);
        }
      }
    }
    offsets.push(taps.length / 2);
    return at;
  };
  for (let k = 0; k < spec.boxCount; k++) {
    let divisor = 1;
    if (align) {
      const b = alignBox(spec, k);
      alignSide(rowGrid, b.startH, b.binH, b.gridH, height);
      alignSide(colGrid, b.startW, b.binW, b.gridW, width);
      divisor = b.count;
    } else {
      const box = poolBox(spec, k);
      const bin = (ph: number, pw: number) => poolBin(spec, box, ph, pw, 'backward');
      poolSide(rowGrid, (ph) => [bin(ph, 0).h0, bin(ph, 0).h1]);
      poolSide(colGrid, (pw) => [bin(0, pw).w0, bin(0, pw).w1]);
    }
    // A box that reaches no row or no column reaches nothing: record no lines at all.
    if (rowGrid.span === 0 || colGrid.span === 0) {
      rows.push(null);
      reach.set([0, 0, 0, 0, 0, 0, divisor], k * ROI_REACH.length);
      continue;
    }
    rows.push([rowGrid.first, rowGrid.first + rowGrid.span - 1]);
    const rowsAt = table(rowGrid);
    const colsAt = table(colGrid);
    reach.set([rowGrid.first, rowGrid.span, rowsAt, colGrid.first, colGrid.span, colsAt, divisor], k * ROI_REACH.length);
  }
  return { reach, offsets: offsets.take(), taps: taps.take(), rows };
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

// The host half of the GPU region ops (src/ops/roi.ts): the box tables the kernels
// read hold the CPU reference's geometry (a sample is its bin start plus its
// offset, one float32 addition: alignSample's value), and the backward's box
// lists (CSR by batch item and band of rows) list each box in exactly the bands
// its rows touch, in box order, with bands widened only past the budget.
import { describe, expect, it } from 'vitest';
import { alignGeometry, bandLists, poolGeometry, ROI_BOX, type RowSpan } from '../../src/ops/roi';
import { alignBox, alignSample, poolBin, poolBox, roiSpec, type RoiBoxes } from '../../src/roi-spec';

const dims = { batch: 2, channels: 3, spatial: [13, 17] };
const rois: RoiBoxes = {
  data: [0, -3.3, -2.1, 5.7, 6.2, 1, 10.25, 8.5, 40, 15, 0, 2, 2, 2, 2, 1, -100, -60, 200, 150],
  shape: [4, 5],
};
const field = (name: string) => ROI_BOX.findIndex(([n]) => n === name);

describe('region ops: box tables', () => {
  for (const [aligned, samplingRatio] of [
    [false, -1],
    [true, 0],
    [false, 3],
  ] as const) {
    it(`align samples are alignSample's, bit for bit (aligned=${aligned} samplingRatio=${samplingRatio})`, () => {
      const spec = roiSpec('roiAlign', dims, rois, { outputSize: [3, 2], spatialScale: 0.5, samplingRatio, aligned });
      const { boxes, table, rows } = alignGeometry(spec);
      const [outH, outW] = spec.outputSize;
      for (let k = 0; k < spec.boxCount; k++) {
        const b = alignBox(spec, k);
        const record = (name: string) => boxes[k * ROI_BOX.length + field(name)];
        expect([record('batch'), record('grid_h'), record('grid_w')]).toEqual([b.batch, b.gridH, b.gridW]);
        for (let p = 0; p < outH; p++)
          for (let i = 0; i < b.gridH; i++) {
            expect(Math.fround(table[record('rows_at') + p] + table[record('rows_at') + outH + i])).toBe(alignSample(b.startH, b.binH, b.gridH, p, i));
          }
        for (let p = 0; p < outW; p++)
          for (let i = 0; i < b.gridW; i++) {
            expect(Math.fround(table[record('cols_at') + p] + table[record('cols_at') + outW + i])).toBe(alignSample(b.startW, b.binW, b.gridW, p, i));
          }
      }
      // The huge box (rows −30 to 75, bins of 35): an adaptive grid reads every row; 3 samples a bin
      // (−24.2, −12.5, −0.8, then 10.8, 22.5, …) read rows 0–1 and 10–11, so its span ends at 11.
      expect(rows[3]).toEqual([0, samplingRatio > 0 ? 11 : 12]);
      // The degenerate box with an adaptive grid has no sample.
      if (samplingRatio <= 0 && aligned) expect(rows[2]).toBeNull();
    });
  }

  it("pool bins are poolBin's, in each pass (psRoiPool's forward clips at the size − 1)", () => {
    for (const op of ['roiPool', 'psRoiPool'] as const) {
      const spec = roiSpec(op, { ...dims, channels: 12 }, rois, { outputSize: [2, 3], spatialScale: 1 });
      for (const pass of ['forward', 'backward'] as const) {
        const { boxes, table, rows } = poolGeometry(spec, pass);
        for (let k = 0; k < spec.boxCount; k++) {
          const rowsAt = boxes[k * ROI_BOX.length + field('rows_at')];
          const colsAt = boxes[k * ROI_BOX.length + field('cols_at')];
          for (let ph = 0; ph < 2; ph++)
            for (let pw = 0; pw < 3; pw++) {
              const bin = poolBin(spec, poolBox(spec, k), ph, pw, pass);
              expect([table[rowsAt + 2 * ph], table[rowsAt + 2 * ph + 1], table[colsAt + 2 * pw], table[colsAt + 2 * pw + 1]]).toEqual([
                bin.h0,
                bin.h1,
                bin.w0,
                bin.w1,
              ]);
            }
        }
        expect(rows[3]).toEqual([0, op === 'psRoiPool' && pass === 'forward' ? 11 : 12]);
      }
    }
  });
});

describe('region ops: backward box lists', () => {
  const spans: RowSpan[] = [[0, 4], null, [3, 3], [2, 12], [7, 9]];
  const batchOf = [0, 1, 1, 0, 1];

  /** The boxes listed for batch item n and band b. */
  const listed = (l: ReturnType<typeof bandLists>, n: number, b: number) =>
    Array.from(l.boxes.subarray(l.offsets[n * l.bands + b], l.offsets[n * l.bands + b + 1]));

  it('lists each box, in box order, in every one-row band its rows touch', () => {
    const l = bandLists(spans, batchOf, 2, 13);
    expect([l.bandRows, l.bands, l.offsets.length]).toEqual([1, 13, 27]);
    for (let n = 0; n < 2; n++)
      for (let h = 0; h < 13; h++) {
        const want = spans.flatMap((s, k) => (s && batchOf[k] === n && s[0] <= h && h <= s[1] ? [k] : []));
        expect(listed(l, n, h), `n=${n} h=${h}`).toEqual(want);
      }
  });

  it('widens bands to powers of 2 only while the entries pass the budget', () => {
    // One-row bands: 5 + 1 + 11 + 3 = 20 entries; two-row: 3 + 1 + 6 + 2 = 12; four-row: 2 + 1 + 4 + 2 = 9.
    expect(bandLists(spans, batchOf, 2, 13, 20).bandRows).toBe(1);
    expect(bandLists(spans, batchOf, 2, 13, 19).bandRows).toBe(2);
    const l = bandLists(spans, batchOf, 2, 13, 10);
    expect([l.bandRows, l.bands, l.boxes.length]).toEqual([4, 4, 9]);
    for (let n = 0; n < 2; n++)
      for (let b = 0; b < 4; b++) {
        const want = spans.flatMap((s, k) => (s && batchOf[k] === n && s[0] <= 4 * b + 3 && 4 * b <= s[1] ? [k] : []));
        expect(listed(l, n, b), `n=${n} band=${b}`).toEqual(want);
      }
    // A budget no band size meets stops at one band for the whole map.
    expect(bandLists(spans, batchOf, 2, 13, 0).bands).toBe(1);
  });
});

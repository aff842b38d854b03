// The host half of the GPU region ops (src/ops/roi.ts, src/ops/roi-reach.ts): the
// forward's box tables hold the CPU reference's geometry (a sample is its bin start
// plus its offset, one float32 addition: alignSample's value); the backward's reach
// tables give each bin exactly the reference's weights on exactly its cells; and
// the box lists (CSR by batch item and band of rows) list each box in exactly the
// bands its rows touch, in box order, with bands widened only past the budget.
import { describe, expect, it } from 'vitest';
import { alignGeometry, poolGeometry, ROI_BOX } from '../../src/ops/roi';
import { bandLists, reachTables, ROI_REACH, type RowSpan } from '../../src/ops/roi-reach';
import { alignBox, alignSample, poolBin, poolBox, roiSpec, type RoiBoxes, type RoiOp } from '../../src/roi-spec';
import * as reference from '../../src/reference';

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
      const { boxes, table } = alignGeometry(spec);
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
      // (−24.2, −12.5, −0.8, then 10.8, 22.5, …) read rows 0–1 and 10–11, so its reach ends at 11.
      const { rows } = reachTables(spec);
      expect(rows[3]).toEqual([0, samplingRatio > 0 ? 11 : 12]);
      // The degenerate box with an adaptive grid has no sample.
      if (samplingRatio <= 0 && aligned) expect(rows[2]).toBeNull();
    });
  }

  it("pool bins are the forward's poolBin (psRoiPool's forward clips at the size − 1)", () => {
    for (const op of ['roiPool', 'psRoiPool'] as const) {
      const spec = roiSpec(op, { ...dims, channels: 12 }, rois, { outputSize: [2, 3], spatialScale: 1 });
      const { boxes, table } = poolGeometry(spec);
      for (let k = 0; k < spec.boxCount; k++) {
        const rowsAt = boxes[k * ROI_BOX.length + field('rows_at')];
        const colsAt = boxes[k * ROI_BOX.length + field('cols_at')];
        for (let ph = 0; ph < 2; ph++)
          for (let pw = 0; pw < 3; pw++) {
            const bin = poolBin(spec, poolBox(spec, k), ph, pw, 'forward');
            expect([table[rowsAt + 2 * ph], table[rowsAt + 2 * ph + 1], table[colsAt + 2 * pw], table[colsAt + 2 * pw + 1]]).toEqual([
              bin.h0,
              bin.h1,
              bin.w0,
              bin.w1,
            ]);
          }
      }
      // The backward's bins clip at the size: the huge box reaches the last row.
      expect(reachTables(spec).rows[3]).toEqual([0, 12]);
    }
  });
});

/** Bin (ph, pw) of box k's weight at each input cell (h · W + w), from the reach tables as the kernel combines them. */
function reachWeights(op: RoiOp, spec: ReturnType<typeof roiSpec>, k: number, ph: number, pw: number): Map<number, number> {
  const { reach, offsets, taps } = reachTables(spec);
  const weights = new Float32Array(taps.buffer);
  const r = (name: string) => reach[k * ROI_REACH.length + ROI_REACH.findIndex(([n]) => n === name)];
  // A side's taps of the bin as [line, weight] (a line may have a second tap, at weight 0).
  const side = (first: string, count: string, at: string, bin: number) => {
    const lines: [number, number][] = [];
    for (let d = 0; d < r(count); d++)
      for (let t = offsets[r(at) + d]; t < offsets[r(at) + d + 1]; t++) if (taps[2 * t] === bin) lines.push([r(first) + d, weights[2 * t + 1]]);
    return lines;
  };
  const rows = side('row_first', 'row_count', 'rows_at', ph);
  const cols = side('col_first', 'col_count', 'cols_at', pw);
  const cells = new Map<number, number>();
  const align = op === 'roiAlign' || op === 'psRoiAlign';
  for (const [h, rw] of rows)
    for (const [w, cw] of cols) {
      const s = h * spec.inputSpatial[1] + w;
      cells.set(s, (cells.get(s) ?? 0) + (align ? (rw * cw) / r('divisor') : 1 / (rw * cw)));
    }
  return cells;
}

describe('region ops: backward reach tables', () => {
  const small = { batch: 2, channels: 4, spatial: [13, 17] };
  const cases: [RoiOp, Record<string, unknown>][] = [
    ['roiAlign', { outputSize: [3, 2], spatialScale: 0.5, samplingRatio: -1 }],
    ['roiAlign', { outputSize: [2, 2], spatialScale: 0.5, samplingRatio: 3, aligned: true }],
    ['psRoiAlign', { outputSize: [2, 2], spatialScale: 1, samplingRatio: 2 }],
    ['psRoiPool', { outputSize: [2, 2], spatialScale: 1 }],
  ];
  for (const [op, options] of cases) {
    it(`give each bin the reference's weights on exactly its cells (${op} ${JSON.stringify(options)})`, () => {
      const spec = roiSpec(op, small, rois, options);
      const [outH, outW] = spec.outputSize;
      const x = reference.hostTensor(new Float32Array(2 * 4 * 13 * 17), [2, 4, 13, 17], 'NCHW');
      const plane = 13 * 17;
      let compared = 0;
      for (let k = 0; k < spec.boxCount; k++)
        for (let ph = 0; ph < outH; ph++)
          for (let pw = 0; pw < outW; pw++) {
            // The reference's gradient of one output cell (channel 0) is that bin's weights on the input.
            const g = new Float32Array(spec.boxCount * spec.outputChannels * outH * outW);
            g[((k * spec.outputChannels + 0) * outH + ph) * outW + pw] = 1;
            const gt = reference.hostTensor(g, [spec.boxCount, spec.outputChannels, outH, outW], 'NCHW');
            const grad = (reference as any)[`${op}Backward`](gt, x, rois, options).data as Float32Array;
            const batch = spec.rois[k * 5];
            const cin = spec.positionSensitive ? ph * outW + pw : 0;
            const want = grad.subarray((batch * 4 + cin) * plane, (batch * 4 + cin + 1) * plane);
            const got = reachWeights(op, spec, k, ph, pw);
            for (let s = 0; s < plane; s++) {
              const w = got.get(s) ?? 0;
              expect(Math.abs(w - want[s]), `box ${k} bin ${ph},${pw} cell ${s}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[s])));
              if (want[s] !== 0) expect(got.has(s), `box ${k} bin ${ph},${pw} cell ${s} reached`).toBe(true);
              compared++;
            }
          }
      expect(compared).toBe(spec.boxCount * outH * outW * plane);
    });
  }
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

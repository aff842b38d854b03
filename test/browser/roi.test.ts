// Region pooling (roiAlign, roiPool, psRoiAlign, psRoiPool) on real WebGPU against
// the CPU reference: forward and backward, both layouts, over boxes inside the
// map, crossing its edges, tiny and degenerate, far larger than the map, 40 on
// one spot, hundreds listed in bands of several rows; samplingRatio ≤ 0 and > 0,
// aligned true and false, the [K, 4] + batchIndices form. Max results and indices
// are exact; sums within sumUlps of their terms' magnitude (compare.ts). Every
// backward runs twice and must give the same bits. Every case is a test of its
// own, named after its parameters, in a GPU error scope of its own.
import { describe, expect, it } from 'vitest';
import { optionsText, shapeText, unaddressable } from '../support/case-name';
import { useHarnessPage } from '../support/page';
import type { RoiCase } from './roi-cases';
import type { DataKind } from '../support/random';
import { bandLists, reachTables, ROI_BAND_ENTRIES } from '../../src/ops/roi-reach';
import { roiSpec, type RoiOp } from '../../src/roi-spec';
import { dtypeText } from '../support/window-grid';

const harness = useHarnessPage();

const OPS: RoiOp[] = ['roiAlign', 'roiPool', 'psRoiAlign', 'psRoiPool'];
/** Each op's options (the rest of a scenario's are not the op's). */
const OPTION_KEYS: Record<RoiOp, string[]> = {
  roiAlign: ['outputSize', 'spatialScale', 'samplingRatio', 'aligned'],
  psRoiAlign: ['outputSize', 'spatialScale', 'samplingRatio'],
  roiPool: ['outputSize', 'spatialScale'],
  psRoiPool: ['outputSize', 'spatialScale'],
};

type Box = [batch: number, x1: number, y1: number, x2: number, y2: number];

interface Scenario {
  name: string;
  /** [N, H, W]; channels come from the op (position-sensitive: 2 · outH · outW). */
  map: [number, number, number];
  boxes: Box[];
  /** Give the boxes as [K, 4] with batchIndices (ONNX's form). */
  fourColumns?: boolean;
  options: { outputSize: [number, number]; spatialScale: number; samplingRatio: number; aligned: boolean };
  ops?: RoiOp[];
  data?: DataKind;
  gradData?: DataKind;
  out?: boolean;
  channels?: number;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Boxes on a 13×17 map that reach past its edges, on both sides, and one inside it. */
const EDGE_BOXES: Box[] = [
  [0, -3, -2, 5, 6],
  [1, 2, 3, 14, 11],
  [0, 0, 0, 16, 12],
  [1, 15, -4, 18, 20],
];

const SCENARIOS: Scenario[] = [
  {
    name: 'inside',
    map: [2, 13, 17],
    boxes: [
      [0, 2, 3, 20, 18],
      [1, 6.5, 1.25, 30, 24],
      [0, 10, 10, 14, 12.5],
      [1, 0, 0, 33, 25],
      [0, 4.4, 8.8, 16.2, 22.6],
    ],
    options: { outputSize: [3, 3], spatialScale: 0.5, samplingRatio: 2, aligned: false },
  },
  {
    name: 'inside-out',
    map: [2, 13, 17],
    boxes: [
      [1, 2, 3, 20, 18],
      [0, 6.5, 1.25, 30, 24],
    ],
    options: { outputSize: [2, 3], spatialScale: 0.5, samplingRatio: 0, aligned: true },
    out: true,
  },
  {
    name: 'edge',
    map: [2, 13, 17],
    boxes: [
      [0, -3, -2, 5, 6],
      [1, 10, 8, 20, 15],
      [0, -5, 5, 30, 9],
      [1, 15, -4, 18, 20],
      [0, -1.5, -1.2, 0.5, 0.3],
      [1, 16.2, 12.1, 17.9, 13.8],
      [0, -9, -9, -2, -1.5],
    ],
    options: { outputSize: [2, 4], spatialScale: 1, samplingRatio: -1, aligned: true },
  },
  {
    name: 'edge-unaligned',
    map: [1, 9, 11],
    boxes: [
      [0, -2.5, -0.5, 4, 12],
      [0, 8.5, 7.5, 14, 10],
      [0, 10, 0, 11, 8],
    ],
    options: { outputSize: [3, 2], spatialScale: 1, samplingRatio: 2, aligned: false },
    ops: ['roiAlign'],
  },
  {
    name: 'tiny',
    map: [2, 13, 17],
    boxes: [
      [0, 3.2, 4.1, 3.3, 4.15],
      [1, 5, 5, 5, 9],
      [0, 2, 2, 2, 2],
      [1, 0.1, 0.1, 0.4, 0.9],
      [0, 16, 12, 16, 12],
    ],
    options: { outputSize: [2, 2], spatialScale: 1, samplingRatio: 0, aligned: false },
  },
  {
    name: 'tiny-aligned',
    map: [2, 13, 17],
    boxes: [
      [0, 3.2, 4.1, 3.3, 4.15],
      [1, 5, 5, 5, 9],
      [0, 2, 2, 2, 2],
      [1, 0.1, 0.1, 0.4, 0.9],
    ],
    options: { outputSize: [2, 2], spatialScale: 1, samplingRatio: -1, aligned: true },
    ops: ['roiAlign'],
  },
  {
    name: 'huge',
    map: [2, 13, 17],
    boxes: [
      [0, -100, -60, 200, 150],
      [1, -40, -30, 90, 70],
      [0, -300, 10, 10, 12],
    ],
    options: { outputSize: [3, 3], spatialScale: 0.5, samplingRatio: -1, aligned: false },
  },
  {
    name: 'overlap40',
    map: [2, 13, 17],
    boxes: range(40).map((i): Box => [i % 2, 4 + (i % 5) * 0.25, 3 + (i % 7) * 0.2, 11 + (i % 3) * 0.5, 9 + (i % 4) * 0.3]),
    options: { outputSize: [3, 3], spatialScale: 1, samplingRatio: 2, aligned: true },
  },
  {
    name: 'four-columns',
    map: [2, 13, 17],
    boxes: [
      [1, 1, 2, 9, 8],
      [0, 0.5, 3.5, 16, 12],
      [1, 4, 0, 6, 13],
    ],
    fourColumns: true,
    options: { outputSize: [2, 2], spatialScale: 1, samplingRatio: 1, aligned: false },
  },
  {
    name: 'scale-quarter',
    map: [2, 13, 17],
    boxes: [
      [0, 8, 4, 60, 48],
      [1, 20, 12, 44, 30],
      [1, 2, 2, 6, 5],
    ],
    options: { outputSize: [4, 3], spatialScale: 0.25, samplingRatio: 3, aligned: false },
  },
  {
    name: 'many-in-bands',
    map: [1, 120, 8],
    boxes: range(600).map((i): Box => [0, (i % 8) * 0.5, (i % 3) * 0.25, 7.5, 119.5 - (i % 5) * 0.25]),
    options: { outputSize: [1, 1], spatialScale: 1, samplingRatio: -1, aligned: false },
    channels: 1,
  },
  ...(['ties', 'nan', 'neginf'] as const).map((data): Scenario => ({
    name: `data-${data}`,
    map: [2, 13, 17],
    boxes: EDGE_BOXES,
    options: { outputSize: [3, 3], spatialScale: 1, samplingRatio: 2, aligned: false },
    ops: ['roiPool'],
    data,
  })),
  // Gradients with NaN, ±inf and 1e30: a sample that reads an input at weight 0 (a box
  // past the map's edges, samples on whole rows) gives ∞ · 0 = NaN there, as torchvision.
  {
    name: 'grad-special',
    map: [2, 13, 17],
    // The last box's samples fall on whole rows (4 and 8).
    boxes: [...EDGE_BOXES, [0, 1, 2, 9, 10]],
    options: { outputSize: [3, 3], spatialScale: 1, samplingRatio: 2, aligned: false },
    gradData: 'special',
  },
];

function caseOf(s: Scenario, op: RoiOp, channelsLast: boolean, seed: number, dtype?: 'float16'): RoiCase {
  const [n, h, w] = s.map;
  const [outH, outW] = s.options.outputSize;
  const channels = (s.channels ?? (op.startsWith('ps') ? 2 : 3)) * (op.startsWith('ps') ? outH * outW : 1);
  const shape = [n, channels, h, w];
  const options = Object.fromEntries(OPTION_KEYS[op].map((k) => [k, s.options[k as keyof Scenario['options']]]));
  const rois = s.fourColumns
    ? { data: s.boxes.flatMap((b) => b.slice(1)), shape: [s.boxes.length, 4], batchIndices: s.boxes.map((b) => b[0]) }
    : { data: s.boxes.flat(), shape: [s.boxes.length, 5] };
  const name = `${op} ${s.name} ${channelsLast ? 'NHWC' : 'NCHW'}${dtypeText(dtype)} x=${shapeText(shape)} K=${s.boxes.length} ${optionsText(options)}`;
  return { name, op, shape, channelsLast, rois, options, seed, data: s.data, gradData: s.gradData, out: s.out, ...(dtype ? { dtype } : {}) };
}

const CASES: RoiCase[] = [];
/** The float16 slice: every third case again with float16 tensors (odd, so both layouts), against the reference's float16 semantics (roi-cases.ts). */
const HALF_CASES: RoiCase[] = [];
let seed = 11;
for (const s of SCENARIOS)
  for (const op of s.ops ?? OPS)
    for (const channelsLast of [false, true]) {
      CASES.push(caseOf(s, op, channelsLast, (seed += 7)));
      if ((CASES.length - 1) % 3 === 0) HALF_CASES.push(caseOf(s, op, channelsLast, seed, 'float16'));
    }

/** The bands a backward uses for a case (src/ops/roi.ts), computed on the host as the op does. */
function bandRowsOf(c: RoiCase): number {
  const dims = { batch: c.shape[0], channels: c.shape[1], spatial: c.shape.slice(2) };
  const spec = roiSpec(c.op, dims, { data: c.rois.data, shape: c.rois.shape, batchIndices: c.rois.batchIndices }, c.options);
  const batchOf = Array.from({ length: spec.boxCount }, (_, k) => spec.rois[k * 5]);
  return bandLists(reachTables(spec).rows, batchOf, spec.batch, spec.inputSpatial[0]).bandRows;
}

describe('region pooling, GPU against the CPU reference', () => {
  it('names every case so that -t selects it alone', ({ task }) => {
    expect(
      unaddressable(
        task.file,
        [...CASES, ...HALF_CASES].map((c) => c.name),
      ),
    ).toEqual([]);
  });

  it(`covers every op in both layouts, and box lists in bands of several rows (over ${ROI_BAND_ENTRIES} entries)`, () => {
    for (const op of OPS) for (const cl of [false, true]) expect(CASES.filter((c) => c.op === op && c.channelsLast === cl).length).toBeGreaterThan(6);
    const banded = CASES.filter((c) => c.name.includes(' many-in-bands '));
    expect(banded.length).toBe(8);
    for (const c of banded) expect(bandRowsOf(c), c.name).toBeGreaterThan(1);
    expect(bandRowsOf(CASES[0])).toBe(1);
  });

  it(`runs ${HALF_CASES.length} of the cases again in float16: every op, both layouts`, () => {
    for (const op of OPS) for (const cl of [false, true]) expect(HALF_CASES.filter((c) => c.op === op && c.channelsLast === cl).length).toBeGreaterThan(1);
    expect(HALF_CASES.every((c) => c.dtype === 'float16' && c.name.includes(' dtype=float16 '))).toBe(true);
  });

  for (const c of [...CASES, ...HALF_CASES]) {
    it(c.name, async () => {
      const result = await harness().page.evaluate((c) => (window as any).harness.runRoiCase(c), c);
      expect(result.failures).toEqual([]);
      expect(result.compared).toBeGreaterThan(0);
    });
  }
});

describe('region pooling: bad calls', () => {
  it('a bad box, bad options or a bad gradient raise PoolError before any GPU work: nothing is allocated', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const x = engine.tensor(new Float32Array(2 * 8 * 6 * 7), [2, 8, 6, 7]);
        const ok = { data: [0, 1, 1, 4, 4], shape: [1, 5] };
        const { output, indices } = engine.roiPool(x, ok, { outputSize: 2 });
        const before = engine.stats();
        const out: Record<string, string> = {};
        const calls: [string, () => unknown][] = [
          ['inverted', () => engine.roiAlign(x, { data: [0, 5, 1, 2, 4], shape: [1, 5] }, { outputSize: 2 })],
          ['nan', () => engine.roiPool(x, { data: [0, NaN, 1, 2, 4], shape: [1, 5] }, { outputSize: 2 })],
          ['batch', () => engine.psRoiAlign(x, { data: [2, 1, 1, 2, 4], shape: [1, 5] }, { outputSize: 2 })],
          ['batchIndices', () => engine.psRoiPool(x, { data: [1, 1, 2, 4], shape: [1, 4] }, { outputSize: 2 })],
          ['channels', () => engine.psRoiPool(x, ok, { outputSize: 3 })],
          ['option', () => engine.roiPool(x, ok, { outputSize: 2, samplingRatio: 2 })],
          ['backward box', () => engine.roiPoolBackward(output, x, { data: [0, 1, 9, 4, 4], shape: [1, 5] }, indices, { outputSize: 2 })],
          ['gradient shape', () => engine.roiAlignBackward(x, x, ok, { outputSize: 2 })],
          ['indices', () => engine.roiPoolBackward(output, x, ok, null, { outputSize: 2 })],
          ['out shape', () => engine.roiAlign(x, ok, { outputSize: 2 }, x)],
        ];
        for (const [name, call] of calls) {
          try {
            call();
            out[name] = 'no error';
          } catch (e: any) {
            out[name] = e instanceof pool.PoolError ? `${e.code}: ${e.message}` : `untyped ${e}`;
          }
        }
        const after = engine.stats();
        [x, output, indices].forEach((t: any) => t.destroy());
        return { out, before, after };
      }),
    );
    expect(got.after).toEqual(got.before);
    expect(got.out.inverted).toMatch(/^INVALID_OPTION: rois\[0\] = .*x2 < x1/);
    expect(got.out.nan).toMatch(/^NOT_FINITE: rois\[0\]/);
    expect(got.out.batch).toMatch(/^INVALID_OPTION: rois\[0\]\[0\] = 2: the batch index of box 0 must be a whole number from 0 to 1/);
    expect(got.out.batchIndices).toMatch(/^SHAPE_MISMATCH: rois.batchIndices/);
    expect(got.out.channels).toMatch(/^INVALID_SHAPE: input.channels = 8: must be a multiple of outputSize 3 × 3/);
    expect(got.out.option).toMatch(/^INVALID_OPTION: samplingRatio = 2: is not an option of roiPool/);
    expect(got.out['backward box']).toMatch(/^INVALID_OPTION: rois\[0\] = .*y2 < y1/);
    expect(got.out['gradient shape']).toMatch(/^SHAPE_MISMATCH: gradOutput.shape = \[2, 8, 6, 7\]: must be the forward output's shape \[1, 8, 2, 2\]/);
    expect(got.out.indices).toMatch(/^NO_INDICES: indices/);
    expect(got.out['out shape']).toMatch(/^SHAPE_MISMATCH: out.shape/);
  });

  it('after prepare (no rois: the kernels do not depend on the boxes), the first calls create no pipeline', async () => {
    const result = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { pool } = (window as any).harness;
        // A fresh device: pipelines are cached per device.
        const adapter = await navigator.gpu.requestAdapter();
        const device = await adapter!.requestDevice();
        const engine = await pool.createPoolEngine({ device });
        const calls = [
          { op: 'roiAlignBackward', shape: [1, 4, 9, 8], layout: 'NCHW', options: { outputSize: 2, samplingRatio: 2 } },
          { op: 'roiPoolBackward', shape: [1, 9, 8, 4], layout: 'NHWC', options: { outputSize: 2 } },
          { op: 'psRoiAlign', shape: [1, 4, 9, 8], layout: 'NCHW', options: { outputSize: 2 } },
          { op: 'psRoiPoolBackward', shape: [1, 9, 8, 4], layout: 'NHWC', options: { outputSize: 2 } },
        ];
        const prepared = await engine.prepare(calls);
        const made: string[] = (window as any).harness.watchPipelineCreation(device);
        const data = Float32Array.from({ length: 288 }, (_, i) => Math.sin(i));
        const rois = { data: [0, 1, 1.5, 6, 7, 0, -2, 0, 4, 9], shape: [2, 5] };
        const a = engine.tensor(data, [1, 4, 9, 8], 'NCHW');
        const b = engine.tensor(data, [1, 9, 8, 4], 'NHWC');
        const ra = engine.roiAlign(a, rois, { outputSize: 2, samplingRatio: 2 });
        const ga = engine.roiAlignBackward(ra, a, rois, { outputSize: 2, samplingRatio: 2 });
        const rp = engine.roiPool(b, rois, { outputSize: 2 });
        const gp = engine.roiPoolBackward(rp.output, b, rois, rp.indices, { outputSize: 2 });
        const pa = engine.psRoiAlign(a, rois, { outputSize: 2 });
        const pp = engine.psRoiPool(b, rois, { outputSize: 2 });
        const gpp = engine.psRoiPoolBackward(pp, b, rois, { outputSize: 2 });
        await Promise.all([ga, gp, pa, gpp].map((t: any) => t.read()));
        engine.destroy();
        device.destroy();
        return { prepared, made };
      }),
    );
    // The four kernels in each layout the calls use, and the engine's copy and probe kernels.
    expect(result.prepared).toBeGreaterThanOrEqual(6);
    expect(result.made).toEqual([]);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

// The CPU reference of the region ops (roiAlign, roiPool, psRoiAlign, psRoiPool)
// against torchvision 0.14's golden results, forward and backward, in NCHW and
// NHWC; then every PoolError their spec raises, with its message.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PoolError } from '../../src/errors';
import { dimsOf, relayout, shapeOf, type Layout } from '../../src/layout';
import * as reference from '../../src/reference/index';
import type { HostTensor } from '../../src/reference/index';
import { alignBox, poolBin, poolBox, roiSpec, roundHalfAway, type RoiBoxes } from '../../src/roi-spec';
import { parseGolden, toNumbers, type GoldenCase, type GoldenTensor } from '../golden/golden-ops';
import { unaddressable } from '../support/case-name';
import { mismatches, type Tolerance } from '../support/compare';

const dir = resolve(process.env.GOLDEN_DIR ?? join(fileURLToPath(new URL('../..', import.meta.url)), '../shared/golden'));
const cases = parseGolden(readFileSync(join(dir, 'roi_pool.json'), 'utf8')).cases;
const REGION_OPS = ['roiAlign', 'roiPool', 'psRoiAlign', 'psRoiPool'];

/** A channels-first golden tensor as a host tensor in `layout` ('NCHW' or 'NHWC'). */
function host(t: GoldenTensor, layout: Layout): HostTensor {
  const dims = dimsOf(t.shape, 'NCHW');
  const data = relayout(Float32Array.from(toNumbers(t.data)), dims, false, layout === 'NHWC');
  return reference.hostTensor(data, shapeOf(dims, layout), layout);
}

/** A result in `layout` back to channels-first, to compare with the golden data. */
function channelsFirst<A extends Float32Array | Int32Array>(t: HostTensor<A>): A {
  return relayout(t.data, t.dims, t.layout === 'NHWC', false);
}

/** The case's options under the reference's names (the golden params already use them). */
function optionsOf(c: GoldenCase): never {
  const keys =
    c.op === 'roiAlign'
      ? ['outputSize', 'spatialScale', 'samplingRatio', 'aligned']
      : c.op === 'psRoiAlign'
        ? ['outputSize', 'spatialScale', 'samplingRatio']
        : ['outputSize', 'spatialScale'];
  return Object.fromEntries(keys.filter((k) => c.params[k] !== undefined).map((k) => [k, c.params[k]])) as never;
}

/** Runs a golden case forward and backward on the reference in one layout; results channels-first, by golden key. */
function run(c: GoldenCase, layout: Layout): Record<string, ArrayLike<number>> {
  const x = host(c.input, layout);
  const roisT = c.rois as GoldenTensor;
  const rois: RoiBoxes = { data: Float32Array.from(toNumbers(roisT.data)), shape: roisT.shape };
  const o = optionsOf(c);
  const g = c.gradOutput ? host(c.gradOutput as GoldenTensor, layout) : null;
  const r: Record<string, ArrayLike<number>> = {};
  switch (c.op) {
    case 'roiAlign': {
      r.output = channelsFirst(reference.roiAlign(x, rois, o));
      if (g) r.gradInput = channelsFirst(reference.roiAlignBackward(g, x, rois, o));
      break;
    }
    case 'psRoiAlign': {
      r.output = channelsFirst(reference.psRoiAlign(x, rois, o));
      if (g) r.gradInput = channelsFirst(reference.psRoiAlignBackward(g, x, rois, o));
      break;
    }
    case 'roiPool': {
      const { output, indices } = reference.roiPool(x, rois, o);
      r.output = channelsFirst(output);
      r.indices = channelsFirst(indices);
      if (g) r.gradInput = channelsFirst(reference.roiPoolBackward(g, x, rois, indices, o));
      break;
    }
    case 'psRoiPool': {
      r.output = channelsFirst(reference.psRoiPool(x, rois, o));
      if (g) r.gradInput = channelsFirst(reference.psRoiPoolBackward(g, x, rois, o));
      break;
    }
    default:
      throw new Error(`${c.id}: op ${c.op} is not a region op`);
  }
  return r;
}

describe('region ops against torchvision 0.14 (roi_pool.json)', () => {
  it('finds cases of every region op and no other op', () => {
    expect(cases.map((c) => c.op).filter((op) => !REGION_OPS.includes(op))).toEqual([]);
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(REGION_OPS));
  });

  const grid = cases.flatMap((c) => (['NCHW', 'NHWC'] as const).map((layout) => [`${c.id} ${layout}`, c, layout] as const));
  it('names every golden case and layout so that -t selects it alone', ({ task }) => {
    expect(
      unaddressable(
        task.file,
        grid.map(([name]) => name),
      ),
    ).toEqual([]);
  });
  it.each(grid)('%s', (_, c, layout) => {
    const got = run(c, layout);
    const tol: Tolerance = c.tolerance ?? { abs: 1e-5, rel: 1e-4 };
    const failures: string[] = [];
    let compared = 0;
    for (const key of ['output', 'indices', 'gradInput']) {
      const want = c[key] as GoldenTensor | undefined;
      if (!want) continue;
      if (!got[key]) {
        failures.push(`${key}: none returned`);
        continue;
      }
      failures.push(...mismatches(key, got[key], toNumbers(want.data), key === 'indices' ? { abs: 0, rel: 0 } : tol, dimsOf(want.shape, 'NCHW'), false));
      compared++;
    }
    expect(compared, 'a case must compare its output and gradient').toBeGreaterThanOrEqual(2);
    expect(failures).toEqual([]);
  });
});

// ---------------------------------------------------------------- semantics on small hand-made cases

/** A 1 × C × H × W NCHW tensor with x[c, h, w] = value(c, h, w). */
function mapOf(c: number, h: number, w: number, value: (c: number, h: number, w: number) => number): HostTensor {
  const data = new Float32Array(c * h * w);
  for (let i = 0; i < c; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(i * h + y) * w + x] = value(i, y, x);
  return reference.hostTensor(data, [1, c, h, w], 'NCHW');
}

const boxes = (...rows: number[][]): RoiBoxes => ({ data: rows.flat(), shape: [rows.length, rows[0].length] });

describe('region op semantics', () => {
  it('roiAlign of a linear ramp is the ramp at the bin centre, where bilinear sampling is exact', () => {
    const x = mapOf(1, 8, 8, (_, h, w) => 10 * h + w);
    const out = reference.roiAlign(x, boxes([0, 1, 2, 5, 6]), { outputSize: 2, samplingRatio: 2, aligned: true });
    // aligned: box (0.5, 1.5)–(4.5, 5.5), bins 2 × 2 pixels, centres at 1.5 / 3.5 (x) and 2.5 / 4.5 (y).
    expect(Array.from(out.data)).toEqual([26.5, 28.5, 46.5, 48.5]);
  });

  it('roiAlign forces a small box to 1 × 1 unless aligned; adaptive sampling is ceil of size over output size', () => {
    const spec = roiSpec('roiAlign', { batch: 1, channels: 1, spatial: [8, 8] }, boxes([0, 2, 2, 2.25, 2.25]), { outputSize: 2 });
    expect(alignBox(spec, 0)).toMatchObject({ startH: 2, startW: 2, binH: 0.5, binW: 0.5, gridH: 1, gridW: 1, count: 1 });
    const aligned = roiSpec('roiAlign', { batch: 1, channels: 1, spatial: [8, 8] }, boxes([0, 2, 2, 2, 7]), { outputSize: 2, aligned: true });
    // width 0: an empty grid, output 0; height 5: bins of 2.5, 3 samples per side.
    expect(alignBox(aligned, 0)).toMatchObject({ startH: 1.5, startW: 1.5, binW: 0, gridW: 0, binH: 2.5, gridH: 3, count: 1 });
    const x = mapOf(1, 8, 8, () => 1);
    expect(Array.from(reference.roiAlign(x, boxes([0, 2, 2, 2, 7]), { outputSize: 2, aligned: true }).data)).toEqual([0, 0, 0, 0]);
  });

  it('roiAlign drops samples more than a pixel outside the map and clamps the rest to the edge', () => {
    const x = mapOf(1, 4, 4, (_, h, w) => 1 + h * 4 + w);
    // One sample per bin at the box centre: (-1.5, -1.5) reads nothing; (-0.5, -0.5) reads x[0, 0]; (4.5, 4.5) nothing; (3.5, 3.5) x[3, 3].
    const at = (cx: number, cy: number) =>
      reference.roiAlign(x, boxes([0, cx - 0.5, cy - 0.5, cx + 0.5, cy + 0.5]), { outputSize: 1, samplingRatio: 1 }).data[0];
    expect(at(-1.5, -1.5)).toBe(0);
    expect(at(-0.5, -0.5)).toBe(1);
    expect(at(4.5, 4.5)).toBe(0);
    expect(at(3.5, 3.5)).toBe(16);
    expect(at(4, 4)).toBe(16); // y = H exactly is still inside: the last row alone
  });

  it('roiPool rounds corners half away from zero and counts both corners', () => {
    expect([roundHalfAway(2.5), roundHalfAway(-2.5), roundHalfAway(-0.4), roundHalfAway(0.49999997)]).toEqual([3, -3, 0, 0]);
    const spec = roiSpec('roiPool', { batch: 1, channels: 1, spatial: [6, 6] }, boxes([0, 0.6, 1.4, 3.5, 4.49]), { outputSize: [2, 2] });
    const box = poolBox(spec, 0);
    expect(box).toMatchObject({ startW: 1, startH: 1, binW: 2, binH: 2 }); // x 1..4, y 1..4: 4 × 4 cells
    expect(poolBin(spec, box, 1, 1, 'forward')).toEqual({ h0: 3, h1: 5, w0: 3, w1: 5 });
  });

  it('roiPool: first maximum wins ties, empty bins give 0 and index -1, the gradient follows the index', () => {
    const x = mapOf(1, 4, 4, (_, h, w) => (h === 1 && w >= 1 ? 5 : h * 4 + w - 20));
    const rois = boxes([0, 1, 1, 2, 2], [0, 6, 6, 9, 9]);
    const { output, indices } = reference.roiPool(x, rois, { outputSize: 1 });
    expect(Array.from(output.data)).toEqual([5, 0]);
    expect(Array.from(indices.data)).toEqual([5, -1]);
    const g = reference.hostTensor(Float32Array.from([2, 3]), [2, 1, 1, 1], 'NCHW');
    const grad = reference.roiPoolBackward(g, x, rois, indices, { outputSize: 1 });
    expect(
      Array.from(grad.data)
        .map((v, i) => [i, v])
        .filter(([, v]) => v !== 0),
    ).toEqual([[5, 2]]);
  });

  it('roiPool as torchvision: NaN never wins, a bin of only NaN or -Infinity gives -FLT_MAX and index -1', () => {
    const x = reference.hostTensor(Float32Array.from([NaN, 2, -Infinity, NaN]), [1, 1, 2, 2], 'NCHW');
    const { output, indices } = reference.roiPool(x, boxes([0, 0, 0, 1, 0], [0, 0, 1, 1, 1]), { outputSize: 1 });
    expect(Array.from(output.data)).toEqual([2, Math.fround(-3.4028234663852886e38)]);
    expect(Array.from(indices.data)).toEqual([1, -1]);
  });

  it('psRoiAlign and psRoiPool read input channel c·outH·outW + i·outW + j at bin i, j', () => {
    const x = mapOf(8, 4, 4, (c) => c);
    const rois = boxes([0, 0, 0, 3, 3]);
    const pool = reference.psRoiPool(x, rois, { outputSize: 2 });
    expect(pool.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(pool.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const align = reference.psRoiAlign(x, rois, { outputSize: 2, samplingRatio: 2 });
    expect(Array.from(align.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('psRoiPool follows torchvision: the forward never reads the last row or column, the backward spreads there', () => {
    const x = mapOf(1, 3, 3, (_, h, w) => (h === 2 || w === 2 ? 100 : 1));
    const rois = boxes([0, 0, 0, 3, 3]); // rounded box 3 × 3: the whole map
    expect(Array.from(reference.psRoiPool(x, rois, { outputSize: 1 }).data)).toEqual([1]); // the 2 × 2 top-left cells only
    const g = reference.hostTensor(Float32Array.from([9]), [1, 1, 1, 1], 'NCHW');
    expect(Array.from(reference.psRoiPoolBackward(g, x, rois, { outputSize: 1 }).data)).toEqual(new Array(9).fill(1));
  });

  it('takes ONNX boxes Kx4 with batchIndices as torchvision rows', () => {
    const x = reference.hostTensor(
      Float32Array.from({ length: 2 * 3 * 5 * 5 }, (_, i) => Math.sin(i)),
      [2, 3, 5, 5],
      'NCHW',
    );
    const o = { outputSize: 2, spatialScale: 0.5, samplingRatio: 2 };
    const a = reference.roiAlign(x, boxes([1, 1, 2, 7, 8], [0, 0, 0, 4, 3]), o);
    const b = reference.roiAlign(x, { data: Float32Array.from([1, 2, 7, 8, 0, 0, 4, 3]), shape: [2, 4], batchIndices: Int32Array.from([1, 0]) }, o);
    expect(b.data).toEqual(a.data);
  });

  it('gives outputs and gradients in the input layout', () => {
    const nchw = reference.hostTensor(
      Float32Array.from({ length: 2 * 4 * 6 * 5 }, (_, i) => Math.cos(i * 0.7)),
      [2, 4, 6, 5],
      'NCHW',
    );
    const nhwc = reference.hostTensor(relayout(nchw.data, nchw.dims, false, true), [2, 6, 5, 4], 'NHWC');
    const rois = boxes([1, 0.5, 1, 4, 5.5]);
    const out = reference.psRoiAlign(nhwc, rois, { outputSize: [1, 2] });
    expect(out.layout).toBe('NHWC');
    expect(out.shape).toEqual([1, 1, 2, 2]);
    expect(channelsFirst(out)).toEqual(reference.psRoiAlign(nchw, rois, { outputSize: [1, 2] }).data);
  });
});

// ---------------------------------------------------------------- errors

const x4 = reference.hostTensor(new Float32Array(2 * 4 * 6 * 6), [2, 4, 6, 6], 'NCHW');
const good = boxes([0, 1, 1, 4, 4]);

function raised(fn: () => unknown): PoolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PoolError) return e;
    throw e;
  }
  throw new Error('expected a PoolError');
}

describe('region op errors', () => {
  const errorCases = [
    // name, call, code, message
    [
      'options not an object',
      () => reference.roiAlign(x4, good, null as never),
      'INVALID_OPTION',
      'options = null: must be an object with at least outputSize (options of roiAlign: outputSize, spatialScale, samplingRatio, aligned)',
    ],
    [
      'aligned on roiPool',
      () => reference.roiPool(x4, good, { outputSize: 2, aligned: true } as never),
      'INVALID_OPTION',
      'aligned = true: is not an option of roiPool (options: outputSize, spatialScale)',
    ],
    [
      'samplingRatio on psRoiPool',
      () => reference.psRoiPool(x4, good, { outputSize: 2, samplingRatio: 2 } as never),
      'INVALID_OPTION',
      'samplingRatio = 2: is not an option of psRoiPool (options: outputSize, spatialScale)',
    ],
    [
      'outputSize missing',
      () => reference.roiAlign(x4, good, {} as never),
      'INVALID_OUTPUT_SIZE',
      'outputSize = undefined: must be a positive integer or [height, width]',
    ],
    [
      'outputSize of 3',
      () => reference.roiAlign(x4, good, { outputSize: [1, 2, 3] as never }),
      'INVALID_OUTPUT_SIZE',
      'outputSize = [1, 2, 3]: must be a positive integer or [height, width]',
    ],
    ['outputSize 0', () => reference.roiPool(x4, good, { outputSize: [2, 0] }), 'INVALID_OUTPUT_SIZE', 'outputSize = [2, 0]: must hold positive integers'],
    ['outputSize 1.5', () => reference.roiPool(x4, good, { outputSize: 1.5 }), 'INVALID_OUTPUT_SIZE', 'outputSize = 1.5: must hold positive integers'],
    [
      'outputSize Infinity',
      () => reference.roiPool(x4, good, { outputSize: [Infinity, 2] }),
      'NOT_FINITE',
      'outputSize = [Infinity, 2]: must hold finite positive integers',
    ],
    [
      'spatialScale 0',
      () => reference.roiAlign(x4, good, { outputSize: 2, spatialScale: 0 }),
      'INVALID_OPTION',
      'spatialScale = 0: must be greater than 0 (in float32)',
    ],
    [
      'spatialScale -1',
      () => reference.roiPool(x4, good, { outputSize: 2, spatialScale: -1 }),
      'INVALID_OPTION',
      'spatialScale = -1: must be greater than 0 (in float32)',
    ],
    [
      'spatialScale NaN',
      () => reference.roiAlign(x4, good, { outputSize: 2, spatialScale: NaN }),
      'NOT_FINITE',
      'spatialScale = NaN: must be finite (in float32) and greater than 0',
    ],
    [
      'spatialScale 1e39',
      () => reference.roiAlign(x4, good, { outputSize: 2, spatialScale: 1e39 }),
      'NOT_FINITE',
      'spatialScale = 1e+39: must be finite (in float32) and greater than 0',
    ],
    [
      'spatialScale string',
      () => reference.roiAlign(x4, good, { outputSize: 2, spatialScale: '0.5' as never }),
      'INVALID_OPTION',
      'spatialScale = "0.5": must be a number greater than 0 (e.g. 1/16)',
    ],
    [
      'samplingRatio 1.5',
      () => reference.roiAlign(x4, good, { outputSize: 2, samplingRatio: 1.5 }),
      'INVALID_OPTION',
      'samplingRatio = 1.5: must be an integer: samples per bin side, or ≤ 0 for ceil(box size / output size)',
    ],
    [
      'samplingRatio NaN',
      () => reference.psRoiAlign(x4, good, { outputSize: 2, samplingRatio: NaN }),
      'NOT_FINITE',
      'samplingRatio = NaN: must be a finite integer',
    ],
    [
      'samplingRatio huge',
      () => reference.roiAlign(x4, good, { outputSize: 2, samplingRatio: 30000 }),
      'TOO_LARGE',
      'samplingRatio = 30000: squared, times outputSize 2 × 2, must be at most 2^31 − 1 samples per box',
    ],
    ['aligned 1', () => reference.roiAlign(x4, good, { outputSize: 2, aligned: 1 as never }), 'INVALID_OPTION', 'aligned = 1: must be true or false'],
    [
      'input of rank 1',
      () => reference.roiAlign(reference.hostTensor(new Float32Array(8), [1, 2, 4], 'NCW'), good, { outputSize: 2 }),
      'INVALID_RANK',
      'input = [4]: has these spatial sizes (spatial rank 1); roiAlign needs spatial rank 2 (NCHW or NHWC)',
    ],
    [
      'channels not divisible psRoiAlign',
      () => reference.psRoiAlign(x4, good, { outputSize: 3 }),
      'INVALID_SHAPE',
      'input.channels = 4: must be a multiple of outputSize 3 × 3 = 9 for psRoiAlign (channels = output channels × 9)',
    ],
    [
      'channels not divisible psRoiPool',
      () => reference.psRoiPool(x4, good, { outputSize: [1, 3] }),
      'INVALID_SHAPE',
      'input.channels = 4: must be a multiple of outputSize 1 × 3 = 3 for psRoiPool (channels = output channels × 3)',
    ],
    [
      'rois missing',
      () => reference.roiAlign(x4, undefined as never, { outputSize: 2 }),
      'INVALID_OPTION',
      'rois = undefined: must be { data, shape: [K, 5] } (batchIndex, x1, y1, x2, y2), or { data, shape: [K, 4], batchIndices }',
    ],
    [
      'rois of shape Kx6',
      () => reference.roiAlign(x4, { data: new Float32Array(6), shape: [1, 6] }, { outputSize: 2 }),
      'INVALID_SHAPE',
      'rois.shape = [1, 6]: must be [K, 5] with rows (batchIndex, x1, y1, x2, y2), as torchvision takes them, or [K, 4] with rows (x1, y1, x2, y2) and batchIndices, as ONNX does; K ≥ 1',
    ],
    [
      'rois of shape 5',
      () => reference.roiPool(x4, { data: new Float32Array(5), shape: [5] }, { outputSize: 2 }),
      'INVALID_SHAPE',
      'rois.shape = [5]: must be [K, 5] with rows (batchIndex, x1, y1, x2, y2), as torchvision takes them, or [K, 4] with rows (x1, y1, x2, y2) and batchIndices, as ONNX does; K ≥ 1',
    ],
    [
      'rois with no box',
      () => reference.roiPool(x4, { data: new Float32Array(0), shape: [0, 5] }, { outputSize: 2 }),
      'INVALID_SHAPE',
      'rois.shape = [0, 5]: must be [K, 5] with rows (batchIndex, x1, y1, x2, y2), as torchvision takes them, or [K, 4] with rows (x1, y1, x2, y2) and batchIndices, as ONNX does; K ≥ 1',
    ],
    [
      'rois data short',
      () => reference.roiAlign(x4, { data: new Float32Array(9), shape: [2, 5] }, { outputSize: 2 }),
      'DATA_LENGTH',
      'rois.data.length = 9: must equal the product of rois.shape [2, 5] = 10',
    ],
    [
      'Kx4 boxes without batchIndices',
      () => reference.roiAlign(x4, { data: [1, 1, 4, 4], shape: [1, 4] }, { outputSize: 2 }),
      'SHAPE_MISMATCH',
      'rois.batchIndices = undefined: must be given with [K, 4] boxes: one batch index per box (1 numbers)',
    ],
    [
      'Kx5 rois with batchIndices',
      () => reference.roiAlign(x4, { ...good, batchIndices: [0] }, { outputSize: 2 }),
      'SHAPE_MISMATCH',
      'rois.batchIndices = [0]: must be left out with [K, 5] rois, whose first column is the batch index',
    ],
    [
      'batchIndices too short',
      () => reference.roiAlign(x4, { data: [1, 1, 4, 4, 1, 1, 4, 4], shape: [2, 4], batchIndices: [0] }, { outputSize: 2 }),
      'SHAPE_MISMATCH',
      'rois.batchIndices.length = 1: must equal the number of boxes K = 2',
    ],
    [
      'batchIndices of BigInt',
      () => reference.roiAlign(x4, { data: [1, 1, 4, 4], shape: [1, 4], batchIndices: BigInt64Array.from([0n]) as never }, { outputSize: 2 }),
      'INVALID_OPTION',
      'rois.batchIndices[0] = 0: must be a number (convert a BigInt64Array with Array.from(b, Number))',
    ],
    [
      'NaN coordinate',
      () => reference.roiAlign(x4, boxes([0, 1, 1, 4, 4], [0, 1, NaN, 4, 4]), { outputSize: 2 }),
      'NOT_FINITE',
      'rois[1] = [0, 1, NaN, 4, 4]: box 1 has a non-finite coordinate (in float32); every coordinate must be a finite number',
    ],
    [
      'Infinity coordinate',
      () => reference.roiPool(x4, boxes([0, 1, 1, Infinity, 4]), { outputSize: 2 }),
      'NOT_FINITE',
      'rois[0] = [0, 1, 1, Infinity, 4]: box 0 has a non-finite coordinate (in float32); every coordinate must be a finite number',
    ],
    [
      'coordinate past float32',
      () => reference.psRoiPool(x4, { data: [1, 1, 1e39, 4], shape: [1, 4], batchIndices: [0] }, { outputSize: 2 }),
      'NOT_FINITE',
      'rois[0] = [1, 1, 1e+39, 4]: box 0 has a non-finite coordinate (in float32); every coordinate must be a finite number',
    ],
    [
      'batch index 2 of 2',
      () => reference.roiAlign(x4, boxes([2, 1, 1, 4, 4]), { outputSize: 2 }),
      'INVALID_OPTION',
      "rois[0][0] = 2: the batch index of box 0 must be a whole number from 0 to 1 (the input's batch is 2)",
    ],
    [
      'batch index -1',
      () => reference.roiPool(x4, boxes([0, 1, 1, 4, 4], [-1, 1, 1, 4, 4]), { outputSize: 2 }),
      'INVALID_OPTION',
      "rois[1][0] = -1: the batch index of box 1 must be a whole number from 0 to 1 (the input's batch is 2)",
    ],
    [
      'batch index 0.5',
      () => reference.psRoiPool(x4, boxes([0.5, 1, 1, 4, 4]), { outputSize: 2 }),
      'INVALID_OPTION',
      "rois[0][0] = 0.5: the batch index of box 0 must be a whole number from 0 to 1 (the input's batch is 2)",
    ],
    [
      'batch index NaN',
      () => reference.psRoiAlign(x4, boxes([NaN, 1, 1, 4, 4]), { outputSize: 2 }),
      'NOT_FINITE',
      "rois[0][0] = NaN: the batch index of box 0 must be a whole number from 0 to 1 (the input's batch is 2)",
    ],
    [
      'ONNX batch index out of range',
      () => reference.roiAlign(x4, { data: [1, 1, 4, 4], shape: [1, 4], batchIndices: Int32Array.from([5]) }, { outputSize: 2 }),
      'INVALID_OPTION',
      "rois.batchIndices[0] = 5: the batch index of box 0 must be a whole number from 0 to 1 (the input's batch is 2)",
    ],
    [
      'x2 < x1',
      () => reference.roiAlign(x4, boxes([0, 1, 1, 4, 4], [0, 5, 1, 2, 4]), { outputSize: 2 }),
      'INVALID_OPTION',
      'rois[1] = [0, 5, 1, 2, 4]: box 1 has x2 < x1 (2 < 5); corners must be (x1, y1, x2, y2) with x1 ≤ x2 and y1 ≤ y2 (boxes in (x, y, w, h) or (y1, x1, y2, x2) order need converting)',
    ],
    [
      'y2 < y1 aligned',
      () => reference.roiAlign(x4, boxes([0, 1, 4, 4, 3.5]), { outputSize: 2, aligned: true }),
      'INVALID_OPTION',
      'rois[0] = [0, 1, 4, 4, 3.5]: box 0 has y2 < y1 (3.5 < 4); corners must be (x1, y1, x2, y2) with x1 ≤ x2 and y1 ≤ y2 (boxes in (x, y, w, h) or (y1, x1, y2, x2) order need converting)',
    ],
    [
      'inverted in roiPool',
      () => reference.roiPool(x4, boxes([1, 4, 4, 1, 1]), { outputSize: 2 }),
      'INVALID_OPTION',
      'rois[0] = [1, 4, 4, 1, 1]: box 0 has x2 < x1 (1 < 4); corners must be (x1, y1, x2, y2) with x1 ≤ x2 and y1 ≤ y2 (boxes in (x, y, w, h) or (y1, x1, y2, x2) order need converting)',
    ],
    [
      'box beyond the coordinate limit',
      () => reference.roiPool(x4, boxes([0, 0, 0, 4e7, 4]), { outputSize: 2, spatialScale: 0.5 }),
      'TOO_LARGE',
      'rois[0] = [0, 0, 0, 40000000, 4]: box 0 reaches beyond ±2^24 on the feature map (coordinate × spatialScale); keep boxes near the map',
    ],
    [
      'adaptive grid too large',
      () => reference.roiAlign(x4, boxes([0, 0, 0, 1e7, 1e7]), { outputSize: 1 }),
      'TOO_LARGE',
      'rois[0] = [0, 0, 0, 10000000, 10000000]: box 0 needs 10000000 × 10000000 samples per bin (samplingRatio ≤ 0: ceil(box size / output size)), 100000000000000 in all; at most 2^31 − 1 — give a samplingRatio',
    ],
    [
      'gradOutput of the wrong shape',
      () => reference.roiAlignBackward(reference.hostTensor(new Float32Array(4 * 2 * 2), [1, 4, 2, 2], 'NHWC'), x4, good, { outputSize: 2 }),
      'SHAPE_MISMATCH',
      "gradOutput.shape = [1, 4, 2, 2]: must be the forward output's shape [1, 4, 2, 2] in layout NCHW (got layout NHWC)",
    ],
    [
      'indices of the wrong shape',
      () =>
        reference.roiPoolBackward(
          reference.hostTensor(new Float32Array(16), [1, 4, 2, 2], 'NCHW'),
          x4,
          good,
          reference.hostTensor(new Int32Array(8), [1, 4, 2, 1], 'NCHW'),
          { outputSize: 2 },
        ),
      'SHAPE_MISMATCH',
      "indices.shape = [1, 4, 2, 1]: must be the forward output's shape [1, 4, 2, 2] in layout NCHW (got layout NCHW)",
    ],
  ] as const;
  it.each(errorCases)('%s', (_, call, code, message) => {
    const e = raised(call);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  it('names every error case so that -t selects it alone', ({ task }) => {
    expect(
      unaddressable(
        task.file,
        errorCases.map(([name]) => name),
      ),
    ).toEqual([]);
  });

  it('accepts degenerate boxes with x1 = x2 and a box whose scaled corners sit exactly at the coordinate limit', () => {
    expect(() => reference.roiAlign(x4, boxes([0, 2, 2, 2, 2]), { outputSize: 2 })).not.toThrow();
    expect(() => reference.psRoiPool(x4, boxes([0, -(2 ** 24), 0, 2 ** 24, 2]), { outputSize: 2 })).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { PoolError } from '../../src/errors';
import { adaptiveSpec, binEnd, binsCovering, binStart, gemSpec, globalSpec, pyramidSpec, stripExpandDims, stripSpec } from '../../src/binned-spec';
import { hostTensor } from '../../src/reference/host-tensor';
import { pyramidChain, pyramidKernel } from '../../src/ops/adaptive';
import * as reference from '../../src/reference/index';

describe('adaptive bins (PyTorch)', () => {
  it('bin i covers [floor(i·L/out), ceil((i+1)·L/out))', () => {
    const bins = (size: number, out: number) => Array.from({ length: out }, (_, i) => [binStart(i, size, out), binEnd(i, size, out)]);
    expect(bins(10, 3)).toEqual([
      [0, 4],
      [3, 7],
      [6, 10],
    ]);
    expect(bins(13, 5)).toEqual([
      [0, 3],
      [2, 6],
      [5, 8],
      [7, 11],
      [10, 13],
    ]);
    expect(bins(4, 5)).toEqual([
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 4],
      [3, 4],
    ]);
    expect(bins(6, 6)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
      [5, 6],
    ]);
    expect(bins(7, 1)).toEqual([[0, 7]]);
  });

  it('binsCovering lists exactly the bins that contain a position', () => {
    for (const [size, out] of [
      [10, 3],
      [13, 5],
      [4, 5],
      [7, 7],
      [3, 11],
      [1, 4],
      [9, 1],
    ]) {
      for (let pos = 0; pos < size; pos++) {
        const want = Array.from({ length: out }, (_, i) => i).filter((i) => binStart(i, size, out) <= pos && pos < binEnd(i, size, out));
        const [first, end] = binsCovering(pos, size, out);
        expect(Array.from({ length: end - first }, (_, k) => first + k)).toEqual(want);
      }
    }
  });
});

describe('output sizes', () => {
  it('adaptive: a number, one per dimension, null keeps the input size, larger than the input', () => {
    expect(adaptiveSpec('avg', [9, 7], { outputSize: 3 }).outputSpatial).toEqual([3, 3]);
    expect(adaptiveSpec('max', [9, 7], { outputSize: [null, 2] }).outputSpatial).toEqual([9, 2]);
    expect(adaptiveSpec('max', [4, 4, 4], { outputSize: [5, 6, 7] }).outputSpatial).toEqual([5, 6, 7]);
    expect(adaptiveSpec('avg', [9, 7], { outputSize: [1, 1] }).global).toBe(true);
    expect(adaptiveSpec('avg', [1, 7], { outputSize: [null, 1] }).global).toBe(true);
    expect(adaptiveSpec('avg', [9, 7], { outputSize: [1, 2] }).global).toBe(false);
    expect(globalSpec('max', [5, 6, 4]).outputSpatial).toEqual([1, 1, 1]);
  });

  it('spatial pyramid: default levels [1, 2, 4] and mode max; Σ l² cells per channel', () => {
    expect(pyramidSpec([13, 11], undefined)).toMatchObject({ levels: [1, 2, 4], mode: 'max', cells: 21 });
    expect(pyramidSpec([9, 9], { levels: [1, 2, 3], mode: 'avg' })).toMatchObject({ cells: 14, mode: 'avg' });
    const x = hostTensor(
      Float32Array.from({ length: 2 * 3 * 13 * 11 }, (_, i) => i % 17),
      [2, 3, 13, 11],
    );
    expect(reference.spatialPyramidPool(x).output.shape).toEqual([2, 63]);
  });

  it('GeM defaults p = 3, eps = 1e-6; strips take rank 2', () => {
    expect(gemSpec([7, 7], undefined)).toMatchObject({ p: 3, eps: 1e-6 });
    expect(gemSpec([7, 7], { p: 1.5, eps: 0.01 })).toMatchObject({ p: 1.5, eps: 0.01 });
    expect(stripSpec([8, 11])).toEqual({ height: 8, width: 11 });
    const rows = hostTensor(new Float32Array(2 * 3 * 8), [2, 8, 1, 3], 'NHWC');
    const cols = hostTensor(new Float32Array(2 * 3 * 11), [2, 1, 11, 3], 'NHWC');
    expect(stripExpandDims(rows, cols)).toEqual({ batch: 2, channels: 3, spatial: [8, 11] });
  });

  it('the CPU reference follows them: outputs larger than the input repeat elements; 1×1 is the global mean', () => {
    const x = hostTensor(Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
    expect(Array.from(reference.adaptiveMaxPool(x, { outputSize: 3 }).output.data)).toEqual([1, 2, 2, 3, 4, 4, 3, 4, 4]);
    expect(Array.from(reference.adaptiveAvgPool(x, { outputSize: [1, 1] }).data)).toEqual([2.5]);
    expect(Array.from(reference.globalMaxPool(x).indices.data)).toEqual([3]);
    const e = reference.stripPoolExpand(hostTensor(Float32Array.from([1, 2]), [1, 1, 2, 1]), hostTensor(Float32Array.from([10, 20, 30]), [1, 1, 1, 3]));
    expect(Array.from(e.data)).toEqual([11, 21, 31, 12, 22, 32]);
  });
});

/** Every bad input of the binned modes, with the code it must raise and what the message must name. */
const BAD: [string, () => unknown, string, string][] = [
  ['empty levels', () => pyramidSpec([8, 8], { levels: [] }), 'INVALID_LEVELS', 'levels'],
  ['levels not a list', () => pyramidSpec([8, 8], { levels: 2 as never }), 'INVALID_LEVELS', 'levels'],
  ['level 0', () => pyramidSpec([8, 8], { levels: [1, 0] }), 'INVALID_LEVELS', 'levels'],
  ['level 1.5', () => pyramidSpec([8, 8], { levels: [1.5] }), 'INVALID_LEVELS', 'levels'],
  ['level NaN', () => pyramidSpec([8, 8], { levels: [NaN] }), 'NOT_FINITE', 'levels'],
  ['pyramid mode', () => pyramidSpec([8, 8], { mode: 'lp' as never }), 'INVALID_MODE', 'mode'],
  ['pyramid rank 3', () => pyramidSpec([4, 8, 8], {}), 'INVALID_RANK', 'input'],
  ['pyramid rank 1', () => pyramidSpec([8], {}), 'INVALID_RANK', 'input'],
  ['pyramid option', () => pyramidSpec([8, 8], { kernel: 2 } as never), 'INVALID_OPTION', 'kernel'],
  ['zero output size', () => adaptiveSpec('avg', [8, 8], { outputSize: 0 }), 'EMPTY_OUTPUT', 'outputSize'],
  ['zero output size in one dimension', () => adaptiveSpec('max', [8, 8], { outputSize: [2, 0] }), 'EMPTY_OUTPUT', 'outputSize'],
  ['negative output size', () => adaptiveSpec('max', [8, 8], { outputSize: [2, -1] }), 'INVALID_OUTPUT_SIZE', 'outputSize'],
  ['fractional output size', () => adaptiveSpec('avg', [8], { outputSize: 1.5 }), 'INVALID_OUTPUT_SIZE', 'outputSize'],
  ['NaN output size', () => adaptiveSpec('avg', [8], { outputSize: NaN }), 'NOT_FINITE', 'outputSize'],
  ['Infinity output size', () => adaptiveSpec('avg', [8, 8], { outputSize: [Infinity, 1] }), 'NOT_FINITE', 'outputSize'],
  ['output size of the wrong length', () => adaptiveSpec('avg', [8, 8], { outputSize: [2] }), 'INVALID_OUTPUT_SIZE', 'outputSize'],
  ['output size missing', () => adaptiveSpec('avg', [8, 8], {} as never), 'INVALID_OUTPUT_SIZE', 'outputSize'],
  ['output size a string', () => adaptiveSpec('avg', [8, 8], { outputSize: ['2', 2] as never }), 'INVALID_OUTPUT_SIZE', 'outputSize'],
  ['output size too large for 32-bit index math', () => adaptiveSpec('avg', [70000], { outputSize: 70000 }), 'INVALID_OUTPUT_SIZE', 'outputSize'],
  ['adaptive options missing', () => adaptiveSpec('avg', [8, 8], undefined), 'INVALID_OPTION', 'options'],
  ['adaptive unknown option', () => adaptiveSpec('max', [8, 8], { outputSize: 2, stride: 2 } as never), 'INVALID_OPTION', 'stride'],
  ['adaptive rank 0', () => adaptiveSpec('avg', [], { outputSize: 1 }), 'INVALID_RANK', 'input'],
  ['global rank 4', () => globalSpec('avg', [2, 2, 2, 2]), 'INVALID_RANK', 'input'],
  ['global mode', () => globalSpec('lp' as never, [4]), 'INVALID_MODE', 'mode'],
  ['p = 0', () => gemSpec([4, 4], { p: 0 }), 'INVALID_P', 'p'],
  ['p < 0', () => gemSpec([4, 4], { p: -1 }), 'INVALID_P', 'p'],
  ['p NaN', () => gemSpec([4, 4], { p: NaN }), 'NOT_FINITE', 'p'],
  ['p Infinity', () => gemSpec([4, 4], { p: Infinity }), 'NOT_FINITE', 'p'],
  ['p a string', () => gemSpec([4, 4], { p: '3' as never }), 'INVALID_P', 'p'],
  ['eps = 0', () => gemSpec([4, 4], { eps: 0 }), 'INVALID_EPS', 'eps'],
  ['eps < 0', () => gemSpec([4, 4], { eps: -1e-6 }), 'INVALID_EPS', 'eps'],
  ['eps NaN', () => gemSpec([4, 4], { eps: NaN }), 'NOT_FINITE', 'eps'],
  ['GeM rank 1', () => gemSpec([16], {}), 'INVALID_RANK', 'input'],
  ['GeM options not an object', () => gemSpec([4, 4], 3 as never), 'INVALID_OPTION', 'options'],
  ['strip rank 3', () => stripSpec([2, 3, 4]), 'INVALID_RANK', 'input'],
  [
    'expand strips of different layouts',
    () => stripExpandDims(hostTensor(new Float32Array(6), [1, 2, 3, 1]), hostTensor(new Float32Array(8), [1, 1, 4, 2], 'NHWC')),
    'SHAPE_MISMATCH',
    'cols.shape',
  ],
  [
    'expand rows that are not a strip',
    () => stripExpandDims(hostTensor(new Float32Array(12), [1, 2, 3, 2]), hostTensor(new Float32Array(8), [1, 2, 1, 4])),
    'SHAPE_MISMATCH',
    'rows.shape',
  ],
  [
    'expand cols of another channel count',
    () => stripExpandDims(hostTensor(new Float32Array(6), [1, 2, 3, 1]), hostTensor(new Float32Array(12), [1, 3, 1, 4])),
    'SHAPE_MISMATCH',
    'cols.shape',
  ],
  [
    'gradient of the wrong shape',
    () => reference.globalAvgPoolBackward(hostTensor(new Float32Array(4), [1, 1, 2, 2]), hostTensor(new Float32Array(4), [1, 1, 2, 2])),
    'SHAPE_MISMATCH',
    'gradOutput.shape',
  ],
  [
    'pyramid max backward without indices',
    () =>
      reference.spatialPyramidPoolBackward(hostTensor(new Float32Array(1), [1, 1], 'NC'), hostTensor(new Float32Array(4), [1, 1, 2, 2]), null, { levels: [1] }),
    'INVALID_OPTION',
    'indices',
  ],
];

describe('bad binned input gets a typed error naming the parameter, its value and the rule', () => {
  it.each(BAD)('%s', (_, call, code, param) => {
    let caught: unknown;
    try {
      call();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PoolError);
    const err = caught as PoolError;
    expect(err.code).toBe(code);
    expect(err.param).toBe(param);
    expect(err.message.startsWith(`${param} = `)).toBe(true);
    expect(err.message).toMatch(/: \w/);
  });

  it("'NC' tensors need the layout named; a 2-D shape alone is still the wrong rank", () => {
    expect(hostTensor(new Float32Array(6), [2, 3], 'NC').dims).toEqual({ batch: 2, channels: 3, spatial: [] });
    expect(() => hostTensor(new Float32Array(6), [2, 3])).toThrow(/INVALID_RANK|must have 3, 4 or 5 dimensions/);
  });
});

describe('spatial pyramid from its finest level (src/ops/adaptive.ts, adaptive_pyramid_channels.wgsl CHAIN)', () => {
  it('derives max pyramids whose levels, ascending, each divide the next (2 to 4 of them) that way; the rest read every level', () => {
    const chain = (levels: number[], mode = 'max') => pyramidChain(pyramidSpec([13, 13], { levels, mode }));
    expect(chain([1, 2, 4])).toEqual([1, 2, 4]);
    expect(chain([4, 1])).toEqual([1, 4]);
    expect(chain([1, 3, 6])).toEqual([1, 3, 6]);
    expect(chain([1, 2, 4, 8])).toEqual([1, 2, 4, 8]);
    expect(chain([1, 16])).toEqual([1, 16]);
    expect(chain([1, 2, 3])).toBeNull();
    expect(chain([1, 2, 3, 6])).toBeNull();
    expect(chain([1, 2, 4, 8, 16])).toBeNull();
    expect(chain([1, 2, 4], 'avg')).toBeNull();
    expect(chain([2])).toBeNull();
  });

  it('runs the one-pass channels kernel where its N·⌈C/4⌉ invocations are 1/64 of the threads in flight', () => {
    const dims = (batch: number, channels: number) => ({ batch, channels, spatial: [13, 13] });
    // A software adapter of 2 cores keeps 512 in flight, a GPU 131,072.
    expect(pyramidKernel(dims(8, 256), 512)).toBe('channels');
    expect(pyramidKernel(dims(1, 29), 512)).toBe('channels');
    expect(pyramidKernel(dims(1, 28), 512)).toBe('features');
    expect(pyramidKernel(dims(8, 256), 131072)).toBe('features');
    expect(pyramidKernel(dims(32, 256), 131072)).toBe('channels');
  });

  it('a coarse bin is exactly the union of its k × k finest bins, for every size and level that divides the finest', () => {
    const bad: string[] = [];
    for (let size = 1; size <= 40; size++)
      for (const L of [2, 3, 4, 6, 8, 12])
        for (let l = 1; l < L; l++) {
          if (L % l !== 0) continue;
          const k = L / l;
          for (let i = 0; i < l; i++) {
            const fine = Array.from({ length: k }, (_, j) => [binStart(i * k + j, size, L), binEnd(i * k + j, size, L)]);
            const covered = new Set<number>();
            for (const [a, b] of fine) for (let p = a; p < b; p++) covered.add(p);
            const [a, b] = [binStart(i, size, l), binEnd(i, size, l)];
            const want = Array.from({ length: b - a }, (_, p) => a + p);
            if ([...covered].sort((x, y) => x - y).join() !== want.join()) bad.push(`size ${size} L ${L} l ${l} bin ${i}`);
          }
        }
    expect(bad).toEqual([]);
  });
});

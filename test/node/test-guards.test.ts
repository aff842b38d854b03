// The test code's own guards: a comparison of arrays of different lengths fails,
// a golden case that compares nothing fails, an unknown golden op fails, and case
// names are checked to be selectable one by one with -t.
import { describe, expect, it } from 'vitest';
import { mismatches } from '../support/compare';
import { checkGoldenCase, type GoldenCase } from '../golden/golden-ops';
import { optionsText, shapeText, unaddressable, type TaskLike } from '../support/case-name';

const dims = { batch: 1, channels: 1, spatial: [3] };
const tol = { abs: 0, rel: 0 };

describe('mismatches', () => {
  it('fails on a length mismatch, whichever side is longer, before comparing elements', () => {
    expect(mismatches('output', [1, 2], [1, 2, 3], tol, dims, false)).toEqual(['output: length 2, want 3']);
    expect(mismatches('output', [1, 2, 3, 4], [1, 2, 3], tol, dims, false)).toEqual(['output: length 4, want 3']);
    expect(mismatches('output', [], [1], tol, dims, false)).toEqual(['output: length 0, want 1']);
    expect(mismatches('output', [1, NaN, -Infinity], [1, NaN, -Infinity], tol, dims, false)).toEqual([]);
  });
});

describe('checkGoldenCase', () => {
  const input = { shape: [1, 1, 4], data: [1, 'NaN', 3, 2] };
  it('fails a case with no expected results (it would compare nothing)', async () => {
    const c: GoldenCase = { id: 'no-results', op: 'maxPool', rank: 1, params: { kernel: 2 }, input };
    const failures = await checkGoldenCase(c, 'cpu', false);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^no-results \(cpu, channels-first\): no expected results to compare/);
  });
  it('fails an unknown op', async () => {
    const c: GoldenCase = { id: 'unknown', op: 'maxPoool', rank: 1, params: {}, input, output: input };
    expect(await checkGoldenCase(c, 'cpu', false)).toEqual(['unknown: op maxPoool is not supported']);
  });
  it('passes a case whose results match, and fails one whose output is shorter', async () => {
    const c: GoldenCase = { id: 'max', op: 'maxPool', rank: 1, params: { kernel: 2 }, input, output: { shape: [1, 1, 2], data: ['NaN', 3] } };
    expect(await checkGoldenCase(c, 'cpu', true)).toEqual([]);
    const short = { ...c, output: { shape: [1, 1, 1], data: ['NaN'] } };
    expect(await checkGoldenCase(short, 'cpu', false)).toEqual(['max (cpu, channels-first): output: length 2, want 1']);
  });
});

describe('case names', () => {
  it('write shapes and options without regular-expression syntax', () => {
    expect(shapeText([2, 3, 9, 7])).toBe('2x3x9x7');
    expect(
      optionsText({
        kernel: [3, 2],
        stride: undefined,
        padding: [
          [1, 0],
          [0, 1],
        ],
        ceilMode: true,
        outputSize: [5, null],
        p: 1.5,
      }),
    ).toBe('kernel=3,2 padding=1,0;0,1 ceilMode=true outputSize=5,null p=1.5');
  });
  it('find names that -t would not select alone', () => {
    const file: TaskLike = { name: 'f.test.ts', type: 'suite' };
    const suite: TaskLike = { name: 'grid', type: 'suite', suite: file };
    const test = (name: string): TaskLike => ({ name, type: 'test', suite });
    suite.tasks = ['max x=2x3 data=normal', 'max x=2x3 data=normal parallelism=8', 'avg x=[2,3]', 'lp p=1.5 x=4', 'lp p=105 x=4', 'twice', 'twice'].map(test);
    file.tasks = [suite];
    expect(unaddressable(file, ['max x=2x3 data=normal parallelism=8', 'lp p=1.5 x=4', 'max x=2x3 data=normal', 'avg x=[2,3]', 'twice', 'absent'])).toEqual([
      'lp p=1.5 x=4: -t selects 2 tests (lp p=1.5 x=4 | lp p=105 x=4)',
      'max x=2x3 data=normal: -t selects 2 tests (max x=2x3 data=normal | max x=2x3 data=normal parallelism=8)',
      'avg x=[2,3]: holds characters that -t reads as a regular expression',
      'twice: -t selects 2 tests (twice | twice)',
      'absent: -t selects 0 tests',
    ]);
  });
});

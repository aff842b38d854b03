// GPU against the CPU reference over parameter grids: every window mode, both
// passes, both layouts, ranks 1–3. Every case is a test of its own, named after
// its parameters (`npx vitest run -t "<case name>"` runs just that one), and runs
// in a GPU error scope of its own.
import { describe, expect, it } from 'vitest';
import { unaddressable } from '../support/case-name';
import { useHarnessPage } from '../support/page';
import { describeWindowCase, float16Slice, windowGrid, type WindowCase } from '../support/window-grid';

const harness = useHarnessPage();

/** Runs one case in the page; its failure lines (a GPU error throws, naming the case). */
const runCase = (c: WindowCase): Promise<string[]> => harness().page.evaluate((cs) => (window as any).harness.runWindowCase(cs), c);

const MODES = ['max', 'avg', 'lp', 'soft', 'mixed', 'stochasticEval', 'stochastic'] as const;
const grids = MODES.flatMap((mode) =>
  [1, 2, 3].map((rank) => ({ mode, rank, cases: windowGrid(mode, rank, rank === 3 ? 32 : 48, 7 + rank * 31 + mode.length) })),
);

/**
 * The float16 slice: every FLOAT16_EVERY-th case of each grid again with float16
 * tensors (every mode, ranks 1–3, both layouts, odd sizes), against the reference's
 * float16 semantics: picked results exact, the rest within one half ulp (window-cases.ts).
 */
const FLOAT16_EVERY = Number(process.env.FLOAT16_EVERY ?? 3);
const halfGrids = grids.map(({ mode, rank, cases }) => ({ mode, rank, cases: float16Slice(cases, FLOAT16_EVERY, describeWindowCase) }));

const base = { channelsLast: false, seed: 99 };
const handPicked: WindowCase[] = [
  { ...base, name: 'hand-picked max ties 3x3 s1 p1', mode: 'max', shape: [2, 3, 6, 6], options: { kernel: 3, stride: 1, padding: 1 }, data: 'ties' },
  { ...base, name: 'hand-picked max ties NHWC', mode: 'max', shape: [2, 3, 6, 6], channelsLast: true, options: { kernel: 2 }, data: 'ties' },
  { ...base, name: 'hand-picked max NaN 3x3 s2', mode: 'max', shape: [2, 2, 9, 9], options: { kernel: 3, stride: 2, padding: 1, ceilMode: true }, data: 'nan' },
  {
    ...base,
    name: 'hand-picked max dilation 3',
    mode: 'max',
    shape: [1, 2, 13, 11],
    options: { kernel: 3, dilation: 3, stride: 2, padding: 3 },
    data: 'normal',
  },
  {
    ...base,
    name: 'hand-picked avg ceil include pad',
    mode: 'avg',
    shape: [3, 2, 9, 10],
    options: { kernel: 3, stride: 2, padding: 1, ceilMode: true },
    data: 'normal',
  },
  {
    ...base,
    name: 'hand-picked avg same 3d NDHWC',
    mode: 'avg',
    shape: [2, 3, 5, 6, 4],
    channelsLast: true,
    options: { kernel: [3, 2, 3], stride: [2, 2, 1], padding: 'same' },
    data: 'normal',
  },
  {
    ...base,
    name: 'hand-picked max nanMode ignore NCHW',
    mode: 'max',
    shape: [2, 3, 7, 7],
    options: { kernel: 3, stride: 2, padding: 1, nanMode: 'ignore' },
    data: 'nan',
  },
  {
    ...base,
    name: 'hand-picked max nanMode ignore NHWC vec4',
    mode: 'max',
    shape: [2, 8, 6, 5],
    channelsLast: true,
    options: { kernel: 2, stride: 1, nanMode: 'ignore', indexConvention: 'channelsLast' },
    data: 'nan',
  },
  {
    ...base,
    name: 'hand-picked max nanMode ignore 3d NDHWC',
    mode: 'max',
    shape: [1, 4, 4, 5, 3],
    channelsLast: true,
    options: { kernel: 2, nanMode: 'ignore', ceilMode: true },
    data: 'nan',
  },
  { ...base, name: 'hand-picked lp p=2 ceil', mode: 'lp', shape: [2, 3, 9, 10], options: { p: 2, kernel: 3, stride: 2, ceilMode: true }, data: 'positive' },
  { ...base, name: 'hand-picked lp p=3 mixed signs', mode: 'lp', shape: [1, 2, 8, 8], options: { p: 3, kernel: 2 }, data: 'normal' },
];

const halfHandPicked: WindowCase[] = handPicked.map((c) => ({ ...c, dtype: 'float16', name: c.name.replace('hand-picked', 'hand-picked dtype=float16') }));

describe('window pooling, GPU against CPU reference', () => {
  for (const { mode, rank, cases } of grids) {
    describe(`${mode} rank ${rank} grid`, () => {
      it(`draws ${cases.length} cases, both layouts`, () => {
        expect(cases.length).toBeGreaterThanOrEqual(32);
        expect(cases.some((c) => c.channelsLast) && cases.some((c) => !c.channelsLast)).toBe(true);
      });
      for (const c of cases) it(c.name, async () => expect(await runCase(c)).toEqual([]));
    });
  }

  describe('hand-picked cases: ties, NaN, N > 1 and C > 1, ceil mode, dilation', () => {
    for (const c of handPicked) it(c.name, async () => expect(await runCase(c)).toEqual([]));
  });

  for (const { mode, rank, cases } of halfGrids) {
    describe(`${mode} rank ${rank} float16 grid`, () => {
      it(`draws ${cases.length} float16 cases, both layouts`, () => {
        expect(cases.length).toBeGreaterThanOrEqual(10);
        expect(cases.every((c) => c.dtype === 'float16' && c.name.includes(' dtype=float16 '))).toBe(true);
        expect(cases.some((c) => c.channelsLast) && cases.some((c) => !c.channelsLast)).toBe(true);
      });
      for (const c of cases) it(c.name, async () => expect(await runCase(c)).toEqual([]));
    });
  }

  describe('hand-picked cases in float16: ties, NaN, ceil mode, dilation', () => {
    for (const c of halfHandPicked) it(c.name, async () => expect(await runCase(c)).toEqual([]));
  });

  it('names every case so that -t selects it alone', ({ task }) => {
    expect(
      unaddressable(
        task.file,
        [...grids.flatMap((g) => g.cases), ...handPicked, ...halfGrids.flatMap((g) => g.cases), ...halfHandPicked].map((c) => c.name),
      ),
    ).toEqual([]);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

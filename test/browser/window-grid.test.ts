// GPU against the CPU reference over parameter grids: every window mode, both
// passes, both layouts, ranks 1–3.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';
import { windowGrid, type WindowCase } from '../support/window-grid';

const harness = useHarnessPage();

async function run(cases: WindowCase[]) {
  return harness().page.evaluate((cs) => (window as any).harness.runWindowCases(cs), cases);
}

describe('window pooling, GPU against CPU reference', () => {
  for (const mode of ['max', 'avg', 'lp', 'soft', 'mixed', 'stochasticEval', 'stochastic'] as const) {
    for (const rank of [1, 2, 3]) {
      const cases = windowGrid(mode, rank, rank === 3 ? 32 : 48, 7 + rank * 31 + mode.length);
      it(`${mode} rank ${rank}: ${cases.length} cases, forward and backward, both layouts`, async () => {
        expect(cases.length).toBeGreaterThanOrEqual(32);
        const report = await run(cases);
        expect(report.failures).toEqual([]);
        expect(report.ran).toBe(cases.length);
      });
    }
  }

  it('hand-picked cases: ties, NaN, N > 1 and C > 1, ceil mode, dilation', async () => {
    const base = { channelsLast: false, seed: 99 };
    const cases: WindowCase[] = [
      { ...base, name: 'max ties 3x3 s1 p1', mode: 'max', shape: [2, 3, 6, 6], options: { kernel: 3, stride: 1, padding: 1 }, data: 'ties' },
      { ...base, name: 'max ties NHWC', mode: 'max', shape: [2, 3, 6, 6], channelsLast: true, options: { kernel: 2 }, data: 'ties' },
      { ...base, name: 'max NaN 3x3 s2', mode: 'max', shape: [2, 2, 9, 9], options: { kernel: 3, stride: 2, padding: 1, ceilMode: true }, data: 'nan' },
      { ...base, name: 'max dilation 3', mode: 'max', shape: [1, 2, 13, 11], options: { kernel: 3, dilation: 3, stride: 2, padding: 3 }, data: 'normal' },
      { ...base, name: 'avg ceil include pad', mode: 'avg', shape: [3, 2, 9, 10], options: { kernel: 3, stride: 2, padding: 1, ceilMode: true }, data: 'normal' },
      { ...base, name: 'avg same 3d NDHWC', mode: 'avg', shape: [2, 3, 5, 6, 4], channelsLast: true, options: { kernel: [3, 2, 3], stride: [2, 2, 1], padding: 'same' }, data: 'normal' },
      { ...base, name: 'lp p=2 ceil', mode: 'lp', shape: [2, 3, 9, 10], options: { p: 2, kernel: 3, stride: 2, ceilMode: true }, data: 'positive' },
      { ...base, name: 'lp p=3 mixed signs', mode: 'lp', shape: [1, 2, 8, 8], options: { p: 3, kernel: 2 }, data: 'normal' },
    ];
    const report = await run(cases);
    expect(report.failures).toEqual([]);
    expect(report.ran).toBe(cases.length);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

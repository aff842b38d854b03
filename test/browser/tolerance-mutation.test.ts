// The comparisons catch a 0.1% error: for each op family, a correct GPU result
// passes its comparison, and the same result scaled by (1 + 1e-3) fails it, in
// every pass the family has (forward, backward, and GeM's gradP). The sizes are
// realistic, with large maps where gradients are ~1e-4 (global and adaptive
// average backward on 1x64x64x64), where a fixed abs 1e-5 let a kernel 5% off pass.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';
import { describeCase, type BinnedCase } from '../support/binned-grid';
import type { WindowCase } from '../support/window-grid';

const harness = useHarnessPage();

const SCALE = 1 + 1e-3;

const runWindow = (c: WindowCase): Promise<string[]> => harness().page.evaluate((cs) => (window as any).harness.runWindowCase(cs), c);
const runBinned = (c: BinnedCase): Promise<string[]> => harness().page.evaluate((cs) => (window as any).harness.runBinnedCase(cs), c);

/** The labels (output, gradInput, …) that a run's failure lines name. */
function labels(failures: string[]): string[] {
  return [...new Set(failures.map((f) => /: (\w+)(\[|:)/.exec(f.slice(f.lastIndexOf(' x=') + 1))?.[1] ?? f))].sort();
}

/** The case passes as it is, and fails in every one of `passes` once its GPU results are scaled by SCALE. */
async function expectCaught(run: () => Promise<string[]>, scaledRun: () => Promise<string[]>, passes: string[]): Promise<void> {
  expect(await run()).toEqual([]);
  const failures = await scaledRun();
  expect(labels(failures)).toEqual([...passes].sort());
}

const windowCase = (mode: WindowCase['mode'], shape: number[], options: Record<string, unknown>, data: WindowCase['data'] = 'normal'): WindowCase => ({
  name: `mutation ${mode} ${shape.join('x')}`,
  mode,
  shape,
  channelsLast: false,
  options,
  data,
  seed: 4242,
});

const binnedCase = (op: BinnedCase['op'], shape: number[], options: Record<string, unknown>, channelsLast = false): BinnedCase => {
  const c = { op, shape, channelsLast, options, data: 'normal' as const, seed: 5151, subgroups: true };
  return { ...c, name: describeCase(c) };
};

const WINDOW: [string, WindowCase][] = [
  ['window avg', windowCase('avg', [2, 8, 32, 32], { kernel: 3, stride: 2, padding: 1 })],
  ['window avg 3d', windowCase('avg', [1, 4, 12, 12, 12], { kernel: 3, stride: 1, padding: 1, countIncludePad: false })],
  ['lp', windowCase('lp', [2, 8, 32, 32], { p: 2, kernel: 3, stride: 2 })],
  ['lp p=3 positive', windowCase('lp', [2, 8, 32, 32], { p: 3, kernel: 2 }, 'positive')],
  ['soft', windowCase('soft', [2, 8, 32, 32], { kernel: 3, stride: 2 })],
  ['mixed', windowCase('mixed', [2, 8, 32, 32], { kernel: 3, stride: 2, lambda: 0.4 })],
  ['stochasticEval', windowCase('stochasticEval', [2, 8, 32, 32], { kernel: 3, stride: 2 }, 'positive')],
];

const BINNED: [string, BinnedCase, string[]][] = [
  ['global avg, 1x64x64x64 (gradients ~1e-4)', binnedCase('globalAvg', [1, 64, 64, 64], {}), ['output', 'gradInput']],
  ['global avg channels-last', binnedCase('globalAvg', [2, 16, 33, 31], {}, true), ['output', 'gradInput']],
  ['adaptive avg, 1x64x64x64 to 7x7', binnedCase('adaptiveAvg', [1, 64, 64, 64], { outputSize: 7 }), ['output', 'gradInput']],
  ['adaptive avg, upsampling bins', binnedCase('adaptiveAvg', [2, 8, 9, 7], { outputSize: [13, 11] }), ['output', 'gradInput']],
  ['GeM', binnedCase('gem', [2, 32, 24, 24], { p: 3 }), ['output', 'gradInput', 'gradP']],
  ['strip', binnedCase('strip', [2, 16, 48, 40], {}), ['rows', 'cols', 'gradInput']],
  ['strip expand', binnedCase('stripExpand', [2, 16, 48, 40], {}), ['output', 'gradRows', 'gradCols']],
  ['spatial pyramid avg', binnedCase('pyramid', [2, 16, 32, 32], { levels: [1, 2, 4], mode: 'avg' }), ['output', 'gradInput']],
];

describe('tolerances catch a 0.1% error (GPU results scaled by 1 + 1e-3 fail, unscaled pass)', () => {
  for (const [family, c] of WINDOW)
    it(`${family}: forward and backward`, async () => {
      await expectCaught(
        () => runWindow(c),
        () => runWindow({ ...c, scaleResults: SCALE }),
        ['output', 'gradInput'],
      );
    });

  for (const [family, c, passes] of BINNED)
    it(`${family}: ${passes.join(', ')}`, async () => {
      await expectCaught(
        () => runBinned(c),
        () => runBinned({ ...c, scaleResults: SCALE }),
        passes,
      );
    });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

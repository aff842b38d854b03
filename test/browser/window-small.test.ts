// The small-window kernels (at most 3 taps per dimension, every tap or covering
// output written out) against the CPU reference: cases drawn so that each kernel
// runs them, forward and backward. Every case is a test of its own, named after
// the kernel and its parameters (`npx vitest run -t "<case name>"` runs just that
// one), and runs in a GPU error scope of its own.
import { describe, expect, it } from 'vitest';
import { layoutFor, type SpatialRank } from '../../src/layout';
import { clipped, windowBackwardKernel, windowForwardKernel } from '../../src/ops/window-kernels';
import { windowSpec } from '../../src/window-spec';
import { unaddressable } from '../support/case-name';
import { useHarnessPage } from '../support/page';
import { describeWindowCase, smallWindowGrid, tiledWindowGrid, type WindowCase } from '../support/window-grid';

const harness = useHarnessPage();

/** Runs one case in the page; its failure lines (a GPU error throws, naming the case). */
const runCase = (c: WindowCase): Promise<string[]> => harness().page.evaluate((cs) => (window as any).harness.runWindowCase(cs), c);

/** Every case's name, for the check that -t selects each alone. */
const names: string[] = [];

/** One test per case, named after the kernel it is about and the case's parameters. */
function caseTests(cases: WindowCase[]) {
  for (const c of cases) {
    names.push(c.name);
    it(c.name, async () => expect(await runCase(c)).toEqual([]));
  }
}

/** A case at a parallelism option, named after the kernel, the case and the rows per thread that gives. */
const atParallelism = (shader: string, c: WindowCase, parallelism: number, rows: number): WindowCase => {
  const run = { ...c, parallelism };
  return { ...run, name: `${shader} ${describeWindowCase(run)} rowsPerThread=${rows}` };
};

/** The forward or backward kernel the engine picks for a case, on a device that wants `parallelism` threads. */
function kernelOf(pass: 'forward' | 'backward', c: WindowCase, parallelism?: number) {
  const spatial = c.shape.slice(2);
  const dims = { batch: c.shape[0], channels: c.shape[1], spatial };
  const layout = layoutFor(spatial.length as SpatialRank, c.channelsLast);
  const pick = pass === 'forward' ? windowForwardKernel : windowBackwardKernel;
  return pick(layout, dims, windowSpec(c.mode, spatial, c.options), parallelism);
}

/** The forward and backward kernels the engine picks for a case. */
function kernelsOf(c: WindowCase): string[] {
  const forward = kernelOf('forward', c);
  // The row kernel's two-row variant (B_H = 2) is a kernel of its own here.
  const variant = forward.constants.B_H === 2 && forward.shader === 'windowForwardSmallRows' ? '/B_H=2' : '';
  return [forward.shader + variant, kernelOf('backward', c).shader];
}

/** Whether a case's windows reach into padding or past the input (the kernels' bounds tests). */
const isClipped = (c: WindowCase) => clipped(windowSpec(c.mode, c.shape.slice(2), c.options));

describe('small-window kernels, GPU against CPU reference', () => {
  for (const shader of [
    'windowForwardRollingVec4',
    'windowForwardRollingRows',
    'windowForwardBlockVec4',
    'windowForwardSmallVec4',
    'windowForwardSmallRows',
    'windowForwardSmallRows/B_H=2',
    'windowForwardSmall',
    'windowBackwardSmallVec4',
    'windowBackwardSmall',
    // Max windows overlapping by less than a stride, channels-last: one thread per stride tile.
    'windowBackwardCoverVec4',
    'windowBackwardCoverRows',
    // Average at stride 1 along H: output rows' shares rolled down a column.
    'windowBackwardRollingVec4',
    'windowBackwardRolling',
  ]) {
    const modes = shader.startsWith('windowBackwardCover')
      ? (['max'] as const)
      : shader.startsWith('windowBackwardRolling')
        ? (['avg'] as const)
        : shader.startsWith('windowForward') &&
            !['windowForwardRollingVec4', 'windowForwardRollingRows', 'windowForwardBlockVec4', 'windowForwardSmallRows/B_H=2'].includes(shader)
          ? (['max', 'avg', 'stochastic'] as const)
          : (['max', 'avg'] as const);
    for (const mode of modes) {
      // The forward rolling kernels take 2-D windows only, the backward's 2-D and 3-D (it rolls
      // along H), and the two-row variant the 3-D ones the forward's leave.
      const ranks = shader.startsWith('windowForwardRolling')
        ? [2]
        : shader.endsWith('/B_H=2')
          ? [3]
          : shader.startsWith('windowBackwardRolling')
            ? [2, 3]
            : [1, 2, 3];
      for (const rank of ranks) {
        // Half with bounds tests (padding or a ceil-mode overhang), half without.
        const seed = 11 + rank * 7 + mode.length + shader.length;
        const cases = [
          ...smallWindowGrid(mode, rank, 12, seed, (c) => kernelsOf(c).includes(shader) && isClipped(c)),
          ...smallWindowGrid(mode, rank, 12, seed + 500, (c) => kernelsOf(c).includes(shader) && !isClipped(c)),
        ].map((c) => ({ ...c, name: `${shader} ${c.name}` }));
        describe(`${shader} ${mode} rank ${rank}`, () => {
          it(`draws ${cases.length} cases`, () => {
            // 3-D windows one deep (the channels-first cover kernel's) are rare in the draw: 12 of them.
            expect(cases.length).toBe(shader === 'windowBackwardCoverRows' && rank === 3 ? 12 : 24);
            if (shader === 'windowForwardSmall') expect(cases.some((c) => c.channelsLast) && cases.some((c) => !c.channelsLast)).toBe(true);
          });
          caseTests(cases);
        });
      }
    }
  }

  // The kernels that walk down columns of outputs (forward) or inputs (backward),
  // with the rows per thread that the engine's parallelism gives: from whole
  // columns to the fewest rows, with a short last chunk where the rows do not
  // divide the column.
  const WALKERS = [
    'windowForwardRollingVec4',
    'windowForwardRollingRows',
    'windowForwardSmallVec4',
    'windowForwardSmallRows',
    'windowForwardSmallRows/B_H=2',
    'windowForwardSmall',
    'windowBackwardSmallVec4',
    'windowBackwardSmall',
    'windowBackwardRollingVec4',
    'windowBackwardRolling',
    'windowBackwardCoverVec4',
    'windowBackwardCoverRows',
  ];
  const PARALLELISMS = [1, 8, 64, 512, 1 << 30];
  /** The walking kernel of a case that the test is about, at a parallelism. */
  const walkerOf = (shader: string, c: WindowCase, parallelism?: number) =>
    kernelOf(shader.startsWith('windowBackward') ? 'backward' : 'forward', c, parallelism);
  /** Parallelism options that give a case each of its distinct rows per thread. */
  const rowChoices = (shader: string, c: WindowCase) => {
    const byRows = new Map<number, number>();
    for (const p of PARALLELISMS) {
      const rows = walkerOf(shader, c, p).rows!;
      if (!byRows.has(rows)) byRows.set(rows, p);
    }
    return byRows;
  };
  /** Whether some choice leaves a short last chunk (rows that do not divide the map's height, in steps of B_H). */
  const shortChunk = (shader: string, c: WindowCase) => {
    const spec = windowSpec(c.mode, c.shape.slice(2), c.options);
    const map = shader.startsWith('windowBackward') ? spec.inputSpatial : spec.outputSpatial;
    // The cover kernels walk stride tiles of inputs (padding included).
    const steps = shader.startsWith('windowBackwardCover')
      ? Math.ceil((map.at(-2)! + spec.padBefore.at(-2)!) / spec.stride.at(-2)!)
      : map.at(-2)! / Number(walkerOf(shader, c).constants.B_H ?? 1);
    return [...rowChoices(shader, c).keys()].some((rows) => steps % rows !== 0);
  };
  for (const shader of WALKERS) {
    const modes = ['windowForwardSmallVec4', 'windowForwardSmallRows', 'windowForwardSmall'].includes(shader)
      ? (['max', 'avg', 'stochastic'] as const)
      : shader.startsWith('windowBackwardRolling')
        ? (['avg'] as const)
        : shader.startsWith('windowBackwardCover')
          ? (['max'] as const)
          : (['max', 'avg'] as const);
    for (const mode of modes) {
      const rank = shader.endsWith('/B_H=2') ? 3 : 2;
      const keep = (c: WindowCase) => kernelsOf(c).includes(shader) && rowChoices(shader, c).size > 1 && shortChunk(shader, c);
      const cases = smallWindowGrid(mode, rank, 6, 97 + mode.length + shader.length, keep);
      const runs = cases.flatMap((c) => [...rowChoices(shader, c)].map(([rows, parallelism]) => atParallelism(shader, c, parallelism, rows)));
      describe(`${shader} ${mode} at every rows per thread`, () => {
        it(`draws ${cases.length} cases, ${runs.length} runs`, () => {
          expect(cases.length).toBe(6);
          expect(runs.length).toBeGreaterThanOrEqual(12);
        });
        caseTests(runs);
      });
    }
  }

  // Windows that tile the input: the scatter kernels, at every rows per thread a case allows.
  for (const shader of ['windowBackwardTiledVec4', 'windowBackwardTiledRows']) {
    for (const mode of ['max', 'avg'] as const) {
      for (const rank of [1, 2, 3]) {
        const cases = tiledWindowGrid(mode, rank, 8, 131 + rank * 3 + mode.length + shader.length, shader.endsWith('Vec4'));
        const runs = cases.flatMap((c) => [...rowChoices(shader, c)].map(([rows, parallelism]) => atParallelism(shader, c, parallelism, rows)));
        describe(`${shader} ${mode} rank ${rank} at every rows per thread`, () => {
          it(`draws ${cases.length} cases that take the kernel, ${runs.length} runs`, () => {
            expect(cases.map((c) => kernelOf('backward', c).shader)).toEqual(cases.map(() => shader));
            // Rank 1 has one row of outputs: nothing to walk.
            if (rank > 1) expect(runs.length).toBeGreaterThan(cases.length);
          });
          caseTests(runs);
        });
      }
    }
  }

  it('names every case so that -t selects it alone', ({ task }) => {
    expect(unaddressable(task.file, names)).toEqual([]);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

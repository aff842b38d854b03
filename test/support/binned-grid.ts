// Parameter grids for whole-map and binned pooling (global, adaptive, spatial
// pyramid, strip, GeM): odd sizes, outputs smaller and larger than the input,
// N > 1 and C > 1, both layouts, both workgroup-reduction variants (subgroups and
// workgroup memory). Each case is named after its parameters.
import { adaptiveSpec, gemSpec, pyramidSpec } from '../../src/binned-spec';
import { optionsText, shapeText } from './case-name';
import { dtypeText } from './window-grid';
import { pick, rng, type DataKind } from './random';

export type BinnedOp = 'globalAvg' | 'globalMax' | 'adaptiveAvg' | 'adaptiveMax' | 'pyramid' | 'strip' | 'stripExpand' | 'gem';

export interface BinnedCase {
  name: string;
  op: BinnedOp;
  /** Channels-first shape [N, C, ...spatial]. */
  shape: number[];
  channelsLast: boolean;
  options: Record<string, unknown>;
  data: DataKind;
  seed: number;
  /** GeM (whose backward statistics run as workgroup reductions): the subgroup variant (true) or the workgroup-memory one (false). */
  subgroups: boolean;
  /** An engine with this parallelism option (threads in flight) where set; the walking kernels size their steps by it. */
  parallelism?: number;
  /** 'float16': inputs rounded to half and stored as float16, results checked against the reference's float16 semantics (float32 where unset). */
  dtype?: 'float16';
  /**
   * Test-only mutation (tolerance-mutation.test.ts): every float result read back
   * from the GPU is multiplied by this before the comparison, to prove that the
   * comparison catches an error of that size.
   */
  scaleResults?: number;
}

/** Ops with a workgroup reduction (GeM's backward statistics), and so two variants. */
export const REDUCTION_OPS: readonly BinnedOp[] = ['gem'];

/** A case's name: its parameters, as text that `vitest -t` selects it by (case-name.ts). */
export function describeCase(c: Omit<BinnedCase, 'name'>): string {
  const o = optionsText(c.options);
  const variant = REDUCTION_OPS.includes(c.op) ? (c.subgroups ? ' subgroups' : ' workgroup-memory') : '';
  const threads = c.parallelism === undefined ? '' : ` parallelism=${c.parallelism}`;
  return `${c.op} x=${shapeText(c.shape)} ${c.channelsLast ? 'channels-last' : 'channels-first'}${o ? ` ${o}` : ''}${dtypeText(c.dtype)} data=${c.data} dataSeed=${c.seed}${variant}${threads}`;
}

function make(c: Omit<BinnedCase, 'name'>): BinnedCase {
  return { ...c, name: describeCase(c) };
}

const SPATIAL: Record<number, number[][]> = {
  1: [[13], [7], [33], [1], [300]],
  2: [
    [9, 7],
    [5, 8],
    [13, 11],
    [1, 6],
    [17, 4],
  ],
  3: [
    [5, 6, 4],
    [3, 7, 5],
    [4, 1, 9],
  ],
};

/** Global avg / max: every rank, both layouts; max also with ties and NaN. */
export function globalGrid(seed: number): BinnedCase[] {
  const r = rng(seed);
  const cases: BinnedCase[] = [];
  for (const op of ['globalAvg', 'globalMax'] as const)
    for (const rank of [1, 2, 3])
      for (const spatial of SPATIAL[rank])
        for (const channelsLast of [false, true]) {
          const data = op === 'globalMax' ? pick(r, ['normal', 'ties', 'nan'] as const) : 'normal';
          const shape = [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 4), ...spatial];
          cases.push(make({ op, shape, channelsLast, options: {}, data, seed: seed * 100 + cases.length, subgroups: cases.length % 2 === 0 }));
        }
  return cases;
}

/** Large maps for the reductions: 1 × 512 × 64 × 64 in both layouts, maps of three passes; more rows than a dispatch dimension. */
export function largeReductionCases(): BinnedCase[] {
  const cases: BinnedCase[] = [];
  for (const op of ['globalAvg', 'globalMax'] as const)
    for (const channelsLast of [false, true])
      for (const subgroups of [true, false]) {
        cases.push(make({ op, shape: [1, 512, 64, 64], channelsLast, options: {}, data: 'normal', seed: 7000 + cases.length, subgroups }));
      }
  // Maps large enough for three passes of the row reduction (16,899 elements: 265
  // chunks, then 5, then 1), with and without whole vec4s of channels.
  for (const op of ['globalAvg', 'globalMax'] as const)
    for (const [channelsLast, channels] of [
      [false, 3],
      [true, 4],
      [true, 3],
    ] as const) {
      cases.push(
        make({
          op,
          shape: [2, channels, 131, 129],
          channelsLast,
          options: {},
          data: op === 'globalMax' ? 'nan' : 'normal',
          seed: 7050 + cases.length,
          subgroups: true,
        }),
      );
    }
  // More rows than one dispatch dimension holds (65,535 workgroups): the grid folds into 2-D.
  for (const subgroups of [true, false]) {
    cases.push(make({ op: 'globalMax', shape: [1, 66000, 2], channelsLast: !subgroups, options: {}, data: 'normal', seed: 7100 + cases.length, subgroups }));
  }
  return cases;
}

/** Adaptive avg / max: output sizes smaller and larger than the input, `null` entries, 1 × … × 1. */
export function adaptiveGrid(seed: number, count: number): BinnedCase[] {
  const r = rng(seed);
  const cases: BinnedCase[] = [];
  for (let attempt = 0; cases.length < count && attempt < count * 20; attempt++) {
    const rank = 1 + (cases.length % 3);
    const spatial = pick(r, SPATIAL[rank]).slice();
    const op = cases.length % 2 === 0 ? 'adaptiveAvg' : 'adaptiveMax';
    const form = r();
    let outputSize: unknown;
    if (form < 0.15) outputSize = 1 + Math.floor(r() * 6);
    else if (form < 0.25) outputSize = spatial.map(() => 1);
    else {
      outputSize = spatial.map((n) => {
        const pickForm = r();
        if (pickForm < 0.15) return null;
        if (pickForm < 0.45) return n + 1 + Math.floor(r() * 5); // larger than the input
        return 1 + Math.floor(r() * Math.max(1, n)); // at most the input
      });
    }
    const options = { outputSize };
    try {
      adaptiveSpec(op === 'adaptiveAvg' ? 'avg' : 'max', spatial, options);
    } catch {
      continue;
    }
    const shape = [1 + Math.floor(r() * 2), 1 + Math.floor(r() * 3), ...spatial];
    const data = op === 'adaptiveMax' ? pick(r, ['normal', 'ties', 'nan', 'neginf', 'special'] as const) : 'normal';
    cases.push(make({ op, shape, channelsLast: cases.length % 4 >= 2, options, data, seed: seed * 100 + cases.length, subgroups: r() < 0.5 }));
  }
  return cases;
}

/** Spatial pyramid pooling: default and custom levels (some larger than the map), both modes and layouts. */
export function pyramidGrid(seed: number): BinnedCase[] {
  const r = rng(seed);
  const levelSets: (number[] | undefined)[] = [undefined, [1, 2, 3], [1, 3, 6], [2], [4, 1], [1, 2, 4, 8]];
  const cases: BinnedCase[] = [];
  for (const levels of levelSets)
    for (const mode of ['max', 'avg', undefined] as const) {
      const spatial = pick(r, SPATIAL[2]);
      const options = { levels, mode };
      pyramidSpec(spatial, options);
      const shape = [1 + Math.floor(r() * 2), 1 + Math.floor(r() * 3), ...spatial];
      const data = mode === 'avg' ? 'normal' : pick(r, ['normal', 'ties', 'nan', 'neginf', 'special'] as const);
      const odd = (cases.length / 2) % 2 === 1;
      cases.push(make({ op: 'pyramid', shape, channelsLast: odd, options, data, seed: seed * 100 + cases.length, subgroups: true }));
      // The one-pass channels kernel (src/ops/adaptive.ts pyramidKernel): an engine of 64
      // threads in flight takes it for any input; whole vec4s of channels and a partial last group.
      const channels = pick(r, [4, 5, 8, 11]);
      cases.push(
        make({
          op: 'pyramid',
          shape: [shape[0], channels, ...spatial],
          channelsLast: !odd,
          options,
          data,
          seed: seed * 100 + cases.length,
          subgroups: true,
          parallelism: 64,
        }),
      );
    }
  return cases;
}

/** Strip pooling and its expand-and-add step, odd sizes, both layouts. */
export function stripGrid(seed: number): BinnedCase[] {
  const cases: BinnedCase[] = [];
  for (const op of ['strip', 'stripExpand'] as const)
    for (const spatial of SPATIAL[2])
      for (const channelsLast of [false, true]) {
        const shape = [1 + (cases.length % 3), 1 + (cases.length % 4), ...spatial];
        cases.push(make({ op, shape, channelsLast, options: {}, data: 'normal', seed: seed * 100 + cases.length, subgroups: true }));
      }
  return cases;
}

/** GeM: several p and eps, inputs with negatives and zeros (clamped), both layouts and variants. */
export function gemGrid(seed: number): BinnedCase[] {
  const r = rng(seed);
  const cases: BinnedCase[] = [];
  const settings: Record<string, unknown>[] = [{}, { p: 1 }, { p: 2.5, eps: 1e-6 }, { p: 3, eps: 0.1 }, { p: 6 }, { p: 0.5, eps: 1e-3 }];
  for (const options of settings)
    for (const channelsLast of [false, true]) {
      const spatial = pick(r, SPATIAL[2]);
      gemSpec(spatial, options);
      const shape = [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 4), ...spatial];
      cases.push(
        make({
          op: 'gem',
          shape,
          channelsLast,
          options,
          data: pick(r, ['normal', 'positive'] as const),
          seed: seed * 100 + cases.length,
          subgroups: cases.length % 3 !== 0,
        }),
      );
    }
  cases.push(make({ op: 'gem', shape: [2, 64, 32, 32], channelsLast: true, options: { p: 3 }, data: 'positive', seed: seed * 100 + 99, subgroups: true }));
  cases.push(make({ op: 'gem', shape: [2, 64, 32, 32], channelsLast: false, options: { p: 3 }, data: 'positive', seed: seed * 100 + 98, subgroups: false }));
  return cases;
}

/**
 * Small maps, which reduce one row per thread: maps from 1 to 256 elements whose
 * rows start at every offset inside a vec4, channel counts with and without whole
 * vec4s channels-last, and maps of 257 elements, the smallest that take the
 * workgroup reduction.
 */
export function smallMapGrid(seed: number): BinnedCase[] {
  const r = rng(seed);
  const maps: number[][] = [[1], [5], [7, 7], [13, 11], [3, 5, 7], [16, 16], [2, 2, 2], [257], [1, 1, 1]];
  const cases: BinnedCase[] = [];
  const kinds: Record<string, readonly DataKind[]> = {
    globalMax: ['nan', 'ties', 'neginf', 'special', 'normal'],
    globalAvg: ['normal', 'special'],
    gem: ['normal', 'positive'],
  };
  for (const op of ['globalAvg', 'globalMax', 'gem'] as const)
    for (const spatial of maps) {
      if (op === 'gem' && spatial.length !== 2) continue;
      // Channels-first, then channels-last with and without whole vec4s of channels.
      for (const [channelsLast, channels] of [
        [false, pick(r, [1, 2, 3, 5])],
        [true, pick(r, [4, 8, 12])],
        [true, pick(r, [1, 3, 5])],
      ] as const) {
        const shape = [1 + Math.floor(r() * 3), channels, ...spatial];
        const data = kinds[op][cases.length % kinds[op].length];
        const options = op === 'gem' ? pick(r, [{}, { p: 2.5, eps: 1e-6 }, { p: 1 }]) : {};
        cases.push(make({ op, shape, channelsLast, options, data, seed: seed * 100 + cases.length, subgroups: true }));
      }
    }
  return cases;
}

/**
 * Global avg / max whose backward walks 4 elements a step (whole vec4s of
 * channels channels-last, maps of at least 4 channels-first), each at the
 * parallelism options that give it distinct steps per thread: steps that wrap
 * across channel groups, cells, rows and batch items, and a short last step.
 */
export function walkingBackwardCases(seed: number, stepsOf: (c: BinnedCase) => number): BinnedCase[] {
  const shapes: [boolean, number[]][] = [
    [false, [3, 5, 7, 9]],
    [false, [2, 3, 5, 4]],
    [false, [4, 3, 4]],
    [false, [2, 2, 3, 3, 3]],
    [true, [3, 12, 5, 7]],
    [true, [2, 8, 3, 3, 3]],
    [true, [5, 4, 6]],
  ];
  const cases: BinnedCase[] = [];
  for (const op of ['globalAvg', 'globalMax'] as const)
    for (const [channelsLast, shape] of shapes) {
      const seen = new Set<number>();
      for (const parallelism of [1, 2, 3, 5, 7, 16, 64, 1 << 30]) {
        const c = make({
          op,
          shape,
          channelsLast,
          options: {},
          data: op === 'globalMax' ? 'ties' : 'normal',
          seed: seed * 100 + cases.length,
          subgroups: true,
          parallelism,
        });
        const steps = stepsOf(c);
        if (seen.has(steps)) continue;
        seen.add(steps);
        cases.push(c);
      }
    }
  return cases;
}

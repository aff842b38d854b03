// Fuzzing: random valid calls checked GPU against CPU reference (half of them on
// float16 tensors, against the reference's float16 semantics), random invalid
// calls checked to raise PoolError (never a GPU error, a hang or a wrong shape).
// FUZZ_SEED and FUZZ_CASES set the run; failures print the seed and the call.
import { describe, expect, it } from 'vitest';
import type { BinnedCase } from '../support/binned-grid';
import { unaddressable } from '../support/case-name';
import {
  fuzzBinned,
  fuzzFractional,
  fuzzInvalid,
  fuzzInvalidPool,
  fuzzRoi,
  fuzzSettings,
  fuzzUnpool,
  fuzzValid,
  type FractionalCase,
  type UnpoolCase,
} from '../support/fuzz';
import { useHarnessPage } from '../support/page';
import type { WindowCase } from '../support/window-grid';

const harness = useHarnessPage();
const { seed, cases, fixed } = fuzzSettings(process.env);
// Every run draws a new seed unless FUZZ_SEED sets one: printed, so that any run can be replayed.
console.log(`fuzz: seed ${seed}${fixed ? ' (FUZZ_SEED)' : ''}, ${cases} cases (replay with FUZZ_SEED=${seed} FUZZ_CASES=${cases})`);
// Drawn at collection, so that every call is a test of its own, named after the
// seed, its number and its parameters (`FUZZ_SEED=<seed> npx vitest run -t "<case name>"` replays it).
const valid = fuzzValid(seed, cases);
const binned = fuzzBinned(seed, Math.max(20, Math.floor(cases / 3)));
const unpool = fuzzUnpool(seed, Math.max(20, Math.floor(cases / 3)));
const fractional = fuzzFractional(seed, Math.max(20, Math.floor(cases / 3)));
const regions = fuzzRoi(seed, Math.max(20, Math.floor(cases / 6)));
const replay = `replay with FUZZ_SEED=${seed} FUZZ_CASES=${cases}`;

/** Runs one case in the page (in an error scope of its own) and expects no failure line; a failure prints how to replay the run. */
async function check(
  method: 'runWindowCase' | 'runBinnedCase' | 'runUnpoolCase' | 'runFractionalCase',
  c: WindowCase | BinnedCase | UnpoolCase | FractionalCase,
) {
  let failures: string[];
  try {
    failures = await harness().page.evaluate((m, cs) => (window as any).harness[m](cs), method, c);
  } catch (e) {
    console.error(replay);
    throw e;
  }
  if (failures.length) console.error(replay);
  expect(failures).toEqual([]);
}

/** Failures earlier runs found, replayed on every run: [seed, cases, case number, what it caught]. */
const PINNED: [number, number, number, string][] = [
  [597286487, 300, 265, 'lp p = 1, float16: a power sum that cancels to exactly 0, where the gradient switches off'],
];

describe('fuzz cases earlier runs failed', () => {
  for (const [pinnedSeed, pinnedCases, n, why] of PINNED) {
    const c = fuzzValid(pinnedSeed, pinnedCases)[n];
    it(`${c.name} (${why})`, () => check('runWindowCase', c));
  }
});

describe(`fuzz seed=${seed} cases=${cases}`, () => {
  describe('valid calls: GPU matches the CPU reference, forward and backward', () => {
    for (const c of valid) it(c.name, () => check('runWindowCase', c));
  });

  describe('valid whole-map and binned calls: GPU matches the CPU reference, forward and backward', () => {
    for (const c of binned) it(c.name, () => check('runBinnedCase', c));
  });

  describe('valid region pooling calls (boxes inside, crossing the edge, tiny, huge, stacked): GPU matches the CPU reference, forward and backward', () => {
    for (const c of regions)
      it(c.name, async () => {
        let result: { compared: number; failures: string[] };
        try {
          result = await harness().page.evaluate((cs) => (window as any).harness.runRoiCase(cs), c);
        } catch (e) {
          console.error(replay);
          throw e;
        }
        if (result.failures.length) console.error(replay);
        expect(result.failures).toEqual([]);
        expect(result.compared).toBeGreaterThan(0);
      });
  });

  describe('valid max unpooling calls (duplicate and out-of-range indices too): GPU matches the CPU reference, forward and backward', () => {
    for (const c of unpool) it(c.name, () => check('runUnpoolCase', c));
  });

  describe('valid fractional max pooling calls: GPU matches the CPU reference, forward and backward', () => {
    for (const c of fractional) it(c.name, () => check('runFractionalCase', c));
  });

  it('names every case so that -t selects it alone', ({ task }) => {
    expect(valid.length).toBe(cases);
    expect(
      unaddressable(
        task.file,
        [...valid, ...binned, ...unpool, ...fractional, ...regions].map((c) => c.name),
      ),
    ).toEqual([]);
  });

  it('invalid calls: PoolError before any GPU work, nothing allocated', async () => {
    const invalid = fuzzInvalid(seed, Math.max(20, Math.floor(cases / 3)));
    expect(invalid.length).toBeGreaterThan(10);
    // NaN and Infinity do not survive the trip into the page as numbers: send them as text.
    const encoded = JSON.stringify(invalid, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? `__${v}__` : v));
    const report = await harness().page.evaluate(
      (text) =>
        (window as any).harness.withErrorScope(async () => {
          const { engine, pool } = (window as any).harness;
          const cs = JSON.parse(text, (_, v) => (typeof v === 'string' && /^__(NaN|-?Infinity)__$/.test(v) ? Number(v.slice(2, -2)) : v));
          const problems: string[] = [];
          for (const c of cs) {
            const op = (
              {
                max: 'maxPool',
                avg: 'avgPool',
                lp: 'lpPool',
                soft: 'softPool',
                mixed: 'mixedPool',
                stochasticEval: 'stochasticPoolEval',
                stochastic: 'stochasticPool',
              } as Record<string, string>
            )[c.mode];
            // An unknown mode must fail, not count as an error raised.
            if (!op) {
              problems.push(`${c.name}: unknown mode ${c.mode}`);
              continue;
            }
            const shape = c.channelsLast ? [c.shape[0], ...c.shape.slice(2), c.shape[1]] : c.shape;
            const layout = pool.layoutFor(shape.length - 2, c.channelsLast);
            const x = engine.tensor(new Float32Array(shape.reduce((a: number, b: number) => a * b, 1)), shape, layout);
            const before = engine.stats();
            try {
              engine[op](x, c.options);
              problems.push(`${c.name}: no error`);
            } catch (e: any) {
              if (!(e instanceof pool.PoolError)) problems.push(`${c.name}: untyped ${e}`);
            }
            const after = engine.stats();
            if (after.buffers !== before.buffers) problems.push(`${c.name}: allocated ${after.buffers - before.buffers} buffers`);
            x.destroy();
          }
          return problems;
        }),
      encoded,
    );
    if (report.length) console.error(`replay with FUZZ_SEED=${seed} FUZZ_CASES=${cases}`);
    expect(report).toEqual([]);
  });

  it('invalid max unpooling and fractional calls: PoolError of the right code before any GPU work, nothing allocated', async () => {
    const invalid = fuzzInvalidPool(seed, Math.max(20, Math.floor(cases / 3)));
    expect(invalid.length).toBeGreaterThan(10);
    // NaN and Infinity do not survive the trip into the page as numbers: send them as text.
    const encoded = JSON.stringify(invalid, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? `__${v}__` : v));
    const report = await harness().page.evaluate(
      (text) =>
        (window as any).harness.runInvalidPoolCalls(
          JSON.parse(text, (_, v) => (typeof v === 'string' && /^__(NaN|-?Infinity)__$/.test(v) ? Number(v.slice(2, -2)) : v)),
        ),
      encoded,
    );
    if (report.length) console.error(replay);
    expect(report).toEqual([]);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

// Fuzzing: random valid calls checked GPU against CPU reference, random invalid
// calls checked to raise PoolError (never a GPU error, a hang or a wrong shape).
// FUZZ_SEED and FUZZ_CASES set the run; failures print the seed and the call.
import { describe, expect, it } from 'vitest';
import { fuzzBinned, fuzzInvalid, fuzzSettings, fuzzValid } from '../support/fuzz';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();
const { seed, cases } = fuzzSettings(process.env);

describe(`fuzz seed=${seed} cases=${cases}`, () => {
  it('valid calls: GPU matches the CPU reference, forward and backward', async () => {
    const valid = fuzzValid(seed, cases);
    const failures: string[] = [];
    for (let i = 0; i < valid.length; i += 100) {
      const report = await harness().page.evaluate((cs) => (window as any).harness.runWindowCases(cs), valid.slice(i, i + 100));
      failures.push(...report.failures);
      expect(report.ran).toBe(Math.min(100, valid.length - i));
    }
    if (failures.length) console.error(`replay with FUZZ_SEED=${seed} FUZZ_CASES=${cases}`);
    expect(failures).toEqual([]);
  });

  it('valid whole-map and binned calls: GPU matches the CPU reference, forward and backward', async () => {
    const binned = fuzzBinned(seed, Math.max(20, Math.floor(cases / 3)));
    const failures: string[] = [];
    for (let i = 0; i < binned.length; i += 50) {
      const report = await harness().page.evaluate((cs) => (window as any).harness.runBinnedCases(cs), binned.slice(i, i + 50));
      failures.push(...report.failures);
      expect(report.ran).toBe(Math.min(50, binned.length - i));
    }
    if (failures.length) console.error(`replay with FUZZ_SEED=${seed} FUZZ_CASES=${cases}`);
    expect(failures).toEqual([]);
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
            const shape = c.channelsLast ? [c.shape[0], ...c.shape.slice(2), c.shape[1]] : c.shape;
            const layout = pool.layoutFor(shape.length - 2, c.channelsLast);
            const x = engine.tensor(new Float32Array(shape.reduce((a: number, b: number) => a * b, 1)), shape, layout);
            const before = engine.stats();
            try {
              const op = ({ max: 'maxPool', avg: 'avgPool', lp: 'lpPool', soft: 'softPool', mixed: 'mixedPool', stochasticEval: 'stochasticPoolEval', stochastic: 'stochasticPool' } as Record<string, string>)[c.mode];
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

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

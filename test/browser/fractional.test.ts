// Fractional max pooling on the GPU against the CPU reference: ranks 2 and 3,
// both layouts, outputSize and outputRatio, seeded and given samples, backward.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();

const CASES = [
  { shape: [2, 3, 11, 11], options: { kernel: 2, outputSize: [5, 5] } },
  { shape: [1, 4, 10, 13], options: { kernel: [3, 2], outputSize: [4, 6] } },
  { shape: [2, 2, 16, 9], options: { kernel: 2, outputRatio: 0.5 } },
  { shape: [1, 8, 7, 12], options: { kernel: [1, 3], outputRatio: [0.7, 0.5] } },
  { shape: [1, 2, 7, 7, 7], options: { kernel: 2, outputSize: [3, 3, 3] } },
  { shape: [2, 4, 6, 9, 5], options: { kernel: [2, 3, 1], outputSize: [2, 4, 5] } },
  { shape: [1, 1, 5, 5], options: { kernel: 5, outputSize: [1, 1] } },
];

describe('fractional max pooling', () => {
  it('GPU matches the CPU reference for seeded windows, forward and backward, both layouts', async () => {
    const failures = await harness().page.evaluate(
      (cases) =>
        (window as any).harness.withErrorScope(async () => {
          const { engine, pool } = (window as any).harness;
          const problems: string[] = [];
          let seed = 11;
          for (const c of cases as any[]) {
            for (const channelsLast of [false, true]) {
              const rank = c.shape.length - 2;
              const layout = pool.layoutFor(rank, channelsLast);
              const shape = channelsLast ? [c.shape[0], ...c.shape.slice(2), c.shape[1]] : c.shape;
              const n = shape.reduce((a: number, b: number) => a * b, 1);
              const data = Float32Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 0.77) * 4));
              const name = `fractional x=[${c.shape}] ${JSON.stringify(c.options)} ${layout}`;
              const o = { ...c.options, seed: seed++ };
              const x = engine.tensor(data, shape, layout);
              const g = engine.fractionalMaxPool(x, o);
              const h = pool.reference.fractionalMaxPool(pool.reference.hostTensor(data, shape, layout), o);
              if (g.samples.join() !== h.samples.join()) problems.push(`${name}: samples differ`);
              const out = await g.output.read();
              const idx = await g.indices.read();
              out.forEach((v: number, i: number) => {
                if (v !== h.output.data[i] || idx[i] !== h.indices.data[i])
                  problems.push(`${name}: [${i}] got ${v}@${idx[i]} want ${h.output.data[i]}@${h.indices.data[i]}`);
              });
              const gd = Float32Array.from({ length: out.length }, (_, i) => Math.cos(i));
              const gt = engine.tensor(gd, g.output.shape, layout);
              const gi = engine.fractionalMaxPoolBackward(gt, x, g.indices, { ...c.options, samples: g.samples });
              const hgi = pool.reference.fractionalMaxPoolBackward(
                pool.reference.hostTensor(gd, g.output.shape, layout),
                h.output === null ? null : pool.reference.hostTensor(data, shape, layout),
                h.indices,
                { ...c.options, samples: h.samples },
              );
              const ggot = await gi.read();
              ggot.forEach((v: number, i: number) => {
                if (Math.abs(v - hgi.data[i]) > 1e-6) problems.push(`${name}: gradInput[${i}] got ${v} want ${hgi.data[i]}`);
              });
              [x, g.output, g.indices, gt, gi].forEach((t: any) => t.destroy());
            }
          }
          return problems.slice(0, 20);
        }),
      CASES,
    );
    expect(failures).toEqual([]);
  });

  it('the same seed gives the same windows, other seeds and unseeded calls differ', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const x = engine.tensor(
          Float32Array.from({ length: 4 * 20 * 20 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1),
          [1, 4, 20, 20],
        );
        const run = async (o: any) => {
          // alpha = (20 − 2)/(6 − 1) = 3.6: the windows depend on the samples (an integer alpha would not).
          const r = engine.fractionalMaxPool(x, { kernel: 2, outputSize: [6, 6], ...o });
          const idx = Array.from(await r.indices.read()).join();
          r.output.destroy();
          r.indices.destroy();
          return { idx, samples: Array.from(r.samples).join() };
        };
        const a = await run({ seed: 5 });
        const b = await run({ seed: 5 });
        const c = await run({ seed: 6 });
        const d = await run({});
        const e = await run({});
        x.destroy();
        return { same: a.idx === b.idx && a.samples === b.samples, seeds: a.samples !== c.samples && a.idx !== c.idx, unseeded: d.samples !== e.samples };
      }),
    );
    expect(got).toEqual({ same: true, seeds: true, unseeded: true });
  });

  it('bad calls raise the typed error before any GPU work', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const x = engine.tensor(new Float32Array(100), [1, 1, 10, 10]);
        const x1 = engine.tensor(new Float32Array(10), [1, 1, 10]);
        const before = engine.stats();
        const out: Record<string, string> = {};
        const calls: [string, () => unknown][] = [
          ['too big', () => engine.fractionalMaxPool(x, { kernel: 3, outputSize: [9, 9] })],
          ['ratio', () => engine.fractionalMaxPool(x, { kernel: 2, outputRatio: 1.5 })],
          ['both', () => engine.fractionalMaxPool(x, { kernel: 2, outputSize: 4, outputRatio: 0.5 })],
          ['rank', () => engine.fractionalMaxPool(x1, { kernel: 2, outputSize: 4 })],
          ['samples', () => engine.fractionalMaxPool(x, { kernel: 2, outputSize: 4, samples: new Float32Array([0.5, 1.5]) })],
          ['backward samples', () => engine.fractionalMaxPoolBackward(x, x, x, { kernel: 2, outputSize: 4 })],
        ];
        for (const [name, call] of calls) {
          try {
            call();
            out[name] = 'no error';
          } catch (e: any) {
            out[name] = e instanceof pool.PoolError ? `${e.code}: ${e.message}` : `untyped ${e}`;
          }
        }
        const same = JSON.stringify(engine.stats()) === JSON.stringify(before);
        x.destroy();
        x1.destroy();
        return { out, same };
      }),
    );
    expect(got.same).toBe(true);
    expect(got.out['too big']).toMatch(/^INVALID_OUTPUT_SIZE: outputSize = \[9, 9\]: plus kernel − 1 must fit in the input/);
    expect(got.out.ratio).toMatch(/^INVALID_OPTION: outputRatio = 1.5: must hold numbers in \(0, 1\)/);
    expect(got.out.both).toMatch(/^INVALID_OPTION: outputSize = 4: give exactly one of outputSize and outputRatio/);
    expect(got.out.rank).toMatch(/^INVALID_RANK: input = \[10\]: fractional max pooling needs spatial rank 2 or 3/);
    expect(got.out.samples).toMatch(/^INVALID_OPTION: samples = Float32Array\(2\): must hold numbers in \[0, 1\)/);
    expect(got.out['backward samples']).toMatch(/^INVALID_OPTION: samples = undefined: the backward needs the samples the forward returned/);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

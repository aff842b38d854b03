// Stochastic pooling in training: picks follow p_i = a_i / Σ a (chi-square at a
// fixed significance with fixed seeds, so the test cannot flake), the same seed
// gives the same picks on the GPU and the CPU reference in both layouts, other
// seeds and unseeded calls differ.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();

/** Chi-square critical value for 3 degrees of freedom at significance 0.001. */
const CHI2_3DF_0_001 = 16.266;

describe('stochastic pooling (training)', () => {
  it('picks each element with probability a_i / Σ a (chi-square, α = 0.001, 5 fixed seeds × 4000 windows)', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const channels = 4000;
        // Every channel's 2 × 2 plane is [1, 2, 3, 4] (NHWC: channels innermost), or [0, −1, 2, 6].
        const counts: number[][] = [];
        for (const plane of [
          [1, 2, 3, 4],
          [0, -1, 2, 6],
        ]) {
          const data = new Float32Array(4 * channels);
          for (let s = 0; s < 4; s++) for (let c = 0; c < channels; c++) data[s * channels + c] = plane[s];
          const x = engine.tensor(data, [1, 2, 2, channels], 'NHWC');
          for (const seed of [1, 2, 3, 4, 5]) {
            const r = engine.stochasticPool(x, { kernel: 2, seed });
            const idx = await r.indices.read();
            const out = await r.output.read();
            const tally = [0, 0, 0, 0];
            idx.forEach((i: number, k: number) => {
              tally[i]++;
              if (out[k] !== plane[i]) tally[0] = NaN; // the output is the picked value
            });
            counts.push(tally);
            r.output.destroy();
            r.indices.destroy();
          }
          x.destroy();
        }
        return counts;
      }),
    );
    const n = 4000;
    for (const tally of got.slice(0, 5)) {
      const p = [0.1, 0.2, 0.3, 0.4];
      const chi2 = tally.reduce((acc: number, o: number, i: number) => acc + (o - n * p[i]) ** 2 / (n * p[i]), 0);
      expect(chi2).toBeLessThan(CHI2_3DF_0_001);
    }
    for (const tally of got.slice(5)) {
      // Weights [0, 0, 2, 6]: the zero and the negative are never picked; 2 : 6 = 0.25 : 0.75.
      expect(tally[0]).toBe(0);
      expect(tally[1]).toBe(0);
      const chi2 = (tally[2] - n * 0.25) ** 2 / (n * 0.25) + (tally[3] - n * 0.75) ** 2 / (n * 0.75);
      expect(chi2).toBeLessThan(10.828); // 1 degree of freedom, α = 0.001
    }
  });

  it('the same seed picks the same elements on GPU and CPU in both layouts; other seeds and unseeded calls differ', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const dims = { batch: 2, channels: 4, spatial: [9, 8] };
        const data = Float32Array.from({ length: 2 * 4 * 9 * 8 }, (_, i) => Math.abs(Math.sin(i * 1.3)) * 3 - 0.5);
        const opts = { kernel: 3, stride: 2, padding: 1, seed: 42 };
        const picks: string[] = [];
        for (const last of [false, true]) {
          const layout = last ? 'NHWC' : 'NCHW';
          const shape = last ? [2, 9, 8, 4] : [2, 4, 9, 8];
          const d = pool.relayout(data, dims, false, last);
          const x = engine.tensor(d, shape, layout);
          const r = engine.stochasticPool(x, opts);
          const h = pool.reference.stochasticPool(pool.reference.hostTensor(d, shape, layout), opts);
          // Back to channels-first so the two layouts compare element by element.
          const gpu = pool.relayout(await r.indices.read(), { ...dims, spatial: [5, 4] }, last, false);
          const cpu = pool.relayout(h.indices.data, { ...dims, spatial: [5, 4] }, last, false);
          picks.push(Array.from(gpu).join(), Array.from(cpu).join());
          [x, r.output, r.indices].forEach((t: any) => t.destroy());
        }
        const x = engine.tensor(data, [2, 4, 9, 8]);
        const run = async (o: any) => {
          const r = engine.stochasticPool(x, { kernel: 3, stride: 2, padding: 1, ...o });
          const v = Array.from(await r.indices.read()).join();
          r.output.destroy();
          r.indices.destroy();
          return v;
        };
        const other = await run({ seed: 43 });
        const u1 = await run({});
        const u2 = await run({});
        x.destroy();
        return { picks, other, u1, u2 };
      }),
    );
    const [gpuFirst, cpuFirst, gpuLast, cpuLast] = got.picks;
    expect(gpuFirst).toBe(cpuFirst);
    expect(gpuLast).toBe(gpuFirst);
    expect(cpuLast).toBe(cpuFirst);
    expect(got.other).not.toBe(gpuFirst);
    expect(got.u1).not.toBe(got.u2);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

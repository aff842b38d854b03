// Reliability of the engine on a real device: special values, size limits,
// device loss, resource lifecycle and determinism.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';
import type { WindowCase } from '../support/window-grid';

const harness = useHarnessPage();
const evaluate = <T, A>(fn: (arg: A) => Promise<T> | T, arg: A): Promise<T> => harness().page.evaluate(fn as never, arg) as Promise<T>;

/** Special-value cases, one per window mode and layout. */
const specialCases: WindowCase[] = [];
let specialSeed = 500;
for (const mode of ['max', 'avg', 'lp'] as const) {
  for (const channelsLast of [false, true]) {
    const options: Record<string, unknown> = mode === 'lp' ? { p: 2, kernel: [2, 3], stride: [2, 1] } : { kernel: 3, stride: 2, padding: 1, ceilMode: true };
    specialCases.push({
      name: `${mode} special ${channelsLast ? 'NHWC' : 'NCHW'}`,
      mode,
      shape: [2, 3, 9, 8],
      channelsLast,
      options,
      data: 'special',
      seed: specialSeed++,
    });
  }
}

describe('special values', () => {
  // One test per case, in an error scope of its own (a GPU error names the case).
  describe('NaN, ±Infinity, 1e30 and 1e-30 behave the same on GPU and CPU in max, avg and lp pooling, forward and backward', () => {
    for (const c of specialCases) it(c.name, async () => expect(await evaluate((cs) => (window as any).harness.runWindowCase(cs), c)).toEqual([]));
  });

  it('max pooling propagates NaN and averages of infinities follow IEEE', async () => {
    const got = await evaluate(
      () =>
        (window as any).harness.withErrorScope(async () => {
          const e = (window as any).harness.engine;
          const x = e.tensor(new Float32Array([1, NaN, 3, 2, Infinity, -Infinity, Infinity, 5]), [1, 1, 8]);
          const m = e.maxPool(x, { kernel: 2 });
          const a = e.avgPool(x, { kernel: 2 });
          // Non-finite numbers do not survive the trip out of the page as numbers.
          const text = (v: Float32Array) => Array.from(v, String);
          const out = { max: text(await m.output.read()), idx: Array.from(await m.indices.read()), avg: text(await a.read()) };
          for (const t of [x, m.output, m.indices, a]) t.destroy();
          return out;
        }),
      null,
    );
    expect(got.max).toEqual(['NaN', '3', 'Infinity', 'Infinity']);
    expect(got.idx).toEqual([1, 2, 4, 6]);
    expect(got.avg).toEqual(['NaN', '2.5', 'NaN', 'Infinity']);
  });
});

describe('SoftPool at large magnitudes', () => {
  it('inputs around ±1e4 give finite, correct results forward and backward', async () => {
    const got = await evaluate(
      () =>
        (window as any).harness.withErrorScope(async () => {
          const { engine, pool } = (window as any).harness;
          const data = new Float32Array([10000, 9999, -10000, -10001, 10000, -10000, 5, 10000]);
          const x = engine.tensor(data, [1, 1, 8]);
          const y = engine.softPool(x, { kernel: 2 });
          const g = engine.softPoolBackward(engine.tensor(new Float32Array(4).fill(1), [1, 1, 4]), x, { kernel: 2 });
          const out = Array.from(await y.read());
          const grad = Array.from(await g.read());
          const hx = pool.reference.hostTensor(data, [1, 1, 8]);
          const cpu = Array.from(pool.reference.softPool(hx, { kernel: 2 }).data);
          const ones = pool.reference.hostTensor(new Float32Array(4).fill(1), [1, 1, 4]);
          const cpuGrad = Array.from(pool.reference.softPoolBackward(ones, hx, { kernel: 2 }).data);
          [x, y, g].forEach((t: any) => t.destroy());
          return { out, grad, cpu, cpuGrad, data: Array.from(data) };
        }),
      null,
    );
    const e = Math.exp(-1);
    const want = [(10000 + 9999 * e) / (1 + e), (-10000 + -10001 * e) / (1 + e), (10000 + -10000 * Math.exp(-20000)) / 1, 10000];
    got.out.forEach((v: number, i: number) => {
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v - want[i])).toBeLessThan(2e-3);
      expect(Math.abs(v - got.cpu[i])).toBeLessThan(2e-3);
    });
    // dy/dx_i = w_i · (1 + x_i − y), w = softmax of the window, in float64. y near 1e4 holds
    // about 1e-3 in float32 (its ulp), so x_i − y, and the gradient, are good to about that.
    const wantGrad: number[] = [];
    for (let o = 0; o < 4; o++) {
      const [a, b] = [got.data[2 * o], got.data[2 * o + 1]];
      const m = Math.max(a, b);
      const [ea, eb] = [Math.exp(a - m), Math.exp(b - m)];
      const y = (a * ea + b * eb) / (ea + eb);
      wantGrad.push((ea / (ea + eb)) * (1 + a - y), (eb / (ea + eb)) * (1 + b - y));
    }
    expect(wantGrad.map((v) => Math.round(v * 1e3) / 1e3 + 0)).toEqual([0.928, 0.072, 0.928, 0.072, 1, 0, 0, 1]);
    got.grad.forEach((v: number, i: number) => {
      expect(Number.isFinite(v), `grad ${i}`).toBe(true);
      expect(Math.abs(v - wantGrad[i]), `grad ${i}: ${v}, want ${wantGrad[i]}`).toBeLessThan(2e-3);
      expect(Math.abs(v - got.cpuGrad[i]), `grad ${i} against the CPU reference`).toBeLessThan(2e-3);
    });
  });
});

describe('size limits', () => {
  it('a tensor over maxBufferSize, or a plane over one binding, raises TOO_LARGE before allocating; one at the binding limit runs', async () => {
    const got = await evaluate(async () => {
      const { pool } = (window as any).harness;
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter!.requestDevice(); // default limits: 128 MiB per binding, 256 MiB per buffer
      const e = await pool.createPoolEngine({ device });
      const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
      const buffer = device.limits.maxBufferSize;
      const before = e.stats();
      const codes: string[] = [];
      try {
        e.tensor(new Float32Array(buffer / 4 + 4), [1, 1, buffer / 4 + 4]);
      } catch (err: any) {
        codes.push(`${err.code}: ${err.message}`);
      }
      // An output larger than its input: kernel 2, stride 1, padding 1 grows each side by one,
      // so its one plane passes one binding, and a plane is the smallest chunk.
      const side = Math.floor(Math.sqrt(limit / 4)); // side² fits, (side + 1)² does not
      const x = e.tensor(new Float32Array(side * side), [1, 1, side, side]);
      const held = e.stats();
      try {
        e.maxPool(x, { kernel: 2, stride: 1, padding: 1 });
      } catch (err: any) {
        codes.push(`${err.code}: ${err.message}`);
      }
      const after = e.stats();
      // At the limit: runs.
      const big = e.tensor(
        Float32Array.from({ length: limit / 4 }, (_, i) => i % 7),
        [1, 1, limit / 4],
      );
      device.pushErrorScope('validation');
      const y = e.maxPool(big, { kernel: 2 });
      const tail = Array.from((await y.output.read()).slice(-3));
      const error = await device.popErrorScope();
      e.destroy();
      device.destroy();
      return { limit, buffer, codes, before, held, after, tail, error: error?.message ?? null };
    }, null);
    expect(got.limit).toBe(128 * 2 ** 20);
    expect(got.codes[0]).toMatch(
      new RegExp(
        `^TOO_LARGE: shape = \\[1, 1, ${got.buffer / 4 + 4}\\]: needs ${got.buffer + 16} bytes, more than one buffer of this device holds \\(maxBufferSize ${got.buffer} bytes.*maxStorageBufferBindingSize \\(${got.limit} bytes\\)`,
      ),
    );
    expect(got.codes[1]).toMatch(/^TOO_LARGE: output = \[1, 1, \d+, \d+\]: one channel needs \d+ bytes .*storage binding limit of 134217728 bytes/);
    expect(got.before.buffers).toBe(0);
    expect(got.after).toEqual(got.held);
    expect(got.error).toBeNull();
    expect(got.tail.length).toBe(3);
  });
});

describe('device loss', () => {
  it('reports loss, refuses later calls with DEVICE_LOST, and a new engine works', async () => {
    const got = await evaluate(async () => {
      const { pool } = (window as any).harness;
      const e = await pool.createPoolEngine();
      const x = e.tensor(
        Float32Array.from({ length: 4 * 64 * 64 }, (_, i) => i),
        [1, 4, 64, 64],
      );
      for (let i = 0; i < 20; i++) e.avgPool(x, { kernel: 3, stride: 1, padding: 1 }).destroy();
      const pending = e
        .maxPool(x, { kernel: 2 })
        .output.read()
        .then(
          () => 'resolved',
          (err: any) => `rejected ${err?.code ?? err?.name}`,
        );
      e.device.destroy();
      const info = await Promise.race([e.lost, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
      let code = '';
      try {
        e.maxPool(x, { kernel: 2 });
      } catch (err: any) {
        code = err.code;
      }
      const read = await Promise.race([pending, new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
      const fresh = await pool.createPoolEngine();
      const y = fresh.avgPool(fresh.tensor(new Float32Array([1, 2, 3, 4]), [1, 1, 4]), { kernel: 2 });
      const values = Array.from(await y.read());
      fresh.destroy();
      return { reason: (info as any).reason ?? info, code, read, values };
    }, null);
    expect(got.reason).toBe('destroyed');
    expect(got.code).toBe('DEVICE_LOST');
    expect(got.read).not.toBe('hung');
    expect(got.values).toEqual([1.5, 3.5]);
  });
});

describe('resource lifecycle', () => {
  it('10,000 forward and backward calls that destroy their intermediates end where they started', async () => {
    const got = await evaluate(
      () =>
        (window as any).harness.withErrorScope(async () => {
          const e = (window as any).harness.engine;
          const start = e.stats();
          const x = e.tensor(
            Float32Array.from({ length: 2 * 3 * 6 * 6 }, (_, i) => Math.sin(i)),
            [2, 3, 6, 6],
          );
          const opts = { kernel: 2 };
          for (let i = 0; i < 5000; i++) {
            const m = e.maxPool(x, opts);
            const g = e.maxPoolBackward(m.output, x, m.indices, opts);
            m.output.destroy();
            m.indices.destroy();
            g.destroy();
            if (i % 500 === 0) await e.device.queue.onSubmittedWorkDone();
          }
          await e.device.queue.onSubmittedWorkDone();
          x.destroy();
          return { start, end: e.stats() };
        }),
      null,
    );
    // Buffers in use are back where they started; released ones are kept for reuse, a few at most.
    expect({ buffers: got.end.buffers, bytes: got.end.bytes }).toEqual({ buffers: got.start.buffers, bytes: got.start.bytes });
    expect(got.end.pooledBuffers).toBeLessThanOrEqual(got.start.pooledBuffers + 8);
  });
});

describe('determinism', () => {
  it('the same call gives bit-identical outputs, indices and gradients in every mode and layout', async () => {
    const got = await evaluate(
      () =>
        (window as any).harness.withErrorScope(async () => {
          const e = (window as any).harness.engine;
          const bits = async (t: any) => Array.from(new Uint32Array((await t.read()).buffer)).join(',');
          const differing: string[] = [];
          for (const layout of ['NCHW', 'NHWC']) {
            const shape = layout === 'NCHW' ? [2, 3, 11, 9] : [2, 11, 9, 3];
            const data = Float32Array.from({ length: 2 * 3 * 11 * 9 }, (_, i) => Math.sin(i * 0.37) * 3);
            const x = e.tensor(data, shape, layout);
            const runs: string[][] = [];
            for (let r = 0; r < 3; r++) {
              const o = { kernel: 3, stride: 1, padding: 1 };
              const m = e.maxPool(x, o);
              const a = e.avgPool(x, o);
              const l = e.lpPool(x, { p: 2, kernel: 2, stride: 1 });
              const gm = e.maxPoolBackward(m.output, x, m.indices, o);
              const ga = e.avgPoolBackward(a, x, o);
              const gl = e.lpPoolBackward(l, x, { p: 2, kernel: 2, stride: 1 });
              const all = [m.output, m.indices, a, l, gm, ga, gl];
              runs.push(await Promise.all(all.map(bits)));
              all.forEach((t) => t.destroy());
            }
            if (runs.some((r) => r.length !== runs[0].length)) differing.push(`${layout} results: ${runs.map((r) => r.length)} per run`);
            runs[0].forEach((v, i) => {
              if (v !== runs[1][i] || v !== runs[2][i]) differing.push(`${layout} result ${i}`);
            });
            x.destroy();
          }
          return differing;
        }),
      null,
    );
    expect(got).toEqual([]);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

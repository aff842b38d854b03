// The engine on a real WebGPU device in Chromium: adapter, tensors, error
// scopes, typed errors before any GPU work, pipeline cache, folded dispatches.
import { describe, expect, it } from 'vitest';
import { HARDWARE_PARALLELISM, SOFTWARE_THREADS_PER_CORE } from '../../src/parallelism';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();
const evaluate = <T>(fn: () => Promise<T> | T): Promise<T> => harness().page.evaluate(fn);

describe('engine on real WebGPU', () => {
  it('runs on a real WebGPU adapter', async () => {
    const info = await evaluate(() => (window as any).harness.adapter);
    expect(typeof info.vendor).toBe('string');
    expect(info.vendor.length + (info.architecture ?? '').length).toBeGreaterThan(0);
  });

  it('sizes its launches by the adapter (software here); a parallelism option overrides it, a bad one is refused', async () => {
    const result = await evaluate(async () => {
      const h = (window as any).harness;
      const pool = h.pool;
      const own = await pool.createPoolEngine({ device: h.engine.device, parallelism: 1 << 17 });
      let refused = '';
      try {
        await pool.createPoolEngine({ device: h.engine.device, parallelism: 0 });
      } catch (e) {
        refused = `${(e as any).code} ${(e as any).param}`;
      }
      return { software: h.adapter.architecture, detected: h.engine.parallelism, own: own.parallelism, refused, cores: navigator.hardwareConcurrency };
    });
    // SwiftShader (this machine's adapter) is a software one, sized by the CPU's cores; a GPU gets the larger default.
    expect(result.detected).toBe(result.software === 'swiftshader' ? SOFTWARE_THREADS_PER_CORE * result.cores : HARDWARE_PARALLELISM);
    expect(result.own).toBe(1 << 17);
    expect(result.refused).toBe('INVALID_OPTION parallelism');
  });

  it('the error scope catches a GPU validation error (control: a valid op passes)', async () => {
    const result = await evaluate(async () => {
      const h = (window as any).harness;
      const device: GPUDevice = h.engine.device;
      const ok = await h.withErrorScope(async () => {
        const x = h.engine.tensor(new Float32Array(16), [1, 1, 4, 4]);
        const y = h.engine.avgPool(x, { kernel: 2 });
        await y.read();
        x.destroy();
        y.destroy();
        return 'ok';
      });
      let caught = '';
      try {
        await h.withErrorScope(async () => {
          device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
        });
      } catch (e) {
        caught = String(e);
      }
      return { ok, caught };
    });
    expect(result.ok).toBe('ok');
    expect(result.caught).toMatch(/validation error/);
  });

  it('uploads and reads back float and int tensors in every layout', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const e = (window as any).harness.engine;
        const out: string[] = [];
        for (const [shape, layout] of [
          [[2, 3, 5], 'NCW'],
          [[2, 5, 3], 'NWC'],
          [[1, 2, 3, 4], 'NCHW'],
          [[1, 3, 4, 2], 'NHWC'],
          [[1, 2, 2, 3, 4], 'NCDHW'],
          [[1, 2, 3, 4, 2], 'NDHWC'],
        ] as const) {
          const n = shape.reduce((a: number, b: number) => a * b, 1);
          const f = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
          const t = e.tensor(f, shape, layout);
          const back = await t.read();
          if (t.layout !== layout || back.join() !== f.join()) out.push(`float ${layout}`);
          t.destroy();
          const ints = Int32Array.from({ length: n }, (_, i) => i * 7);
          const ti = e.tensor(ints, shape, layout);
          if ((await ti.read()).join() !== ints.join() || ti.dtype !== 'int32') out.push(`int ${layout}`);
          ti.destroy();
        }
        return out;
      }),
    );
    expect(result).toEqual([]);
  });

  it('chains ops on the GPU without reading back in between', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const data = Float32Array.from({ length: 2 * 3 * 16 * 16 }, (_, i) => Math.sin(i));
        const x = engine.tensor(data, [2, 3, 16, 16]);
        const a = engine.maxPool(x, { kernel: 2 });
        const b = engine.avgPool(a.output, { kernel: 3, stride: 1, padding: 1 });
        const c = engine.lpPool(b, { p: 2, kernel: 2 });
        const got = await c.read();
        const hx = pool.reference.hostTensor(data, [2, 3, 16, 16]);
        const ha = pool.reference.maxPool(hx, { kernel: 2 });
        const hb = pool.reference.avgPool(ha.output, { kernel: 3, stride: 1, padding: 1 });
        const hc = pool.reference.lpPool(hb, { p: 2, kernel: 2 });
        let worst = 0;
        hc.data.forEach((v: number, i: number) => (worst = Math.max(worst, Math.abs(v - got[i]))));
        for (const t of [x, a.output, a.indices, b, c]) t.destroy();
        return { worst, shape: c.shape };
      }),
    );
    expect(result.shape).toEqual([2, 3, 4, 4]);
    expect(result.worst).toBeLessThan(1e-5);
  });

  it('reuses one pipeline per shader, mode and layout across shapes', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { pool } = (window as any).harness;
        const engine = await pool.createPoolEngine();
        const made: any[] = [];
        // Kernels over 3 taps run the general kernel, whose sizes are all uniforms.
        for (const size of [5, 8, 13]) {
          const x = engine.tensor(new Float32Array(size * size), [1, 1, size, size]);
          made.push(x, engine.avgPool(x, { kernel: 4, stride: 1, padding: 1 }), engine.avgPool(x, { kernel: 5, stride: 1 }));
        }
        await made[made.length - 1].read();
        const key = pool.pipelineKey('windowForward', { MODE: 1, CHANNELS_LAST: 0 });
        const count = pool.cachedPipelineCount(engine.device);
        engine.destroy();
        return { count, key };
      }),
    );
    expect(result.count).toBe(1);
    expect(result.key).toBe('windowForward|CHANNELS_LAST=0,MODE=1');
  });

  it('reuses one small-window pipeline per kernel size across shapes', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { pool } = (window as any).harness;
        const engine = await pool.createPoolEngine();
        const made: any[] = [];
        for (const [c, size] of [
          [1, 8],
          [3, 16],
          [2, 24],
        ]) {
          const x = engine.tensor(new Float32Array(2 * c * size * size), [2, c, size, size]);
          made.push(x, engine.avgPool(x, { kernel: 2 }));
        }
        await made[made.length - 1].read();
        const count = pool.cachedPipelineCount(engine.device);
        engine.destroy();
        return { count };
      }),
    );
    expect(result.count).toBe(1);
  });

  it('folds dispatches of more than 65,535 workgroups', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const n = 65536 * 64 + 129; // workgroups of 64: one more than a dimension allows
        const data = Float32Array.from({ length: n }, (_, i) => (i % 1000) - 500);
        const x = engine.tensor(data, [1, 1, n]);
        const y = engine.maxPool(x, { kernel: 1 });
        const got = await y.output.read();
        let wrong = 0;
        for (let i = 0; i < n; i++) if (got[i] !== data[i]) wrong++;
        for (const t of [x, y.output, y.indices]) t.destroy();
        return { wrong, last: got[n - 1], want: data[n - 1] };
      }),
    );
    expect(result.wrong).toBe(0);
    expect(result.last).toBe(result.want);
  });

  it('gives bit-identical gradients on every run', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const data = Float32Array.from({ length: 2 * 4 * 15 * 15 }, (_, i) => Math.cos(i * 1.7));
        const x = engine.tensor(data, [2, 15, 15, 4], 'NHWC');
        const opts = { kernel: 3, stride: 1, padding: 1 };
        const g = engine.tensor(
          Float32Array.from({ length: 2 * 4 * 15 * 15 }, (_, i) => Math.sin(i)),
          [2, 15, 15, 4],
          'NHWC',
        );
        const runs: string[] = [];
        for (let r = 0; r < 3; r++) {
          const gi = engine.avgPoolBackward(g, x, opts);
          runs.push(Array.from(new Uint32Array((await gi.read()).buffer)).join());
          gi.destroy();
        }
        x.destroy();
        g.destroy();
        return runs[0] === runs[1] && runs[1] === runs[2];
      }),
    );
    expect(result).toBe(true);
  });
});

describe('bad calls on the GPU path: typed error, no GPU work, nothing allocated', () => {
  it('raises each typed error before touching the GPU', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const other = await pool.createPoolEngine();
        const x = engine.tensor(new Float32Array(64), [1, 1, 8, 8]);
        const dead = engine.tensor(new Float32Array(64), [1, 1, 8, 8]);
        dead.destroy();
        const foreign = other.tensor(new Float32Array(64), [1, 1, 8, 8]);
        const pooled = engine.avgPool(x, { kernel: 2 });
        const before = engine.stats();
        const calls: [string, () => unknown][] = [
          ['wrong rank', () => engine.tensor(new Float32Array(4), [2, 2])],
          ['data length', () => engine.tensor(new Float32Array(3), [1, 1, 2, 2])],
          ['kernel', () => engine.maxPool(x, { kernel: 0 })],
          ['stride', () => engine.avgPool(x, { kernel: 2, stride: 1.5 })],
          ['dilation', () => engine.maxPool(x, { kernel: 2, dilation: -1 })],
          ['padding', () => engine.maxPool(x, { kernel: 3, padding: 2 })],
          ['empty output', () => engine.avgPool(x, { kernel: 9 })],
          ['layout', () => engine.tensor(new Float32Array(4), [1, 1, 2, 2], 'NCWH')],
          ['mode option', () => engine.lpPool(x, { kernel: 2, p: 2, dilation: 2 })],
          ['not finite', () => engine.maxPool(x, { kernel: NaN })],
          ['p', () => engine.lpPool(x, { kernel: 2, p: -1 })],
          ['destroyed', () => engine.maxPool(dead, { kernel: 2 })],
          ['foreign', () => engine.avgPool(foreign, { kernel: 2 })],
          ['grad shape', () => engine.avgPoolBackward(x, x, { kernel: 2 })],
          ['indices dtype', () => engine.maxPoolBackward(pooled, x, pooled, { kernel: 2 })],
        ];
        const out: Record<string, string> = {};
        for (const [name, call] of calls) {
          try {
            call();
            out[name] = 'no error';
          } catch (e: any) {
            out[name] = e instanceof pool.PoolError ? `${e.code}: ${e.message}` : `untyped: ${e}`;
          }
        }
        const after = engine.stats();
        for (const t of [x, pooled]) t.destroy();
        other.destroy();
        return { out, before, after };
      }),
    );
    expect(result.after).toEqual(result.before);
    const o = result.out;
    expect(o['wrong rank']).toMatch(/^INVALID_RANK: shape = \[2, 2\]/);
    expect(o['data length']).toMatch(/^DATA_LENGTH: data.length = 3: must equal/);
    expect(o.kernel).toMatch(/^INVALID_KERNEL: kernel = 0: must hold positive integers/);
    expect(o.stride).toMatch(/^INVALID_STRIDE: stride = 1.5/);
    expect(o.dilation).toMatch(/^INVALID_DILATION: dilation = -1/);
    expect(o.padding).toMatch(/^INVALID_PADDING: padding = 2: must be at most half the effective kernel/);
    expect(o['empty output']).toMatch(/^EMPTY_OUTPUT: kernel = 9/);
    expect(o.layout).toMatch(/^INVALID_LAYOUT: layout = "NCWH"/);
    expect(o['mode option']).toMatch(/^INVALID_OPTION: dilation = 2: is not an option of PyTorch's Lp pooling/);
    expect(o['not finite']).toMatch(/^NOT_FINITE: kernel = NaN/);
    expect(o.p).toMatch(/^INVALID_P: p = -1: must be greater than 0/);
    expect(o.destroyed).toMatch(/^DESTROYED_TENSOR: input = /);
    expect(o.foreign).toMatch(/^FOREIGN_TENSOR: input = .*belongs to another engine/);
    expect(o['grad shape']).toMatch(/^SHAPE_MISMATCH: gradOutput.shape = \[1, 1, 8, 8\]/);
    expect(o['indices dtype']).toMatch(/^INVALID_OPTION: indices = "float32": must be a tensor of dtype int32/);
  });

  it('a destroyed engine refuses calls and frees its buffers', async () => {
    const result = await evaluate(async () => {
      const { pool } = (window as any).harness;
      const engine = await pool.createPoolEngine();
      const x = engine.tensor(new Float32Array(16), [1, 1, 4, 4]);
      engine.avgPool(x, { kernel: 2 });
      const held = engine.stats().buffers;
      engine.destroy();
      let code = '';
      try {
        engine.tensor(new Float32Array(16), [1, 1, 4, 4]);
      } catch (e: any) {
        code = e.code;
      }
      const after = engine.stats();
      return { held, after: after.buffers + after.pooledBuffers, code };
    });
    expect(result.held).toBeGreaterThanOrEqual(2);
    expect(result.after).toBe(0);
    expect(result.code).toBe('DESTROYED_ENGINE');
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

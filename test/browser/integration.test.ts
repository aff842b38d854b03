// The engine inside other pipelines (issue: wrap, out, batch, encode, indices:
// false, prepare): one submission for a batch, none of its own for encode,
// nothing left behind by a batch that throws, no index bytes for inference, no
// pipeline created on the first call after prepare, and typed errors for bad
// buffers and outputs. The views themselves are checked op by op in
// wrapped-views.test.ts.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();
const evaluate = <T>(fn: () => Promise<T> | T): Promise<T> => harness().page.evaluate(fn);

describe('batch and encode', () => {
  it('a batch of 64 mixed ops makes exactly one queue.submit, in one compute pass, with results identical to running them one by one', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const device: GPUDevice = engine.device;
        const data = Float32Array.from({ length: 2 * 8 * 19 * 17 }, (_, i) => Math.sin(i * 0.37) * 3);
        // Distinct indices within each plane: with repeats, which value stays is unspecified.
        const idxData = Int32Array.from({ length: 2 * 8 * 9 * 8 }, (_, i) => (i % 72) * 4);
        // 16 rounds of 4 ops of different families (window, global with several
        // passes, adaptive, unpool with its clear, backward), each feeding the next.
        const chain = () => {
          const x = engine.tensor(data, [2, 8, 19, 17]);
          const idx = engine.tensor(idxData, [2, 8, 9, 8]);
          const made: any[] = [x, idx];
          let cur = x;
          for (let round = 0; round < 16; round++) {
            const m = engine.maxPool(cur, { kernel: 3, stride: 1, padding: 1 });
            const a = engine.avgPool(m.output, { kernel: 2, stride: 2 });
            const g = engine.globalMaxPool(cur);
            const b = engine.avgPoolBackward(a, m.output, { kernel: 2, stride: 2 });
            made.push(m.output, m.indices, a, g.output, g.indices, b);
            cur = b;
          }
          const u = engine.maxUnpool(engine.adaptiveAvgPool(cur, { outputSize: [9, 8] }), idx, { kernel: 2 });
          made.push(u);
          return { made, last: [cur, u, made[made.length - 3]] };
        };
        const readAll = async (ts: any[]) => Promise.all(ts.map(async (t) => Array.from(await t.read())));

        const alone = chain();
        const want = await readAll(alone.last);
        alone.made.forEach((t: any) => t.destroy());

        const queue = device.queue;
        const submit = queue.submit;
        const createEncoder = device.createCommandEncoder;
        let submits = 0;
        let passes = 0;
        queue.submit = function (buffers: Iterable<GPUCommandBuffer>) {
          submits++;
          return submit.call(this, buffers);
        };
        device.createCommandEncoder = function (d?: GPUCommandEncoderDescriptor) {
          const encoder = createEncoder.call(this, d);
          const begin = encoder.beginComputePass;
          encoder.beginComputePass = function (p?: GPUComputePassDescriptor) {
            passes++;
            return begin.call(this, p);
          };
          return encoder;
        };
        let batched: ReturnType<typeof chain>;
        try {
          batched = engine.batch(() => chain());
        } finally {
          queue.submit = submit;
          device.createCommandEncoder = createEncoder;
        }
        const got = await readAll(batched.last);
        batched.made.forEach((t: any) => t.destroy());
        const diff = want.map((w: any[], k) =>
          w.reduce((acc: number[], v: number, i: number) => (v !== got[k][i] && acc.length < 5 ? [...acc, i, v, got[k][i]] : acc), []),
        );
        return { diff, submits, passes, ops: 16 * 4 + 2, same: JSON.stringify(got) === JSON.stringify(want), sizes: want.map((w) => w.length) };
      }),
    );
    expect(result.diff).toEqual([[], [], []]);
    expect(result.ops).toBeGreaterThanOrEqual(50);
    expect(result.submits).toBe(1);
    expect(result.passes).toBe(1);
    expect(result.sizes.every((n: number) => n > 0)).toBe(true);
    expect(result.same).toBe(true);
  });

  it("encode records into the caller's encoder and submits nothing; the caller's submit runs it", async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const device: GPUDevice = engine.device;
        const data = Float32Array.from({ length: 1 * 4 * 9 * 9 }, (_, i) => Math.cos(i) * 2);
        const x = engine.tensor(data, [1, 9, 9, 4], 'NHWC');
        const queue = device.queue;
        const submit = queue.submit;
        let submits = 0;
        queue.submit = function (buffers: Iterable<GPUCommandBuffer>) {
          submits++;
          return submit.call(this, buffers);
        };
        const encoder = device.createCommandEncoder();
        let y: any;
        let during = -1;
        try {
          y = engine.encode(encoder, () => engine.globalAvgPool(engine.avgPool(x, { kernel: 3, stride: 2 })));
          during = submits;
        } finally {
          queue.submit = submit;
        }
        device.queue.submit([encoder.finish()]);
        const got = await y.read();
        const hx = pool.reference.hostTensor(data, [1, 9, 9, 4], 'NHWC');
        const want = pool.reference.globalAvgPool(pool.reference.avgPool(hx, { kernel: 3, stride: 2 })).data;
        let worst = 0;
        want.forEach((v: number, i: number) => (worst = Math.max(worst, Math.abs(v - got[i]))));
        x.destroy();
        return { during, worst, n: want.length };
      }),
    );
    expect(result.during).toBe(0);
    expect(result.n).toBe(4);
    expect(result.worst).toBeLessThan(1e-6);
  });

  it('a batch that throws submits nothing, releases what it made and leaves stats() where they started; the engine is usable after', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const device: GPUDevice = engine.device;
        const x = engine.tensor(
          Float32Array.from({ length: 3 * 5 * 300 }, (_, i) => i % 13),
          [3, 5, 300],
          'NCW',
        );
        const before = engine.stats();
        const submit = device.queue.submit;
        let submits = 0;
        device.queue.submit = function (buffers: Iterable<GPUCommandBuffer>) {
          submits++;
          return submit.call(this, buffers);
        };
        const errors: string[] = [];
        try {
          for (const fail of [
            () => {
              engine.maxPool(x, { kernel: 3 });
              engine.globalAvgPool(x); // scratch buffers of several passes
              throw new Error('user error');
            },
            () => {
              engine.avgPool(x, { kernel: 2 });
              engine.avgPool(x, { kernel: 0 }); // a PoolError in the middle
            },
          ]) {
            try {
              engine.batch(fail);
            } catch (e) {
              errors.push((e as any).code ?? (e as Error).message);
            }
          }
        } finally {
          device.queue.submit = submit;
        }
        const after = engine.stats();
        const y = engine.avgPool(x, { kernel: 2 });
        const usable = (await y.read()).length;
        y.destroy();
        x.destroy();
        return { errors, submits, before, after, usable };
      }),
    );
    expect(result.errors).toEqual(['user error', 'INVALID_KERNEL']);
    expect(result.submits).toBe(0);
    expect(result.after).toEqual(result.before);
    expect(result.usable).toBe(3 * 5 * 150);
  });

  it('read() inside a batch or an encode raises IN_BATCH at once, an async fn is refused, and nesting joins the outer batch', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const x = engine.tensor(new Float32Array(16), [1, 1, 4, 4]);
        const codes: string[] = [];
        for (const run of [
          () => engine.batch(() => x.read()),
          () => engine.encode(engine.device.createCommandEncoder(), () => x.read()),
          () => engine.batch(async () => engine.avgPool(x, { kernel: 2 })),
          () => engine.batch(() => engine.encode(engine.device.createCommandEncoder(), () => 0)),
        ]) {
          try {
            run();
            codes.push('none');
          } catch (e) {
            codes.push(`${(e as any).code} ${(e as any).param}`);
          }
        }
        const submit = engine.device.queue.submit;
        let submits = 0;
        engine.device.queue.submit = function (b: Iterable<GPUCommandBuffer>) {
          submits++;
          return submit.call(this, b);
        };
        let nested: any;
        try {
          nested = engine.batch(() => engine.batch(() => engine.avgPool(x, { kernel: 2 })));
        } finally {
          engine.device.queue.submit = submit;
        }
        const n = (await nested.read()).length;
        nested.destroy();
        x.destroy();
        return { codes, submits, n };
      }),
    );
    expect(result.codes).toEqual(['IN_BATCH read', 'IN_BATCH read', 'INVALID_OPTION fn', 'IN_BATCH encoder']);
    expect(result.submits).toBe(1);
    expect(result.n).toBe(4);
  });

  it('repeated calls on the same tensors reuse their bind groups', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const device: GPUDevice = engine.device;
        const x = engine.tensor(new Float32Array(2 * 3 * 8 * 8).fill(1), [2, 3, 8, 8]);
        const y = engine.tensor(new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4]);
        engine.avgPool(x, { kernel: 2 }, y);
        await y.read();
        const create = device.createBindGroup;
        let made = 0;
        device.createBindGroup = function (d: GPUBindGroupDescriptor) {
          made++;
          return create.call(this, d);
        };
        try {
          for (let i = 0; i < 10; i++) engine.avgPool(x, { kernel: 2 }, y);
        } finally {
          device.createBindGroup = create;
        }
        const v = await y.read();
        x.destroy();
        y.destroy();
        return { made, v: v[0] };
      }),
    );
    expect(result.made).toBe(0);
    expect(result.v).toBe(1);
  });
});

describe('inference without indices', () => {
  it('indices: false writes no index buffer, gives identical outputs, and the backward refuses null with NO_INDICES', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const data = Float32Array.from({ length: 2 * 8 * 20 * 20 }, (_, i) => Math.sin(i * 1.3));
        const rows: any[] = [];
        for (const layout of ['NCHW', 'NHWC']) {
          const shape = layout === 'NCHW' ? [2, 8, 20, 20] : [2, 20, 20, 8];
          const x = engine.tensor(data, shape, layout);
          const calls: [string, (o: any) => any][] = [
            ['maxPool', (o) => engine.maxPool(x, { kernel: 3, stride: 2, ...o })],
            ['maxPool tiled', (o) => engine.maxPool(x, { kernel: 2, ...o })],
            ['adaptiveMaxPool', (o) => engine.adaptiveMaxPool(x, { outputSize: [7, 6], ...o })],
            ['globalMaxPool', (o) => engine.globalMaxPool(x, o)],
            ['spatialPyramidPool', (o) => engine.spatialPyramidPool(x, { levels: [1, 3], ...o })],
          ];
          for (const [name, call] of calls) {
            const start = engine.stats().bytes;
            const full = call({});
            const withIndices = engine.stats().bytes - start;
            const mid = engine.stats().bytes;
            const lean = call({ indices: false });
            const without = engine.stats().bytes - mid;
            const same = JSON.stringify(Array.from(await full.output.read())) === JSON.stringify(Array.from(await lean.output.read()));
            let refused = '';
            try {
              const g = full.output;
              if (name === 'maxPool') engine.maxPoolBackward(g, x, lean.indices, { kernel: 3, stride: 2 });
              else if (name === 'globalMaxPool') engine.globalMaxPoolBackward(g, x, lean.indices);
              else if (name === 'adaptiveMaxPool') engine.adaptiveMaxPoolBackward(g, x, lean.indices, { outputSize: [7, 6] });
              else if (name === 'spatialPyramidPool') engine.spatialPyramidPoolBackward(g, x, lean.indices, { levels: [1, 3] });
              else engine.maxPoolBackward(g, x, lean.indices, { kernel: 2 });
            } catch (e) {
              refused = (e as any).code;
            }
            rows.push({ name: `${name} ${layout}`, withIndices, without, outBytes: full.output.byteLength, same, leanIndices: lean.indices, refused });
            for (const t of [full.output, full.indices, lean.output]) t.destroy();
          }
          x.destroy();
        }
        return rows;
      }),
    );
    expect(result).toHaveLength(10);
    for (const r of result) {
      expect(r.same, r.name).toBe(true);
      expect(r.leanIndices, r.name).toBeNull();
      // Only the output's buffer: no index bytes (buffers are whole vec4s).
      expect(r.without, r.name).toBe(Math.ceil(r.outBytes / 16) * 16);
      expect(r.withIndices, r.name).toBe(2 * r.without);
      expect(r.refused, r.name).toBe('NO_INDICES');
    }
  });
});

describe('prepare', () => {
  it('after prepare, the first calls create no pipeline and no shader module', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { pool } = (window as any).harness;
        // A fresh device: pipelines are cached per device.
        const adapter = await navigator.gpu.requestAdapter();
        const device = await adapter!.requestDevice();
        const engine = await pool.createPoolEngine({ device });
        const calls = [
          { op: 'maxPool', shape: [1, 16, 28, 28], layout: 'NCHW', options: { kernel: 2, indices: false } },
          { op: 'avgPoolBackward', shape: [2, 14, 14, 8], layout: 'NHWC', options: { kernel: 3, stride: 1, padding: 1 } },
          { op: 'globalAvgPool', shape: [1, 16, 28, 28], layout: 'NCHW' },
          { op: 'adaptiveMaxPoolBackward', shape: [1, 5, 13, 11], layout: 'NCHW', options: { outputSize: 4 } },
          { op: 'maxPool', shape: [1, 16, 28, 28], layout: 'NCHW', options: { kernel: 2 } },
          { op: 'maxUnpool', shape: [1, 16, 14, 14], layout: 'NCHW', options: { kernel: 2 } },
        ];
        const prepared = await engine.prepare(calls);
        const made: string[] = (window as any).harness.watchPipelineCreation(device);
        const data = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i));
        const a = engine.tensor(data(16 * 28 * 28), [1, 16, 28, 28]);
        const b = engine.tensor(data(2 * 14 * 14 * 8), [2, 14, 14, 8], 'NHWC');
        const c = engine.tensor(data(5 * 13 * 11), [1, 5, 13, 11]);
        const view = engine.wrap(a.buffer, [1, 16, 28, 28]);
        const m = engine.maxPool(view, { kernel: 2, indices: false });
        const g = engine.avgPoolBackward(engine.avgPool(b, { kernel: 3, stride: 1, padding: 1 }), b, { kernel: 3, stride: 1, padding: 1 });
        const ga = engine.globalAvgPool(a);
        const am = engine.adaptiveMaxPool(c, { outputSize: 4 });
        const ab = engine.adaptiveMaxPoolBackward(am.output, c, am.indices, { outputSize: 4 });
        const mi = engine.maxPool(a, { kernel: 2 });
        const u = engine.maxUnpool(mi.output, mi.indices, { kernel: 2 });
        await Promise.all([m.output, g, ga, ab, u].map((t: any) => t.read()));
        engine.destroy();
        device.destroy();
        return { prepared, made };
      }),
    );
    expect(result.prepared).toBeGreaterThanOrEqual(5);
    expect(result.made).toEqual([]);
  });

  it('refuses an unknown op and a bad shape with typed errors', async () => {
    const result = await evaluate(async () => {
      const { engine } = (window as any).harness;
      const codes: string[] = [];
      for (const calls of [
        [{ op: 'nope', shape: [1, 1, 4, 4] }],
        [{ op: 'maxPool', shape: [1, 1, 0, 4], options: { kernel: 2 } }],
        [{ op: 'maxPool', shape: [1, 1, 4, 4], options: { kernel: 9 } }],
      ]) {
        try {
          await engine.prepare(calls);
          codes.push('none');
        } catch (e) {
          codes.push(`${(e as any).code} ${(e as any).param}`);
        }
      }
      return codes;
    });
    expect(result).toEqual(['INVALID_OPTION calls[0].op', 'INVALID_SHAPE shape', 'EMPTY_OUTPUT kernel']);
  });
});

describe('wrap and out: typed errors before any GPU work', () => {
  it('refuses a buffer without STORAGE usage, too small for the view, at a misaligned offset, or not a buffer', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const device: GPUDevice = engine.device;
        const storage = device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE });
        const uniform = device.createBuffer({ size: 1024, usage: GPUBufferUsage.UNIFORM });
        const out: Record<string, string> = {};
        const cases: [string, () => unknown][] = [
          ['usage', () => engine.wrap(uniform, [1, 1, 4, 4])],
          ['small', () => engine.wrap(storage, [1, 1, 16, 17])],
          ['small at offset', () => engine.wrap(storage, [1, 1, 16, 16], { offset: 256 })],
          ['misaligned', () => engine.wrap(storage, [1, 1, 2, 2], { offset: 16 })],
          ['not a buffer', () => engine.wrap(new Float32Array(4), [1, 1, 2, 2])],
          ['bad dtype', () => engine.wrap(storage, [1, 1, 2, 2], { dtype: 'bfloat16' })],
          ['bad option', () => engine.wrap(storage, [1, 1, 2, 2], { stride: 2 })],
        ];
        for (const [name, run] of cases) {
          try {
            run();
            out[name] = 'none';
          } catch (e) {
            out[name] = `${(e as any).code}: ${(e as Error).message}`;
          }
        }
        storage.destroy();
        uniform.destroy();
        return out;
      }),
    );
    expect(result.usage).toMatch(/^INVALID_BUFFER: buffer.usage = \d+: lacks GPUBufferUsage.STORAGE/);
    expect(result.small).toMatch(/^INVALID_BUFFER: buffer.size = 1024: is too small for the view: offset 0 \+ 1088 bytes/);
    expect(result['small at offset']).toMatch(/^INVALID_BUFFER: buffer.size = 1024: is too small.*offset 256 \+ 1024 bytes/);
    expect(result.misaligned).toMatch(
      /^INVALID_BUFFER: offset = 16: must be a non-negative multiple of this device's minStorageBufferOffsetAlignment \(256 bytes\)/,
    );
    expect(result['not a buffer']).toMatch(/^INVALID_BUFFER: buffer = Float32Array\(4\): must be a GPUBuffer/);
    expect(result['bad dtype']).toMatch(/^INVALID_OPTION: dtype = "bfloat16": must be 'float32', 'float16' or 'int32'/);
    expect(result['bad option']).toMatch(/^INVALID_OPTION: stride = 2: is not an option of wrap/);
  });

  it('finds a buffer of another device and a destroyed buffer: verify rejects, and calls with it throw before any GPU work', async () => {
    const result = await evaluate(async () => {
      const { engine } = (window as any).harness;
      const adapter = await navigator.gpu.requestAdapter();
      const other = await adapter!.requestDevice();
      const foreign = other.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE });
      const gone = engine.device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE });
      gone.destroy();
      const out: string[] = [];
      // The engine's own checks keep the errors inside their scopes: the page's scope stays clean.
      await (window as any).harness.withErrorScope(async () => {
        for (const buffer of [foreign, gone]) {
          const t = engine.wrap(buffer, [1, 1, 4, 4]);
          try {
            await engine.verify(t);
            out.push('verified');
          } catch (e) {
            out.push(`${(e as any).code}`);
          }
          const before = engine.stats();
          try {
            engine.avgPool(t, { kernel: 2 });
            out.push('ran');
          } catch (e) {
            out.push(`${(e as any).code} ${(e as any).param}`);
          }
          out.push(JSON.stringify(engine.stats()) === JSON.stringify(before) ? 'nothing allocated' : 'allocated');
        }
      });
      other.destroy();
      return out;
    });
    expect(result).toEqual(['FOREIGN_BUFFER', 'FOREIGN_BUFFER input', 'nothing allocated', 'INVALID_BUFFER', 'INVALID_BUFFER input', 'nothing allocated']);
  });

  it("a wrapped tensor never destroys the caller's buffer; a good buffer verifies", async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const device: GPUDevice = engine.device;
        const buffer = device.createBuffer({ size: 512, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(
          buffer,
          256,
          Float32Array.from({ length: 16 }, (_, i) => i),
        );
        const t = engine.wrap(buffer, [1, 1, 4, 4], { offset: 256, label: 'activations' });
        await engine.verify(t);
        const before = engine.stats();
        t.destroy();
        // A buffer without COPY_SRC still reads back (through a kernel copy).
        const again = engine.wrap(buffer, [1, 1, 4, 4], { offset: 256 });
        const values = Array.from(await again.read());
        const pooled = Array.from(await engine.maxPool(again, { kernel: 2, indices: false }).output.read());
        return {
          values,
          pooled,
          wrapped: again.wrapped,
          stats: JSON.stringify(before) === JSON.stringify(engine.stats()) ? 'same' : 'changed',
          destroyedFlag: t.destroyed,
        };
      }),
    );
    expect(result.values).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(result.pooled).toEqual([5, 7, 13, 15]);
    expect(result.wrapped).toBe(true);
    expect(result.destroyedFlag).toBe(true);
  });

  it('refuses an out of the wrong shape, layout or dtype, a destroyed one, one that overlaps an input, and results the call does not make', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const device: GPUDevice = engine.device;
        const buffer = device.createBuffer({ size: 4096, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        const x = engine.wrap(buffer, [1, 2, 8, 8]);
        const good = engine.tensor(new Float32Array(32), [1, 2, 4, 4]);
        const dead = engine.tensor(new Float32Array(32), [1, 2, 4, 4]);
        dead.destroy();
        const out: Record<string, string> = {};
        const cases: [string, () => unknown][] = [
          ['shape', () => engine.avgPool(x, { kernel: 2 }, engine.tensor(new Float32Array(32), [1, 2, 2, 8]))],
          ['layout', () => engine.avgPool(x, { kernel: 2 }, engine.tensor(new Float32Array(32), [1, 2, 4, 4], 'NHWC'))],
          ['dtype', () => engine.maxPool(x, { kernel: 2 }, { indices: engine.tensor(new Float32Array(32), [1, 2, 4, 4]) })],
          ['destroyed', () => engine.avgPool(x, { kernel: 2 }, dead)],
          ['overlap', () => engine.avgPool(x, { kernel: 2 }, engine.wrap(buffer, [1, 2, 4, 4], { offset: 256 }))],
          [
            'results overlap',
            () =>
              engine.maxPool(
                x,
                { kernel: 2 },
                { output: engine.wrap(buffer, [1, 2, 4, 4], { offset: 512 }), indices: engine.wrap(buffer, [1, 2, 4, 4], { offset: 512, dtype: 'int32' }) },
              ),
          ],
          ['no indices', () => engine.maxPool(x, { kernel: 2, indices: false }, { indices: engine.tensor(new Int32Array(32), [1, 2, 4, 4]) })],
          ['unknown result', () => engine.maxPool(x, { kernel: 2 }, { values: good })],
          ['not a tensor', () => engine.avgPool(x, { kernel: 2 }, new Float32Array(32))],
        ];
        for (const [name, run] of cases) {
          try {
            run();
            out[name] = 'none';
          } catch (e) {
            out[name] = `${(e as any).code}: ${(e as Error).message}`;
          }
        }
        // A view after the input's bytes is fine, and is what the op returns.
        const after = engine.wrap(buffer, [1, 2, 4, 4], { offset: 768 });
        out.returned = engine.avgPool(x, { kernel: 2 }, after) === after ? 'same tensor' : 'other tensor';
        good.destroy();
        buffer.destroy();
        return out;
      }),
    );
    expect(result.shape).toMatch(/^SHAPE_MISMATCH: out.shape = \[1, 2, 2, 8\]: must be the result's shape \[1, 2, 4, 4\] in layout NCHW/);
    expect(result.layout).toMatch(/^SHAPE_MISMATCH: out.shape = \[1, 2, 4, 4\]: must be the result's shape \[1, 2, 4, 4\] in layout NCHW \(got layout NHWC\)/);
    expect(result.dtype).toMatch(/^INVALID_OPTION: out.indices = "float32": must be a tensor of dtype int32/);
    expect(result.destroyed).toMatch(/^DESTROYED_TENSOR: out = /);
    expect(result.overlap).toMatch(/^OVERLAP: out = .*: shares bytes with the input/);
    expect(result['results overlap']).toMatch(/^OVERLAP: out.indices = .*: shares bytes with another result/);
    expect(result['no indices']).toMatch(/^INVALID_OPTION: out.indices = .*: is a result this call does not make/);
    expect(result['unknown result']).toMatch(/^INVALID_OPTION: out.values = "values": is not a result of this call/);
    expect(result['not a tensor']).toMatch(/^INVALID_OPTION: out = Float32Array\(32\): must be a tensor made by this engine/);
    expect(result.returned).toBe('same tensor');
  });
});

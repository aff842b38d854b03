// float16 tensors through every op, forward and backward, both layouts: the GPU
// against the CPU reference's float16 semantics (reference.inFloat16), in an error
// scope. Picked results (max-style outputs, unpooling, indices) must be equal, the
// rest within one half ulp (float16-cases.ts). Then the storage itself: upload
// forms, raw bits, odd lengths and views that end mid-word, and mixed dtypes.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';
import type { Float16Case, Float16Report } from './float16-cases';

const harness = useHarnessPage();

const OPS: [string, Record<string, unknown> | undefined, string?][] = [
  ['maxPool', { kernel: 3, stride: 2, padding: 1 }],
  ['maxPool', { kernel: 2, stride: 2 }, 'special'],
  ['avgPool', { kernel: 3, stride: 1, padding: 1 }],
  ['avgPool', { kernel: 2, stride: 2, ceilMode: true }],
  ['lpPool', { p: 2, kernel: 2 }],
  ['softPool', { kernel: 2, stride: 2 }],
  ['mixedPool', { kernel: 3, stride: 2, lambda: 0.25 }],
  ['stochasticPoolEval', { kernel: 2, stride: 2 }],
  ['stochasticPool', { kernel: 2, stride: 2, seed: 7 }, 'positive'],
  ['fractionalMaxPool', { kernel: 2, outputSize: [3, 4], seed: 11 }],
  ['adaptiveAvgPool', { outputSize: [3, 2] }],
  ['adaptiveMaxPool', { outputSize: [2, 3] }, 'ties'],
  ['globalAvgPool', undefined],
  ['globalMaxPool', undefined, 'special'],
  ['spatialPyramidPool', { levels: [1, 2, 4], mode: 'max' }],
  ['spatialPyramidPool', { levels: [1, 2], mode: 'avg' }],
  ['stripPool', undefined],
  ['stripPoolExpand', undefined],
  ['gemPool', { p: 3 }, 'positive'],
  ['maxUnpool', { kernel: 2, stride: 2 }],
  ['roiAlign', { outputSize: 2, samplingRatio: 2, spatialScale: 1 }],
  ['roiPool', { outputSize: 2, spatialScale: 1 }],
  ['psRoiAlign', { outputSize: 2, samplingRatio: 2, spatialScale: 1 }],
  ['psRoiPool', { outputSize: 2, spatialScale: 1 }],
];
// Odd sizes, so results end mid-word; channels 4 for the position-sensitive ops (2×2 bins).
const SHAPES: [string, number[]][] = [
  ['NCHW', [2, 4, 9, 7]],
  ['NHWC', [2, 7, 9, 4]],
];

const CASES: Float16Case[] = [];
let seed = 1;
for (const [op, options, data] of OPS)
  for (const [layout, shape] of SHAPES)
    CASES.push({ name: `${op}${data ? ` (${data})` : ''} ${layout} [${shape.join(',')}]`, op, shape, layout, options, seed: seed++, data: data as never });
// Shapes whose rows (channels-first, W % 4 = 0) or channels (channels-last, C % 4 = 0) come in
// fours: the vec4 kernels, which read and write packed halves themselves (their Half variants).
const VEC4_OPS: [string, Record<string, unknown> | undefined][] = [
  ['maxPool', { kernel: 3, stride: 2, padding: 1 }],
  ['maxPool', { kernel: 3, stride: 1 }],
  ['maxPool', { kernel: 2, stride: 2 }],
  ['avgPool', { kernel: 3, stride: 1, padding: 1 }],
  ['avgPool', { kernel: 2, stride: 2 }],
  ['avgPool', { kernel: 5, stride: 2, padding: 2 }],
  ['globalAvgPool', undefined],
  ['globalMaxPool', undefined],
  ['stochasticPool', { kernel: 2, stride: 2, seed: 3 }],
];
for (const [op, options] of VEC4_OPS)
  for (const [layout, shape] of [
    ['NCHW', [2, 3, 12, 16]],
    ['NHWC', [2, 9, 7, 8]],
  ] as [string, number[]][])
    CASES.push({ name: `${op} ${JSON.stringify(options ?? {})} vec4 ${layout} [${shape.join(',')}]`, op, shape, layout, options, seed: seed++ });
// 1-D and 3-D windows.
CASES.push({ name: 'maxPool NCW [3,5,13]', op: 'maxPool', shape: [3, 5, 13], layout: 'NCW', options: { kernel: 3, stride: 2 }, seed: seed++ });
CASES.push({ name: 'avgPool NDHWC [1,5,4,7,3]', op: 'avgPool', shape: [1, 5, 4, 7, 3], layout: 'NDHWC', options: { kernel: 2, stride: 1 }, seed: seed++ });
CASES.push({
  name: 'maxPool NCDHW [1,3,5,4,7]',
  op: 'maxPool',
  shape: [1, 3, 5, 4, 7],
  layout: 'NCDHW',
  options: { kernel: 2, stride: 2, ceilMode: true },
  seed: seed++,
});

describe('float16: every op on the GPU against the reference in float16', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const report: Float16Report = await harness().page.evaluate((c: Float16Case) => (window as any).harness.runFloat16Case(c), c);
      expect(Object.keys(report.results).length).toBeGreaterThan(1);
      for (const d of report.dtypes) expect(d).toMatch(/:(float16|int32)$/);
      for (const [key, r] of Object.entries(report.results)) {
        expect(r.count, key).toBeGreaterThan(0);
        expect(r.first, `${key}: ${r.bad} of ${r.count} off`).toBeNull();
      }
    });
  }
});

describe('float16: the vec4 kernels read and write packed halves themselves', () => {
  it('runs their float16 variants for max, average and global pooling in both layouts, where only scalar kernels stage through float32', async () => {
    const made: string[] = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { pool, watchPipelineCreation } = (window as any).harness;
        const engine = await pool.createPoolEngine();
        const made = watchPipelineCreation(engine.device);
        for (const [layout, shape] of [
          ['NCHW', [1, 4, 8, 16]],
          ['NHWC', [1, 8, 16, 4]],
        ]) {
          const x = engine.tensor(
            new Float32Array(512).map((_, i) => (i * 7) % 13),
            shape,
            { layout, dtype: 'float16' },
          );
          const max = engine.maxPool(x, { kernel: 2, stride: 2 });
          engine.maxPoolBackward(max.output, x, max.indices, { kernel: 2, stride: 2 });
          const avg = engine.avgPool(x, { kernel: 3, stride: 1, padding: 1 });
          engine.avgPoolBackward(avg, x, { kernel: 3, stride: 1, padding: 1 });
          if (layout === 'NHWC') {
            engine.globalAvgPoolBackward(engine.globalAvgPool(x), x);
            const stem = { kernel: 3, stride: 2, padding: 1 };
            const m = engine.maxPool(x, stem);
            engine.maxPoolBackward(m.output, x, m.indices, stem);
          }
          await max.output.read();
        }
        engine.destroy();
        return made.filter((m: string) => m.startsWith('createShaderModule'));
      }),
    );
    const modules = made.map((m) => m.replace('createShaderModule pool.', ''));
    // Channels-first rows of 4 (W = 16) and channels-last groups of 4 (C = 4): every vec4 kernel these calls reach.
    for (const kernel of [
      'windowForwardRollingRowsHalf',
      'windowBackwardTiledRowsHalf',
      'windowForwardRollingVec4Half',
      'windowBackwardTiledVec4Half',
      'windowBackwardRollingVec4Half',
      'windowBackwardCoverVec4Half',
      'reduceRowsVec4Half',
      'reduceBackwardVec4Half',
    ])
      expect(modules).toContain(kernel);
    // The one scalar kernel here (channels-first 3×3 average backward) is staged through float32 words.
    expect(modules.filter((m) => !m.endsWith('Half')).sort()).toEqual(['halfConvert', 'windowBackwardRolling']);
  });
});

describe('float16: prepare', () => {
  it('compiles ahead every pipeline a float16 call uses (variants and staging alike): the calls then compile nothing', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { pool, watchPipelineCreation } = (window as any).harness;
        const engine = await pool.createPoolEngine();
        const calls = [
          { op: 'maxPoolBackward', shape: [1, 4, 8, 16], layout: 'NCHW', options: { kernel: 2, stride: 2 }, dtype: 'float16' },
          { op: 'avgPoolBackward', shape: [1, 4, 8, 16], layout: 'NCHW', options: { kernel: 3, stride: 1, padding: 1 }, dtype: 'float16' },
          { op: 'globalAvgPoolBackward', shape: [1, 4, 8, 16], layout: 'NCHW', dtype: 'float16' },
          { op: 'maxUnpool', shape: [1, 4, 4, 8], layout: 'NCHW', options: { kernel: 2, stride: 2 }, dtype: 'float16' },
        ];
        const prepared = await engine.prepare(calls);
        const made = watchPipelineCreation(engine.device);
        const x = engine.tensor(
          new Float32Array(512).map((_, i) => i % 5),
          [1, 4, 8, 16],
          { dtype: 'float16' },
        );
        const m = engine.maxPool(x, { kernel: 2, stride: 2 });
        engine.maxPoolBackward(m.output, x, m.indices, { kernel: 2, stride: 2 });
        engine.avgPoolBackward(engine.avgPool(x, { kernel: 3, stride: 1, padding: 1 }), x, { kernel: 3, stride: 1, padding: 1 });
        engine.globalAvgPoolBackward(engine.globalAvgPool(x), x);
        const unpooled = engine.maxUnpool(m.output, m.indices, { kernel: 2, stride: 2 });
        await unpooled.read();
        let refused = '';
        try {
          await engine.prepare([{ op: 'maxPool', shape: [1, 1, 4, 4], options: { kernel: 2 }, dtype: 'int32' }]);
        } catch (e: any) {
          refused = `${e.code}: ${e.message}`;
        }
        engine.destroy();
        return { prepared, made, refused };
      }),
    );
    expect(got.prepared).toBeGreaterThan(4);
    expect(got.made).toEqual([]);
    expect(got.refused).toMatch(/^INVALID_OPTION: calls\[0\]\.dtype = "int32": must be 'float32' or 'float16'/);
  });
});

describe('float16: staging when the buffer pool is full', () => {
  it("destroys a staged call's float32 scratch only after the submit that uses it, alone and in a batch", async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { pool } = (window as any).harness;
        const engine = await pool.createPoolEngine();
        // Fill the engine's pool of released buffers (256 MiB): what is released next is destroyed, not kept.
        const big = Array.from({ length: 5 }, () => engine.tensor(new Float32Array(1 << 24), [1, 1, 4096, 4096]));
        for (const t of big) t.destroy();
        const x = engine.tensor(
          Float32Array.from({ length: 4 * 9 * 7 }, (_, i) => (i % 11) - 5),
          [1, 4, 9, 7],
          { dtype: 'float16' },
        );
        // Lp pooling runs a float32 kernel: its float16 tensors are staged through scratch words.
        const alone = engine.lpPool(x, { p: 2, kernel: 2 });
        const batched = engine.batch(() => engine.lpPoolBackward(engine.lpPool(x, { p: 2, kernel: 2 }), x, { p: 2, kernel: 2 }));
        const result = { alone: Array.from(await alone.read()), grad: Array.from(await batched.read()) };
        engine.destroy();
        return result;
      }),
    );
    expect(got.alone.length).toBe(4 * 4 * 3);
    expect(got.alone.some((v: number) => v > 0)).toBe(true);
    expect(got.grad.length).toBe(4 * 9 * 7);
  });
});

describe('float16: rounding on the GPU, bit for bit', () => {
  it('passes every one of the 65536 halves through a 1×1 max pool unchanged (NaNs as the quiet NaN of their sign)', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
        const x = engine.tensor(bits, [1, 1, 256, 256], { dtype: 'float16' });
        const y = engine.maxPool(x, { kernel: 1, indices: false }).output;
        const out = Array.from(await y.readBits());
        x.destroy();
        y.destroy();
        return out;
      }),
    );
    const want = Array.from({ length: 65536 }, (_, h) => ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 ? (h & 0x8000) | 0x7e00 : h));
    const wrong = got.map((h: number, i: number) => (h === want[i] ? null : `${i.toString(16)} -> ${h.toString(16)}`)).filter(Boolean);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(got.length).toBe(65536);
  });

  it('rounds exact float32 sums and means to the nearest half, ties to even, overflow to ±inf', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        // Pairs (a, b) of halves whose sum and mean float32 holds exactly: the GPU's one
        // rounding must be halfBits' of it. (Made here: special values do not survive the trip as JSON.)
        const pairs: [number, number][] = [
          [1, 2 ** -11], // a tie: stays 1 (even)
          [1 + 2 ** -10, 2 ** -11], // a tie: rounds up to the even 1 + 2^-9
          [1, 2 ** -11 + 2 ** -20], // past the tie: up
          [65504, 8], // 65512: back to 65504
          [65504, 16], // 65520, a tie whose even neighbour is 2^16: +inf
          [-65504, -16], // -inf
          [2 ** -24, 0], // the mean 2^-25 ties to 0
          [3 * 2 ** -24, 0], // the mean 1.5 · 2^-24 ties to 2 · 2^-24
          [2 ** -14, -(2 ** -24)], // normal to subnormal
          [-0, -0],
          [Infinity, 1],
          [Infinity, -Infinity],
          [NaN, 1],
          [-NaN, -1],
        ];
        const flat = Float32Array.from(pairs.flat());
        // A NaN's sign is the device's choice (inf − inf): any NaN counts as 0x7e00.
        const nanless = (h: number) => ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 ? 0x7e00 : h);
        const x = engine.tensor(flat, [1, 1, 1, flat.length], { dtype: 'float16' });
        const sum = engine.avgPool(x, { kernel: [1, 2], divisorOverride: 1 });
        const mean = engine.avgPool(x, { kernel: [1, 2] });
        const result = {
          inputExact: Array.from(await x.read()).every((v, i) => Object.is(v, flat[i]) || (Number.isNaN(v) && Number.isNaN(flat[i]))),
          sum: Array.from((await sum.readBits()) as Uint16Array).map(nanless),
          mean: Array.from((await mean.readBits()) as Uint16Array).map(nanless),
          wantSum: pairs.map(([a, b]) => nanless(pool.halfBits(Math.fround(a + b)))),
          wantMean: pairs.map(([a, b]) => nanless(pool.halfBits(Math.fround(a + b) / 2))),
        };
        for (const t of [x, sum, mean]) t.destroy();
        return result;
      }),
    );
    expect(got.inputExact).toBe(true);
    expect(got.sum).toEqual(got.wantSum);
    expect(got.mean).toEqual(got.wantMean);
    // The rule itself, spelled out for a few: 1 + 2^-11 -> 1 (0x3c00); 65520 -> +inf (0x7c00); mean 2^-25 -> 0.
    expect(got.wantSum[0]).toBe(0x3c00);
    expect(got.wantSum[4]).toBe(0x7c00);
    expect(got.wantSum[5]).toBe(0xfc00);
    expect(got.wantMean[6]).toBe(0);
    expect(got.wantMean[7]).toBe(2);
    expect(got.wantSum[9]).toBe(0x8000);
    expect(got.wantSum.slice(10)).toEqual([0x7c00, 0x7e00, 0x7e00, 0x7e00]);
  });
});

describe('float16: storage', () => {
  it('uploads a Float32Array (rounded), half bits, and a Float16Array where the runtime has one; reads values or bits', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const a = engine.tensor(new Float32Array([1 / 3, 65519, 65520, -0, 1e-8, 3e-8]), [1, 1, 6], { dtype: 'float16' });
        const b = engine.tensor(new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001, 0x7bff]), [1, 1, 5], { layout: 'NCW', dtype: 'float16' });
        const F16 = (globalThis as any).Float16Array;
        const c = F16 ? engine.tensor(new F16([0.5, -2.25, 1000]), [1, 1, 3]) : null;
        const r = {
          dtypes: [a.dtype, b.dtype, c?.dtype ?? 'float16'],
          bytes: [a.byteLength, b.byteLength],
          aBits: Array.from(await a.readBits()),
          bValues: Array.from(await b.read()).map(String),
          cValues: c ? Array.from(await c.read()) : [0.5, -2.25, 1000],
        };
        for (const t of [a, b, c]) t?.destroy();
        return r;
      }),
    );
    expect(got.dtypes).toEqual(['float16', 'float16', 'float16']);
    expect(got.bytes).toEqual([12, 10]);
    // 1/3 -> 0x3555; 65519 -> 65504 (0x7bff); 65520 -> inf; -0; 1e-8 -> 0 (below half the smallest subnormal); 3e-8 -> 2^-24.
    expect(got.aBits).toEqual([0x3555, 0x7bff, 0x7c00, 0x8000, 0x0000, 0x0001]);
    expect(got.bValues).toEqual(['1', '-2', 'Infinity', String(2 ** -24), '65504']);
    expect(got.cValues).toEqual([0.5, -2.25, 1000]);
  });

  it('writes a wrapped view of odd length, and its out, without touching the half after it', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const device: GPUDevice = engine.device;
        const align = device.limits.minStorageBufferOffsetAlignment;
        // One buffer: x (1×1×3×5 = 15 halves) at 0, its 2×2 max pool's output (1×1×1×2... ) at `align`,
        // the backward's gradient (15 halves) at 2·align; every other half is a guard 0x7777.
        const size = 3 * align;
        const buffer = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
        const fill = new Uint16Array(size / 2).fill(0x7777);
        const xBits = pool.toHalfBits(Float32Array.from({ length: 15 }, (_, i) => (i * 7) % 11));
        fill.set(xBits, 0);
        device.queue.writeBuffer(buffer, 0, fill);
        const x = engine.wrap(buffer, [1, 1, 3, 5], { dtype: 'float16' });
        const out = engine.wrap(buffer, [1, 1, 1, 2], { dtype: 'float16', offset: align });
        const grad = engine.wrap(buffer, [1, 1, 3, 5], { dtype: 'float16', offset: 2 * align });
        const { indices } = engine.maxPool(x, { kernel: 2, stride: 2 }, { output: out });
        const g = engine.tensor(new Float32Array([1.5, -2]), [1, 1, 1, 2], { dtype: 'float16' });
        engine.maxPoolBackward(g, x, indices, { kernel: 2, stride: 2 }, grad);
        const read = device.createBuffer({ size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
        const enc = device.createCommandEncoder();
        enc.copyBufferToBuffer(buffer, 0, read, 0, size);
        device.queue.submit([enc.finish()]);
        await read.mapAsync(GPUMapMode.READ);
        const all = new Uint16Array(read.getMappedRange().slice(0));
        read.destroy();
        const r = {
          x: Array.from(all.subarray(0, 16)),
          xBits: Array.from(xBits),
          out: Array.from(await out.read()),
          outGuard: all[align / 2 + 2],
          grad: Array.from(await grad.read()),
          gradGuard: all[align + 15],
          guardsLeft: Array.from(all).filter((h) => h === 0x7777).length,
          halves: size / 2,
        };
        for (const t of [x, out, grad, g, indices]) t.destroy();
        buffer.destroy();
        return r;
      }),
    );
    expect(got.x.slice(0, 15)).toEqual(got.xBits);
    expect(got.x[15]).toBe(0x7777); // the half after x, in x's last word
    // x rows: [0,7,3,10,6], [2,9,5,1,8], [4,0,7,3,10]: windows of rows 0-1 give 9 (at 6) and 10 (at 3).
    expect(got.out).toEqual([9, 10]);
    expect(got.outGuard).toBe(0x7777);
    expect(got.grad).toEqual([0, 0, 0, -2, 0, 0, 1.5, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(got.gradGuard).toBe(0x7777); // the half after the gradient's 15, in its last word
    // Every half outside the three views is still a guard: all but the 15 + 2 + 15 written.
    expect(got.guardsLeft).toBe(got.halves - 32);
  });

  it('refuses a call that mixes float32 and float16, and a buffer too small for a view of whole words', async () => {
    const got = await harness().page.evaluate(() => {
      const { engine } = (window as any).harness;
      const x16 = engine.tensor(new Float32Array(16), [1, 1, 4, 4], { dtype: 'float16' });
      const x32 = engine.tensor(new Float32Array(16), [1, 1, 4, 4]);
      const g32 = engine.tensor(new Float32Array(4), [1, 1, 2, 2]);
      const out32 = engine.tensor(new Float32Array(4), [1, 1, 2, 2]);
      const messages: string[] = [];
      const small = engine.device.createBuffer({ size: 8, usage: GPUBufferUsage.STORAGE });
      for (const f of [
        () => engine.avgPoolBackward(g32, x16, { kernel: 2 }),
        () => engine.avgPool(x16, { kernel: 2 }, out32),
        () => engine.tensor(new Uint16Array(4), [1, 1, 4]),
        () => engine.wrap(small, [1, 1, 5], { dtype: 'float16' }),
      ]) {
        try {
          f();
          messages.push('ran');
        } catch (e: any) {
          messages.push(`${e.code}: ${e.message}`);
        }
      }
      const stats = engine.stats();
      for (const t of [x16, x32, g32, out32]) t.destroy();
      small.destroy();
      return { messages, buffers: stats.buffers };
    });
    expect(got.messages[0]).toMatch(
      /^INVALID_OPTION: gradOutput = "float32": must be float16, the dtype of the call's input: a call does not mix float32 and float16/,
    );
    expect(got.messages[1]).toMatch(/^INVALID_OPTION: out = "float32": must be float16/);
    expect(got.messages[2]).toMatch(/^INVALID_OPTION: dtype = undefined: must be 'float16' for a Uint16Array of half bits/);
    expect(got.messages[3]).toMatch(/^INVALID_BUFFER: buffer.size = 8: is too small for the view: .*12 bytes .*float16 views bind whole 4-byte words/);
  });
});

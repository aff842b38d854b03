// Tensors past one storage binding on a device with the default limits (128 MiB
// per binding, 256 MiB per buffer), as TF.js, ONNX Runtime Web or a page create
// it: every op family, forward and backward, both layouts, on 160 MiB inputs that
// the engine pools in chunks (src/chunked-call.ts), checked against the CPU
// reference on sampled blocks at the chunks' edges (test/browser/large-cases.ts).
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';
import type { LargeCase, LargeReport } from './large-cases';

const harness = useHarnessPage();
const run = (c: LargeCase): Promise<LargeReport> =>
  harness().page.evaluate((cs) => (window as any).harness.runLargeCase(cs), c as never) as Promise<LargeReport>;

type Block = [number, number, number, number];
// 2-D: 10 items of 64×256×256 (16 MiB each): chunks of 8 items, so blocks on both sides of item 8.
const PLANES_2D: Block[] = [
  [0, 1, 0, 1],
  [7, 8, 63, 64],
  [8, 9, 0, 1],
  [9, 10, 37, 38],
];
// 3-D: one item of 40 channels of 64×128×128 (4 MiB each): chunks of 32 channels.
const PLANES_3D: Block[] = [
  [0, 1, 0, 1],
  [0, 1, 31, 32],
  [0, 1, 32, 33],
  [0, 1, 39, 40],
];
// Region ops chunk channels of every item: 51 channels a chunk (16 output channels of 4 for ps ops: 12).
const CHANNELS: Block[] = [
  [0, 10, 0, 1],
  [0, 10, 50, 52],
];
const PS_CHANNELS: Block[] = [
  [0, 10, 0, 1],
  [0, 10, 11, 13],
  [0, 10, 15, 16],
];

const ops2d: [string, Record<string, unknown> | undefined, Block[]?][] = [
  ['maxPool', { kernel: 3, stride: 2, padding: 1 }],
  ['avgPool', { kernel: 3, stride: 1, padding: 1 }],
  ['lpPool', { p: 2, kernel: 2 }],
  ['softPool', { kernel: 2 }],
  ['mixedPool', { kernel: 2, lambda: 0.3 }],
  ['stochasticPool', { kernel: 2, seed: 1234 }],
  ['globalAvgPool', undefined],
  ['globalMaxPool', undefined],
  ['adaptiveAvgPool', { outputSize: 7 }],
  ['adaptiveMaxPool', { outputSize: 5 }],
  [
    'spatialPyramidPool',
    { levels: [1, 2, 4], mode: 'max' },
    [
      [0, 1, 0, 64],
      [8, 9, 0, 64],
    ],
  ],
  ['stripPool', undefined],
  ['stripPoolExpand', undefined],
  ['gemPool', { p: 3 }],
  ['maxUnpool', { kernel: 2 }],
  ['fractionalMaxPool', { kernel: 2, outputSize: 150 }],
  ['roiAlign', { outputSize: 7, spatialScale: 0.5, samplingRatio: 2 }, CHANNELS],
  ['roiPool', { outputSize: 7, spatialScale: 0.5 }, CHANNELS],
  ['psRoiAlign', { outputSize: 2, spatialScale: 0.5, samplingRatio: 2 }, PS_CHANNELS],
  ['psRoiPool', { outputSize: 2, spatialScale: 0.5 }, PS_CHANNELS],
];
const ops3d: [string, Record<string, unknown> | undefined][] = [
  ['maxPool', { kernel: 2 }],
  ['avgPool', { kernel: 3, stride: 2, padding: 1 }],
  ['lpPool', { p: 2, kernel: 2 }],
  ['globalAvgPool', undefined],
  ['globalMaxPool', undefined],
  ['adaptiveAvgPool', { outputSize: 5 }],
  ['adaptiveMaxPool', { outputSize: 3 }],
  ['maxUnpool', { kernel: 2 }],
  ['fractionalMaxPool', { kernel: 2, outputSize: 40 }],
];

// The window modes lp, soft and mixed chunk exactly as max and avg do (one window
// family, one path) and cost the most on a software adapter: channels-first only.
const FIRST_LAYOUT_ONLY = ['lpPool', 'softPool', 'mixedPool'];

const cases: LargeCase[] = [];
for (const layout of ['NCHW', 'NHWC'] as const) {
  for (const [op, options, blocks] of ops2d) {
    if (layout === 'NHWC' && FIRST_LAYOUT_ONLY.includes(op)) continue;
    cases.push({
      name: `${op} ${layout}`,
      op,
      shape: layout === 'NCHW' ? [10, 64, 256, 256] : [10, 256, 256, 64],
      layout,
      options,
      blocks: blocks ?? PLANES_2D,
    });
  }
}
for (const layout of ['NCDHW', 'NDHWC'] as const) {
  for (const [op, options] of ops3d) {
    if (layout === 'NDHWC' && FIRST_LAYOUT_ONLY.includes(op)) continue;
    cases.push({ name: `${op} ${layout}`, op, shape: layout === 'NCDHW' ? [1, 40, 64, 128, 128] : [1, 64, 128, 128, 40], layout, options, blocks: PLANES_3D });
  }
}

// Chunks that are not views: planes of 63·127·129 floats (4,128,516 bytes) start off the
// 256-byte binding alignment, so each chunk is copied; float16, whose float32 staging
// words pass one binding, with halves gathered by channels; a chunked call in a batch.
cases.push(
  {
    name: 'maxPool NCDHW, chunks off the alignment',
    op: 'maxPool',
    shape: [1, 40, 63, 127, 129],
    layout: 'NCDHW',
    options: { kernel: 3, stride: 2 },
    blocks: PLANES_3D,
  },
  { name: 'avgPool float16 NDHWC', op: 'avgPool', shape: [1, 64, 128, 128, 40], layout: 'NDHWC', options: { kernel: 2 }, blocks: PLANES_3D, dtype: 'float16' },
  {
    name: 'maxPool float16 NHWC, in a batch',
    op: 'maxPool',
    shape: [10, 256, 256, 64],
    layout: 'NHWC',
    options: { kernel: 3, stride: 2, padding: 1 },
    blocks: PLANES_2D,
    dtype: 'float16',
    inBatch: true,
  },
  {
    name: 'adaptiveAvgPool float16 NCHW',
    op: 'adaptiveAvgPool',
    shape: [10, 64, 256, 256],
    layout: 'NCHW',
    options: { outputSize: 7 },
    blocks: PLANES_2D,
    dtype: 'float16',
  },
);

describe('tensors past one storage binding, on a device with the default limits', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.shape.join('x')}, forward and backward, equal to the reference on blocks at the chunks' edges`, async () => {
      const got = await run(c);
      expect(got.limits).toEqual({ binding: 128 * 2 ** 20, buffer: 256 * 2 ** 20 });
      expect(got.bytes).toBeGreaterThan(128 * 2 ** 20);
      expect(got.dtypes).toContain(c.dtype ?? 'float32');
      expect(Object.keys(got.results).length).toBeGreaterThanOrEqual(2);
      for (const [key, r] of Object.entries(got.results)) {
        expect(r.count, key).toBeGreaterThan(0);
        expect(r.first, key).toBeNull();
      }
    }, 120_000);
  }
});

describe('a chunked call prepared ahead', () => {
  it('prepare compiles the chunks’ gathers and scatters: the call then creates no pipeline, in an error scope', async () => {
    const got = await harness().page.evaluate(async () => {
      const h = (window as any).harness;
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter!.requestDevice(); // default limits
      const e = await h.pool.createPoolEngine({ device });
      // Channels-last, one item: chunks of channels, gathered and scattered.
      const shape = [1, 64, 128, 128, 40];
      const options = { kernel: 2 };
      const compiled = await e.prepare([{ op: 'maxPoolBackward', shape, layout: 'NDHWC', options }]);
      const made: string[] = h.watchPipelineCreation(device);
      device.pushErrorScope('validation');
      const x = e.tensor(new Float32Array(shape.reduce((a: number, b: number) => a * b, 1)).fill(1), shape, 'NDHWC');
      const f = e.maxPool(x, options);
      const g = e.maxPoolBackward(f.output, x, f.indices, options);
      const tail = Array.from((await f.output.read()).slice(-2));
      await device.queue.onSubmittedWorkDone();
      const error = await device.popErrorScope();
      const gradShape = g.shape;
      e.destroy();
      device.destroy();
      return { compiled, made, error: error?.message ?? null, tail, gradShape };
    });
    expect(got.compiled).toBeGreaterThan(0);
    expect(got.error).toBeNull();
    expect(got.made).toEqual([]);
    expect(got.tail).toEqual([1, 1]);
    expect(got.gradShape).toEqual([1, 64, 128, 128, 40]);
  }, 120_000);
});

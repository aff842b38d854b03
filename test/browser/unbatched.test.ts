// Unbatched layouts ('CW', 'CHW', 'CDHW', 'WC', 'HWC', 'DHWC'): PyTorch pools an unbatched
// [C, H, W] image; here it takes its layout, pools exactly as batch 1, and gives results
// without the batch dimension (region pooling's, whose boxes are a batch, in the batched
// layout). Each op, forward and backward, on the GPU against the same op on the batched
// [1, …] tensor and against the CPU reference, in an error scope.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();

interface UnbatchedCase {
  name: string;
  /** Channels-first shape of the unbatched input, and its layout. */
  layout: string;
  batched: string;
  shape: number[];
  op: string;
  options?: Record<string, unknown>;
}

const CASES: UnbatchedCase[] = [];
const forms: [string, string, number[]][] = [
  ['CW', 'NCW', [3, 11]],
  ['WC', 'NWC', [11, 3]],
  ['CHW', 'NCHW', [3, 7, 6]],
  ['HWC', 'NHWC', [7, 6, 4]],
  ['CDHW', 'NCDHW', [2, 5, 4, 6]],
  ['DHWC', 'NDHWC', [5, 4, 6, 2]],
];
const OPS: [string, Record<string, unknown> | undefined][] = [
  ['maxPool', { kernel: 2, stride: 2 }],
  ['avgPool', { kernel: 3, stride: 1, padding: 1 }],
  ['lpPool', { p: 2, kernel: 2 }],
  ['adaptiveMaxPool', { outputSize: 2 }],
  ['adaptiveAvgPool', { outputSize: 3 }],
  ['globalAvgPool', undefined],
  ['globalMaxPool', undefined],
];
for (const [layout, batched, shape] of forms)
  for (const [op, options] of OPS) CASES.push({ name: `${op} ${layout} [${shape.join(',')}]`, layout, batched, shape, op, options });
// The ops of spatial rank 2 only.
for (const [layout, batched, shape] of forms.slice(2, 4)) {
  CASES.push({ name: `gemPool ${layout} [${shape.join(',')}]`, layout, batched, shape, op: 'gemPool', options: { p: 3 } });
  CASES.push({ name: `stripPool ${layout} [${shape.join(',')}]`, layout, batched, shape, op: 'stripPool' });
  CASES.push({
    name: `spatialPyramidPool ${layout} [${shape.join(',')}]`,
    layout,
    batched,
    shape,
    op: 'spatialPyramidPool',
    options: { levels: [1, 2], mode: 'max' },
  });
  CASES.push({
    name: `roiAlign ${layout} [${shape.join(',')}]`,
    layout,
    batched,
    shape,
    op: 'roiAlign',
    options: { outputSize: 2, samplingRatio: 2 },
  });
}

describe('unbatched layouts: each op as batch 1, results without the batch dimension', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const got = await harness().page.evaluate(
        (c: UnbatchedCase) =>
          (window as any).harness.withErrorScope(async () => {
            const { engine, pool } = (window as any).harness;
            const size = c.shape.reduce((a: number, b: number) => a * b, 1);
            const data = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.3) * 3 + (i % 5));
            const rois = { data: [0, 0.5, 0.5, 4.5, 3.5, 0, 1, 2, 5, 5], shape: [2, 5] };
            const batchedShape = [1, ...c.shape];
            const x = engine.tensor(data, c.shape, c.layout);
            const xb = engine.tensor(data, batchedShape, c.batched);
            const call = (e: any, t: any) => (c.op === 'roiAlign' ? e.roiAlign(t, rois, c.options) : c.options ? e[c.op](t, c.options) : e[c.op](t));
            const first = (r: any) => r.output ?? r.rows ?? r;
            const y = first(call(engine, x));
            const yb = first(call(engine, xb));
            // The backward of a ones gradient shaped like the result, on both.
            const ones = (t: any) => engine.tensor(new Float32Array(t.size).fill(1), t.shape, t.layout);
            const fwd = call(engine, x);
            const fwdb = call(engine, xb);
            const back = (e: any, r: any, t: any) => {
              const g = ones(first(r));
              if (c.op === 'roiAlign') return e.roiAlignBackward(g, t, rois, c.options);
              if (c.op === 'stripPool') return e.stripPoolBackward({ rows: g, cols: ones(r.cols) }, t);
              if (r.indices) return e[`${c.op}Backward`](g, t, r.indices, c.options);
              if (c.op === 'gemPool') return e.gemPoolBackward(g, t, c.options).gradInput;
              return c.options ? e[`${c.op}Backward`](g, t, c.options) : e[`${c.op}Backward`](g, t);
            };
            const gx = back(engine, fwd, x);
            const gxb = back(engine, fwdb, xb);
            const hx = pool.reference.hostTensor(data, c.shape, c.layout);
            const ref = first(
              c.op === 'roiAlign' ? pool.reference.roiAlign(hx, rois, c.options) : c.options ? pool.reference[c.op](hx, c.options) : pool.reference[c.op](hx),
            );
            return {
              shape: y.shape,
              layout: y.layout,
              batchedShape: yb.shape,
              same: Array.from(await y.read()).join() === Array.from(await yb.read()).join(),
              refShape: ref.shape,
              refLayout: ref.layout,
              worst: Math.max(0, ...Array.from((await y.read()) as Float32Array).map((v, i) => Math.abs(v - ref.data[i]))),
              gradShape: gx.shape,
              gradSame: Array.from(await gx.read()).join() === Array.from(await gxb.read()).join(),
              gradNonZero: Array.from((await gx.read()) as Float32Array).some((v) => v !== 0),
            };
          }),
        c,
      );
      const pyramid = c.op === 'spatialPyramidPool';
      const region = c.op === 'roiAlign';
      // Unbatched results drop the batch of 1; region pooling's boxes are a batch (K = 2), spatial pyramids are [N, F].
      if (pyramid || region) expect(got.shape).toEqual(got.batchedShape);
      else expect([1, ...got.shape]).toEqual(got.batchedShape);
      expect(got.layout).toBe(region ? c.batched : pyramid ? 'NC' : c.layout);
      expect(got.same).toBe(true);
      expect(got.refShape).toEqual(got.shape);
      expect(got.refLayout).toBe(got.layout);
      expect(got.worst).toBeLessThan(1e-4);
      expect(got.gradShape).toEqual(c.shape);
      expect(got.gradSame).toBe(true);
      expect(got.gradNonZero).toBe(true);
    });
  }
});

describe('unbatched layouts: an option with one entry more than the spatial dimensions', () => {
  it('says to give an unbatched image its layout', async () => {
    const messages = await harness().page.evaluate(() => {
      const { engine } = (window as any).harness;
      const x = engine.tensor(new Float32Array(3 * 8 * 8), [3, 8, 8]); // read as [N, C, W]
      const out: string[] = [];
      for (const f of [() => engine.maxPool(x, { kernel: [2, 2] }), () => engine.adaptiveAvgPool(x, { outputSize: [4, 4] })]) {
        try {
          f();
          out.push('ran');
        } catch (e: any) {
          out.push(`${e.code}: ${e.message}`);
        }
      }
      x.destroy();
      return out;
    });
    expect(messages[0]).toMatch(/^INVALID_OPTION: kernel = \[2, 2\]: .*give its layout, 'CHW' or 'HWC'/);
    expect(messages[1]).toMatch(/^INVALID_OUTPUT_SIZE: outputSize = \[4, 4\]: .*give its layout, 'CHW' or 'HWC'/);
  });
});

// Max unpooling on the GPU against the CPU reference: max pooling's values and
// indices back to a map (ranks 1–3, both layouts, default and explicit output
// sizes), its backward, and its typed errors.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();

interface UnpoolCase {
  name: string;
  shape: number[]; // channels-first
  channelsLast: boolean;
  options: { kernel: number[]; stride: number[]; padding: number[]; outputSize?: number[] };
}

function cases(): UnpoolCase[] {
  const out: UnpoolCase[] = [];
  const specs: [number[], number[], number[], number[]][] = [
    // spatial, kernel, stride, padding
    [[12], [2], [2], [0]],
    [[13], [3], [2], [1]],
    [
      [8, 8],
      [2, 2],
      [2, 2],
      [0, 0],
    ],
    [
      [9, 10],
      [3, 3],
      [2, 2],
      [1, 1],
    ],
    [
      [11, 7],
      [3, 2],
      [3, 2],
      [1, 0],
    ],
    [
      [4, 6, 5],
      [2, 2, 2],
      [2, 2, 2],
      [0, 0, 0],
    ],
    [
      [7, 5, 6],
      [3, 2, 3],
      [2, 1, 2],
      [1, 0, 1],
    ],
  ];
  for (const [spatial, kernel, stride, padding] of specs)
    for (const channelsLast of [false, true])
      for (const grow of [false, true]) {
        const pooled = spatial.map((n, i) => Math.floor((n + 2 * padding[i] - kernel[i]) / stride[i]) + 1);
        const base = pooled.map((n, i) => (n - 1) * stride[i] - 2 * padding[i] + kernel[i]);
        const outputSize = grow ? base.map((n, i) => n + stride[i] - 1) : undefined;
        const shape = [2, channelsLast ? 4 : 3, ...spatial];
        out.push({
          name: `unpool x=[${shape}] k=${kernel} s=${stride} p=${padding} out=${outputSize ?? 'default'} ${channelsLast ? 'channels-last' : 'channels-first'}`,
          shape,
          channelsLast,
          options: { kernel, stride, padding, outputSize },
        });
      }
  return out;
}

describe('max unpooling', () => {
  it('GPU matches the CPU reference, forward and backward, ranks 1–3, both layouts', async () => {
    const all = cases();
    const failures = await harness().page.evaluate(
      (cs) =>
        (window as any).harness.withErrorScope(async () => {
          const { engine, pool } = (window as any).harness;
          const problems: string[] = [];
          for (const c of cs as UnpoolCase[]) {
            const rank = c.shape.length - 2;
            const layout = pool.layoutFor(rank, c.channelsLast);
            const shape = c.channelsLast ? [c.shape[0], ...c.shape.slice(2), c.shape[1]] : c.shape;
            const n = shape.reduce((a: number, b: number) => a * b, 1);
            const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.37) * 3);
            const pooling = { kernel: c.options.kernel, stride: c.options.stride, padding: c.options.padding };
            const x = engine.tensor(data, shape, layout);
            const m = engine.maxPool(x, pooling);
            const y = engine.maxUnpool(m.output, m.indices, c.options);
            const hm = pool.reference.maxPool(pool.reference.hostTensor(data, shape, layout), pooling);
            const hy = pool.reference.maxUnpool(hm.output, hm.indices, c.options);
            const got = await y.read();
            if (y.shape.join() !== hy.shape.join()) problems.push(`${c.name}: shape ${y.shape} want ${hy.shape}`);
            got.forEach((v: number, i: number) => {
              if (v !== hy.data[i]) problems.push(`${c.name}: output[${i}] got ${v} want ${hy.data[i]}`);
            });
            const gdata = Float32Array.from({ length: hy.data.length }, (_, i) => Math.cos(i));
            const g = engine.tensor(gdata, hy.shape, layout);
            const gi = engine.maxUnpoolBackward(g, m.output, m.indices, c.options);
            const hgi = pool.reference.maxUnpoolBackward(pool.reference.hostTensor(gdata, hy.shape, layout), hm.output, hm.indices, c.options);
            const ggot = await gi.read();
            ggot.forEach((v: number, i: number) => {
              if (v !== hgi.data[i]) problems.push(`${c.name}: gradInput[${i}] got ${v} want ${hgi.data[i]}`);
            });
            [x, m.output, m.indices, y, g, gi].forEach((t: any) => t.destroy());
          }
          return problems.slice(0, 20);
        }),
      all,
    );
    expect(all.length).toBe(28);
    expect(failures).toEqual([]);
  });

  it("ONNX's flat indices (indexConvention 'flat', both ends) and any output size (checkOutputSize: false) match the CPU reference", async () => {
    const all = cases();
    const failures = await harness().page.evaluate(
      (cs) =>
        (window as any).harness.withErrorScope(async () => {
          const { engine, pool } = (window as any).harness;
          const problems: string[] = [];
          let compared = 0;
          for (const c of cs as UnpoolCase[]) {
            const rank = c.shape.length - 2;
            const layout = pool.layoutFor(rank, c.channelsLast);
            const shape = c.channelsLast ? [c.shape[0], ...c.shape.slice(2), c.shape[1]] : c.shape;
            const n = shape.reduce((a: number, b: number) => a * b, 1);
            const data = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.71) * 2);
            const pooling = { kernel: c.options.kernel, stride: c.options.stride, padding: c.options.padding, indexConvention: 'flat' };
            // ONNX's output_shape: the pooled input's own size (where flat indices name the same
            // spots as plane ones), or one less in the first dimension, outside PyTorch's range.
            const same = !c.options.outputSize;
            const outputSize = c.shape.slice(2).map((s: number, i: number) => (i === 0 && !same ? s - 1 : s));
            const unpooling = { ...c.options, outputSize, checkOutputSize: false, indexConvention: 'flat' };
            const x = engine.tensor(data, shape, layout);
            const m = engine.maxPool(x, pooling);
            const y = engine.maxUnpool(m.output, m.indices, unpooling);
            const hx = pool.reference.hostTensor(data, shape, layout);
            const hm = pool.reference.maxPool(hx, pooling);
            const gotIndices = await m.indices.read();
            gotIndices.forEach((v: number, i: number) => {
              if (v !== hm.indices.data[i]) problems.push(`${c.name}: flat index[${i}] got ${v} want ${hm.indices.data[i]}`);
            });
            const hy = pool.reference.maxUnpool(hm.output, hm.indices, unpooling);
            const got = await y.read();
            if (y.shape.join() !== hy.shape.join()) problems.push(`${c.name}: shape ${y.shape} want ${hy.shape}`);
            got.forEach((v: number, i: number) => {
              if (v !== hy.data[i]) problems.push(`${c.name}: output[${i}] got ${v} want ${hy.data[i]}`);
            });
            const gdata = Float32Array.from({ length: hy.data.length }, (_, i) => Math.sin(i));
            const g = engine.tensor(gdata, hy.shape, layout);
            const gi = engine.maxUnpoolBackward(g, m.output, m.indices, unpooling);
            const hgi = pool.reference.maxUnpoolBackward(pool.reference.hostTensor(gdata, hy.shape, layout), hm.output, hm.indices, unpooling);
            const ggot = await gi.read();
            ggot.forEach((v: number, i: number) => {
              if (v !== hgi.data[i]) problems.push(`${c.name}: gradInput[${i}] got ${v} want ${hgi.data[i]}`);
            });
            // The reference itself: flat indices name the same spots as plane ones.
            const hPlane = pool.reference.maxPool(hx, { ...pooling, indexConvention: 'plane' });
            const hyPlane = pool.reference.maxUnpool(hPlane.output, hPlane.indices, { ...unpooling, indexConvention: 'plane' });
            if (same && hyPlane.data.some((v: number, i: number) => v !== hy.data[i])) problems.push(`${c.name}: reference flat and plane unpooling differ`);
            compared += got.length + ggot.length;
            [x, m.output, m.indices, y, g, gi].forEach((t: any) => t.destroy());
          }
          return { problems: problems.slice(0, 20), compared };
        }),
      all,
    );
    expect(failures.compared).toBeGreaterThan(1000);
    expect(failures.problems).toEqual([]);
  });

  it('bad calls raise the typed error before any GPU work', async () => {
    const got = await harness().page.evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const v = engine.tensor(new Float32Array(16), [1, 1, 4, 4]);
        const idx = engine.tensor(new Int32Array(16), [1, 1, 4, 4]);
        const wrongIdx = engine.tensor(new Int32Array(8), [1, 1, 2, 4]);
        const before = engine.stats();
        const out: Record<string, string> = {};
        const calls: [string, () => unknown][] = [
          ['outputSize', () => engine.maxUnpool(v, idx, { kernel: 2, outputSize: [5, 12] })],
          ['indices shape', () => engine.maxUnpool(v, wrongIdx, { kernel: 2 })],
          ['indices dtype', () => engine.maxUnpool(v, v, { kernel: 2 })],
          ['kernel', () => engine.maxUnpool(v, idx, { kernel: 0 })],
          ['option', () => engine.maxUnpool(v, idx, { kernel: 2, dilation: 2 })],
        ];
        for (const [name, call] of calls) {
          try {
            call();
            out[name] = 'no error';
          } catch (e: any) {
            out[name] = e instanceof pool.PoolError ? `${e.code}: ${e.message}` : `untyped ${e}`;
          }
        }
        const after = engine.stats();
        [v, idx, wrongIdx].forEach((t: any) => t.destroy());
        return { out, same: JSON.stringify(before) === JSON.stringify(after) };
      }),
    );
    expect(got.same).toBe(true);
    expect(got.out.outputSize).toMatch(/^INVALID_OUTPUT_SIZE: outputSize = \[5, 12\]: must be between 8 and 9 in dimension 0/);
    expect(got.out['indices shape']).toMatch(/^SHAPE_MISMATCH: indices.shape = \[1, 1, 2, 4\]/);
    expect(got.out['indices dtype']).toMatch(/^INVALID_OPTION: indices = "float32"/);
    expect(got.out.kernel).toMatch(/^INVALID_KERNEL: kernel = 0/);
    expect(got.out.option).toMatch(/^INVALID_OPTION: dilation = 2: is not an option of max unpooling/);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

// webgpu-pool/onnx's gradients on the GPU against the CPU reference's backward of
// the same options (the forward operators are judged by ONNX's own test data,
// npm run test:onnx), in both layouts.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();

describe('webgpu-pool/onnx gradients', () => {
  for (const channelsLast of [false, true]) {
    it(`match the reference's backward, ${channelsLast ? 'NHWC' : 'NCHW'}`, async () => {
      const got = await harness().page.evaluate(
        (last) =>
          (window as any).harness.withErrorScope(async () => {
            const { engine, pool, onnx } = (window as any).harness;
            const cf = [2, 3, 7, 6];
            const layout = last ? 'NHWC' : 'NCHW';
            const shape = last ? [2, 7, 6, 3] : cf;
            const size = cf.reduce((a: number, b: number) => a * b, 1);
            const data = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.3) * 2);
            const x = engine.tensor(data, shape, layout);
            const hx = pool.reference.hostTensor(data, shape, layout);
            const attrs = { kernel_shape: [3, 2], strides: [2, 1], pads: [2, 1, 1, 0], count_include_pad: 1 };
            const maxAttrs = { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 1, 1, 0] };
            const problems: string[] = [];
            let compared = 0;
            const check = async (name: string, gpu: any, cpu: any) => {
              const g = await gpu.read();
              if (g.length !== cpu.data.length) problems.push(`${name}: length ${g.length}, want ${cpu.data.length}`);
              g.forEach((v: number, i: number) => {
                if (Math.abs(v - cpu.data[i]) > 1e-6 + 1e-5 * Math.abs(cpu.data[i])) problems.push(`${name}[${i}]: ${v}, want ${cpu.data[i]}`);
              });
              compared += g.length;
              gpu.destroy();
            };
            const upstream = (t: any) => {
              const n = t.data.length;
              const d = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
              return { gpu: engine.tensor(d, t.shape, layout), cpu: pool.reference.hostTensor(d, t.shape, layout) };
            };
            // AveragePool
            const avgOptions = onnx.onnxAveragePoolOptions(attrs, 2);
            const ya = pool.reference.avgPool(hx, avgOptions);
            const ga = upstream(ya);
            await check('AveragePoolGrad', onnx.AveragePoolGrad(engine, ga.gpu, x, attrs), pool.reference.avgPoolBackward(ga.cpu, hx, avgOptions));
            // MaxPool (winners found again from X)
            const maxOptions = onnx.onnxMaxPoolGradOptions(maxAttrs, 2);
            const ym = pool.reference.maxPool(hx, maxOptions);
            const gm = upstream(ym.output);
            await check('MaxPoolGrad', onnx.MaxPoolGrad(engine, gm.gpu, x, maxAttrs), pool.reference.maxPoolBackward(gm.cpu, hx, ym.indices, maxOptions));
            // LpPool (ONNX's norm)
            const lpAttrs = { kernel_shape: [2, 2], pads: [1, 1, 1, 1], p: 3 };
            const lpOptions = onnx.onnxLpPoolOptions(lpAttrs, 2);
            const yl = pool.reference.lpPool(hx, lpOptions);
            const gl = upstream(yl);
            await check('LpPoolGrad', onnx.LpPoolGrad(engine, gl.gpu, x, lpAttrs), pool.reference.lpPoolBackward(gl.cpu, hx, lpOptions));
            // Global ops
            const yg = pool.reference.globalAvgPool(hx);
            const gg = upstream(yg);
            await check('GlobalAveragePoolGrad', onnx.GlobalAveragePoolGrad(engine, gg.gpu, x), pool.reference.globalAvgPoolBackward(gg.cpu, hx));
            const yx = pool.reference.globalMaxPool(hx);
            const gx = upstream(yx.output);
            await check('GlobalMaxPoolGrad', onnx.GlobalMaxPoolGrad(engine, gx.gpu, x), pool.reference.globalMaxPoolBackward(gx.cpu, hx, yx.indices));
            const glp = pool.reference.lpPool(hx, onnx.onnxGlobalLpPoolOptions({ p: 2 }, [7, 6]));
            const gglp = upstream(glp);
            await check(
              'GlobalLpPoolGrad',
              onnx.GlobalLpPoolGrad(engine, gglp.gpu, x, { p: 2 }),
              pool.reference.lpPoolBackward(gglp.cpu, hx, onnx.onnxGlobalLpPoolOptions({ p: 2 }, [7, 6])),
            );
            // MaxUnpool, its flat indices from MaxPool
            const { Y, Indices } = onnx.MaxPool(engine, x, { kernel_shape: [2, 2], strides: [2, 2] }, { indices: true });
            const unAttrs = { kernel_shape: [2, 2], strides: [2, 2] };
            const hm = pool.reference.maxPool(hx, onnx.onnxMaxPoolOptions(unAttrs, 2, true));
            const unOptions = onnx.onnxMaxUnpoolOptions(unAttrs, [3, 3], [2, 3, 7, 6]);
            const yu = pool.reference.maxUnpool(hm.output, hm.indices, unOptions);
            const gu = upstream(yu);
            await check('MaxUnpool', onnx.MaxUnpool(engine, Y, Indices, unAttrs, [2, 3, 7, 6]), yu);
            await check(
              'MaxUnpoolGrad',
              onnx.MaxUnpoolGrad(engine, gu.gpu, Y, Indices, unAttrs, [2, 3, 7, 6]),
              pool.reference.maxUnpoolBackward(gu.cpu, hm.output, hm.indices, unOptions),
            );
            // RoiAlign ([K, 4] + batch indices) and MaxRoiPool ([K, 5]), forward and gradient.
            const rois4 = [0.5, 0.5, 5.5, 4.5, 1, 0, 6, 7, -1, 2, 3, 8];
            const batches = [0n, 1n, 1n];
            const roiAttrs = { output_height: 2, output_width: 3, sampling_ratio: 2 };
            const boxes4 = { data: rois4, shape: [3, 4], batchIndices: [0, 1, 1] };
            const yr = pool.reference.roiAlign(hx, boxes4, onnx.onnxRoiAlignOptions(roiAttrs));
            await check('RoiAlign', onnx.RoiAlign(engine, x, rois4, batches, roiAttrs), yr);
            const gr = upstream(yr);
            await check(
              'RoiAlignGrad',
              onnx.RoiAlignGrad(engine, gr.gpu, x, rois4, batches, roiAttrs),
              pool.reference.roiAlignBackward(gr.cpu, hx, boxes4, onnx.onnxRoiAlignOptions(roiAttrs)),
            );
            const rois5 = [0, 0, 0, 4, 5, 1, 1, 2, 5, 6];
            const poolAttrs = { pooled_shape: [2, 2], spatial_scale: 1 };
            const boxes5 = { data: rois5, shape: [2, 5] };
            const yp = pool.reference.roiPool(hx, boxes5, onnx.onnxMaxRoiPoolOptions(poolAttrs));
            await check('MaxRoiPool', onnx.MaxRoiPool(engine, x, rois5, poolAttrs), yp.output);
            const gp = upstream(yp.output);
            await check(
              'MaxRoiPoolGrad',
              onnx.MaxRoiPoolGrad(engine, gp.gpu, x, rois5, poolAttrs),
              pool.reference.roiPoolBackward(gp.cpu, hx, boxes5, yp.indices, onnx.onnxMaxRoiPoolOptions(poolAttrs)),
            );
            const int64 = await onnx.readInt64(Indices);
            const sameIndices = Array.from(int64).every((v, i) => Number(v) === hm.indices.data[i]);
            return { problems: problems.slice(0, 10), compared, sameIndices };
          }),
        channelsLast,
      );
      expect(got.compared).toBeGreaterThan(1500);
      expect(got.sameIndices).toBe(true);
      expect(got.problems).toEqual([]);
    });
  }
});

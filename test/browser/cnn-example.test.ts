// The CNN example (examples/cnn/) in headless Chromium: its page classifies and
// times every layer, and the committed weights classify a held-out generated set
// on the GPU (pooling on the engine) as well as required, matching the CPU
// forward pass (CPU reference pooling), with no GPU error.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage('/examples/cnn/');

// 2100 images: conv1's 2100·8·16·16 threads need more than 65535 workgroups of 64, so its dispatch folds into 2-D.
const HELD_OUT = { count: 2100, seed: 3003 };
const weightsFile = JSON.parse(readFileSync(new URL('../../examples/cnn/weights.json', import.meta.url), 'utf8'));

describe('CNN example', () => {
  it('the page classifies a generated shape and times each of the 6 layers', async () => {
    const { page, errors } = harness();
    expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/^Running on WebGPU/);
    const probabilities = await page.$$eval('#probabilities tr[data-probability]', (rows) =>
      rows.map((r) => Number((r as HTMLElement).dataset.probability)),
    );
    expect(probabilities.length).toBe(5);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const times = await page.$$eval('#timings tr[data-ms]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.ms)));
    expect(times.length).toBe(6);
    for (const t of times) expect(Number.isFinite(t) && t >= 0).toBe(true);
    expect(errors).toEqual([]);
  });

  it(`classifies ${HELD_OUT.count} held-out images (seed ${HELD_OUT.seed}) with accuracy ≥ 90%, GPU matching CPU`, async () => {
    const training = weightsFile.training;
    expect([training.dataSeed, training.heldOutSeed]).not.toContain(HELD_OUT.seed);
    const { page, errors } = harness();
    const result = await page.evaluate(async ({ count, seed }) => {
      // The page's Vite server serves the TypeScript modules. (An `import()` written here
      // would be rewritten by vitest for Node; the browser's own one is needed.)
      const load = new Function('path', 'return import(path)') as (path: string) => Promise<any>;
      const { createPoolEngine } = await load('/src/index.ts');
      const { CnnGpu } = await load('/examples/cnn/gpu.ts');
      const { loadWeights } = await load('/examples/cnn/weights.ts');
      const { heldOutCheck } = await load('/examples/cnn/evaluate.ts');
      const engine = await createPoolEngine();
      const device: GPUDevice = engine.device;
      const scopes: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];
      for (const s of scopes) device.pushErrorScope(s);
      let report = null;
      let timing = null;
      let thrown = null;
      try {
        const { weights } = await loadWeights('/examples/cnn/weights.json');
        const model = CnnGpu.create(engine, weights);
        report = await heldOutCheck(model, weights, count, seed);
        // This engine's device has no timestamp-query feature: layers are timed on the page clock.
        const { generate } = await load('/examples/cnn/data.ts');
        const few = generate(4, seed);
        const timed = await model.classify(few.images, 4, { timing: true });
        timing = { method: model.timingMethod, layers: timed.timings.length, probabilities: Array.from(timed.probabilities as Float32Array) };
        model.destroy();
      } catch (e) {
        thrown = String((e as Error).stack ?? e);
      }
      const gpuErrors: string[] = [];
      for (const s of [...scopes].reverse()) {
        const e = await device.popErrorScope();
        if (e) gpuErrors.push(`${s}: ${e.message}`);
      }
      const leftover = engine.stats();
      engine.destroy();
      return { report, timing, thrown, gpuErrors, leftover };
    }, HELD_OUT);
    expect(result.thrown).toBeNull();
    expect(result.gpuErrors).toEqual([]);
    const r = result.report!;
    expect(r.count).toBe(HELD_OUT.count);
    expect(r.gpuAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.maxDifference).toBeLessThan(1e-4);
    expect(r.agreement).toBe(1);
    expect(r.cpuAccuracy).toBe(r.gpuAccuracy);
    expect(result.timing).toMatchObject({ method: 'wall-clock', layers: 6 });
    expect(result.timing!.probabilities.length).toBe(4 * 5);
    // Every tensor of the batches was freed: the engine keeps only its small placeholder buffers (16 bytes each).
    expect(result.leftover.buffers).toBeLessThanOrEqual(2);
    expect(result.leftover.bytes).toBeLessThanOrEqual(32);
    expect(errors).toEqual([]);
    console.log(`cnn example: GPU accuracy ${(100 * r.gpuAccuracy).toFixed(1)}% on ${r.count} held-out images, max |GPU − CPU| ${r.maxDifference.toExponential(2)}, GPU batch ${r.gpuMs.toFixed(1)} ms`);
  });
});

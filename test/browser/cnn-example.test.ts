// The CNN example (examples/cnn/) in headless Chromium: its page prepares every
// pipeline at load, classifies in one queue.submit per inference and times every
// layer, and the committed weights classify a held-out generated set on the GPU
// (pooling on the engine, on views of the example's buffers) as well as required,
// matching the CPU forward pass (CPU reference pooling), with no GPU error. In
// float16 (activations as packed halves, the engine pooling float16 views) the
// same set classifies within a percentage point of float32, its probabilities
// close to float32's and matching a CPU emulation of the float16 network, and the
// page's precision toggle and its side-by-side accuracies work.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { useHarnessPage } from '../support/page';

interface GpuCalls {
  submits: number;
  pipelines: number;
  modules: number;
}

/**
 * From now on in the page, counts queue submits, compute pipelines created (either
 * way) and shader modules, in window.cnnCounts (reset by each call; the device's
 * prototypes are patched once per page).
 */
async function countGpuCalls(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { cnnCounts: GpuCalls; cnnCounting?: boolean };
    w.cnnCounts = { submits: 0, pipelines: 0, modules: 0 };
    if (w.cnnCounting) return;
    w.cnnCounting = true;
    const submit = GPUQueue.prototype.submit;
    GPUQueue.prototype.submit = function (this: GPUQueue, buffers: Iterable<GPUCommandBuffer>) {
      w.cnnCounts.submits++;
      return submit.call(this, buffers);
    };
    for (const name of ['createComputePipeline', 'createComputePipelineAsync'] as const) {
      const create = GPUDevice.prototype[name] as (this: GPUDevice, d: GPUComputePipelineDescriptor) => unknown;
      (GPUDevice.prototype as unknown as Record<string, unknown>)[name] = function (this: GPUDevice, d: GPUComputePipelineDescriptor) {
        w.cnnCounts.pipelines++;
        return create.call(this, d);
      };
    }
    const module = GPUDevice.prototype.createShaderModule;
    GPUDevice.prototype.createShaderModule = function (this: GPUDevice, d: GPUShaderModuleDescriptor) {
      w.cnnCounts.modules++;
      return module.call(this, d);
    };
  });
}

const gpuCalls = (page: Page): Promise<GpuCalls> => page.evaluate(() => (window as unknown as { cnnCounts: GpuCalls }).cnnCounts);

const harness = useHarnessPage('/examples/cnn/');

// 2100 images: conv1's 2100·8·16·16 threads need more than 65535 workgroups of 64, so its dispatch folds into 2-D
// (in float32; float16's conv1 runs one thread per pair of outputs, 33600 workgroups, so it stays 1-D).
const HELD_OUT = { count: 2100, seed: 3003 };
const weightsFile = JSON.parse(readFileSync(new URL('../../examples/cnn/weights.json', import.meta.url), 'utf8'));

describe('CNN example', () => {
  it('the page classifies a generated shape and times each of the 6 layers', async () => {
    const { page, errors } = harness();
    expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/^Running on WebGPU/);
    const probabilities = await page.$$eval('#probabilities tr[data-probability]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.probability)));
    expect(probabilities.length).toBe(5);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const times = await page.$$eval('#timings tr[data-ms]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.ms)));
    expect(times.length).toBe(6);
    for (const t of times) expect(Number.isFinite(t) && t >= 0).toBe(true);
    expect(errors).toEqual([]);
  });

  it('the page reports its pipelines prepared at load', async () => {
    const { page } = harness();
    const prepared = await page.$eval('#prepared', (e) => ({
      text: e.textContent ?? '',
      pipelines: Number((e as HTMLElement).dataset.pipelines),
      ms: Number((e as HTMLElement).dataset.ms),
    }));
    expect(prepared.text).toMatch(/^Pipelines prepared in \d+(\.\d+)? ms/);
    // The example's 3 kernels, and at least one engine pipeline for each of the 2 pooling calls.
    expect(prepared.pipelines).toBeGreaterThanOrEqual(5);
    expect(Number.isFinite(prepared.ms) && prepared.ms >= 0).toBe(true);
  });

  it('one inference of the page is exactly one queue.submit, and compiles no pipeline', async () => {
    const { page, errors } = harness();
    const runs = () => page.$eval('#inference', (e) => Number((e as HTMLElement).dataset.runs ?? 0));
    const waitForRun = async (after: number) =>
      page.waitForFunction((n) => Number(document.getElementById('inference')!.dataset.runs ?? 0) > n, { timeout: 30_000 }, after);
    // Turn the separate per-layer timing run off (that re-classifies once), so only the inference runs.
    let before = await runs();
    await page.click('#per-layer');
    await waitForRun(before);
    await countGpuCalls(page);
    before = await runs();
    await page.click('#random');
    await waitForRun(before);
    expect(await gpuCalls(page)).toEqual({ submits: 1, pipelines: 0, modules: 0 });
    const probabilities = await page.$$eval('#probabilities tr[data-probability]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.probability)));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(await page.$eval('#inference', (e) => e.textContent)).toMatch(/one queue\.submit/);
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
      let single = null;
      let thrown = null;
      try {
        const { weights } = await loadWeights('/examples/cnn/weights.json');
        // Prepares batch size 1 (pipelines, buffers, views); other sizes are made on their first run.
        const model = await CnnGpu.create(engine, weights);
        const { generate } = await load('/examples/cnn/data.ts');
        const { forwardCpu } = await load('/examples/cnn/network.ts');
        // One image, twice: each run is one submission, compiles no pipeline, and the second makes none of the example's buffers.
        const one = generate(1, seed + 1);
        const counts = { submits: 0, pipelines: 0, cnnBuffers: 0 };
        const queue = device.queue;
        const submit = queue.submit.bind(queue);
        queue.submit = (buffers: Iterable<GPUCommandBuffer>) => {
          counts.submits++;
          return submit(buffers);
        };
        const createPipeline = device.createComputePipeline.bind(device);
        device.createComputePipeline = (d: GPUComputePipelineDescriptor) => {
          counts.pipelines++;
          return createPipeline(d);
        };
        const createBuffer = device.createBuffer.bind(device);
        device.createBuffer = (d: GPUBufferDescriptor) => {
          if (d.label?.startsWith('cnn.')) counts.cnnBuffers++;
          return createBuffer(d);
        };
        const first = await model.classify(one.images, 1);
        const afterFirst = { ...counts };
        const second = await model.classify(one.images, 1);
        const afterSecond = { ...counts };
        queue.submit = submit;
        device.createComputePipeline = createPipeline;
        device.createBuffer = createBuffer;
        const cpu = forwardCpu(weights, one.images, 1).probabilities as Float32Array;
        single = {
          prepared: model.prepared,
          afterFirst,
          afterSecond,
          same:
            first.probabilities.length === second.probabilities.length &&
            Array.from(first.probabilities as Float32Array).every((v, i) => v === (second.probabilities as Float32Array)[i]),
          maxDifference:
            first.probabilities.length === cpu.length ? Math.max(...Array.from(first.probabilities as Float32Array, (v, i) => Math.abs(v - cpu[i]))) : Infinity,
        };
        report = await heldOutCheck(model, weights, count, seed);
        // This engine's device has no timestamp-query feature: layers are timed in a separate per-layer run on the page clock.
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
      return { report, timing, single, thrown, gpuErrors, leftover };
    }, HELD_OUT);
    expect(result.thrown).toBeNull();
    expect(result.gpuErrors).toEqual([]);
    const single = result.single!;
    expect(single.prepared.batchSizes).toEqual([1]);
    expect(single.prepared.precisions).toEqual(['float32']);
    expect(single.prepared.examplePipelines).toBe(3);
    expect(single.prepared.enginePipelines).toBeGreaterThan(0);
    expect(single.afterFirst).toEqual({ submits: 1, pipelines: 0, cnnBuffers: 0 });
    expect(single.afterSecond).toEqual({ submits: 2, pipelines: 0, cnnBuffers: 0 });
    expect(single.same).toBe(true);
    expect(single.maxDifference).toBeLessThan(1e-4);
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
    console.log(
      `cnn example: GPU accuracy ${(100 * r.gpuAccuracy).toFixed(1)}% on ${r.count} held-out images, max |GPU − CPU| ${r.maxDifference.toExponential(2)}, GPU batch ${r.gpuMs.toFixed(1)} ms`,
    );
  });
  it('the precision toggle classifies in float16: one queue.submit, no pipeline compiled (prepared at load), timed per layer', async () => {
    const { page, errors } = harness();
    expect(await page.$eval('label[for="precision"]', (e) => e.textContent)).toMatch(/precision/i);
    expect(await page.$$eval('#precision option', (o) => o.map((e) => (e as HTMLOptionElement).value))).toEqual(['float32', 'float16']);
    expect(await page.$eval('#prepared', (e) => e.textContent ?? '')).toMatch(/for float32 and float16/);
    const runs = () => page.$eval('#inference', (e) => Number((e as HTMLElement).dataset.runs ?? 0));
    const waitForRun = async (after: number) =>
      page.waitForFunction((n) => Number(document.getElementById('inference')!.dataset.runs ?? 0) > n, { timeout: 30_000 }, after);
    // Per-layer timing off, so switching classifies once: the page's first float16 inference, counted.
    let before = await runs();
    if (await page.$eval('#per-layer', (e) => (e as HTMLInputElement).checked)) {
      await page.click('#per-layer');
      await waitForRun(before);
    }
    await countGpuCalls(page);
    before = await runs();
    await page.select('#precision', 'float16');
    await waitForRun(before);
    // engine.prepare took the float16 calls (dtype: 'float16') at load, so this inference compiles nothing.
    expect(await gpuCalls(page)).toEqual({ submits: 1, pipelines: 0, modules: 0 });
    expect(await page.$eval('#inference', (e) => (e as HTMLElement).dataset.precision)).toBe('float16');
    expect(await page.$eval('#inference', (e) => e.textContent)).toMatch(/float16 activations \(packed halves\)/);
    expect(await page.$eval('#probabilities', (e) => e.textContent)).toMatch(/GPU \(float16\)/);
    const probabilities = await page.$$eval('#probabilities tr[data-probability]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.probability)));
    expect(probabilities.length).toBe(5);
    // Computed in float32 from float16 logits: the softmax still sums to 1 in float32.
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    // Each float16 layer timed.
    before = await runs();
    await page.click('#per-layer');
    await waitForRun(before);
    await page.waitForFunction(() => document.getElementById('timings')!.dataset.precision === 'float16', { timeout: 30_000 });
    const times = await page.$$eval('#timings tr[data-ms]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.ms)));
    expect(times.length).toBe(6);
    for (const t of times) expect(Number.isFinite(t) && t >= 0).toBe(true);

    // Back to float32.
    before = await runs();
    await page.select('#precision', 'float32');
    await waitForRun(before);
    expect(await page.$eval('#inference', (e) => (e as HTMLElement).dataset.precision)).toBe('float32');
    await page.waitForFunction(() => document.getElementById('timings')!.dataset.precision === 'float32', { timeout: 30_000 });
    expect(errors).toEqual([]);
  });

  it("the page's held-out check prints float32's and float16's accuracy side by side", async () => {
    const { page, errors } = harness();
    expect(await page.$eval('#check', (e) => e.textContent)).toMatch(/float32 and float16/);
    await page.click('#check');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#precision-table tr[data-precision]').length > 0 || /Error/.test(document.getElementById('check-result')!.textContent ?? ''),
      {
        timeout: 120_000,
      },
    );
    expect(await page.$eval('#check-result', (e) => e.className)).not.toBe('error');
    const rows = await page.$$eval('#precision-table tr[data-precision]', (trs) =>
      trs.map((r) => {
        const d = (r as HTMLElement).dataset;
        return {
          precision: d.precision,
          accuracy: Number(d.accuracy),
          ms: Number(d.ms ?? NaN),
          agreement: Number(d.agreement ?? NaN),
          text: r.textContent ?? '',
        };
      }),
    );
    expect(rows.map((r) => r.precision)).toEqual(['float32', 'float16', 'cpu']);
    const [f32, f16, cpu] = rows;
    expect(f32.accuracy).toBeGreaterThanOrEqual(0.9);
    // 500 images: one percentage point is 5 of them.
    expect(Math.abs(f16.accuracy - f32.accuracy)).toBeLessThanOrEqual(0.01);
    expect(cpu.accuracy).toBe(f32.accuracy);
    expect(f16.agreement).toBeGreaterThanOrEqual(0.99);
    for (const r of [f32, f16]) {
      expect(Number.isFinite(r.ms) && r.ms > 0).toBe(true);
      expect(r.text).toContain(`${(100 * r.accuracy).toFixed(1)}%`);
      expect(r.text).toMatch(/\d ms/);
    }
    const text = await page.$eval('#check-result', (e) => e.textContent ?? '');
    expect(text).toContain(`float32 ${(100 * f32.accuracy).toFixed(1)}%`);
    expect(text).toContain(`float16 ${(100 * f16.accuracy).toFixed(1)}%`);
    expect(errors).toEqual([]);
    console.log(
      `cnn example page (500 held-out): float32 ${(100 * f32.accuracy).toFixed(1)}% in ${f32.ms.toFixed(1)} ms, float16 ${(100 * f16.accuracy).toFixed(1)}% in ${f16.ms.toFixed(1)} ms`,
    );
  });

  it(`classifies the ${HELD_OUT.count} held-out images in float16 within 1 point of float32, its probabilities close, with no GPU error`, async () => {
    const { page, errors } = harness();
    const result = await page.evaluate(async ({ count, seed }) => {
      const load = new Function('path', 'return import(path)') as (path: string) => Promise<any>;
      const { createPoolEngine, roundToHalf, reference } = await load('/src/index.ts');
      const { CnnGpu, activationBytes } = await load('/examples/cnn/gpu.ts');
      const { loadWeights } = await load('/examples/cnn/weights.ts');
      const { precisionCheck } = await load('/examples/cnn/evaluate.ts');
      const { generate } = await load('/examples/cnn/data.ts');
      const { ARCHITECTURE, POOL1, argmax, conv2d, dense, softmax } = await load('/examples/cnn/network.ts');
      const engine = await createPoolEngine();
      const device: GPUDevice = engine.device;
      const scopes: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];
      for (const s of scopes) device.pushErrorScope(s);
      let out = null;
      let thrown = null;
      try {
        const { weights } = await loadWeights('/examples/cnn/weights.json');
        const model = await CnnGpu.create(engine, weights, { precisions: ['float32', 'float16'] });

        // The activation buffers of a float16 batch: half of float32's bytes (whole 16-byte rows, as every example buffer).
        const sizes: Record<string, number> = {};
        const createBuffer = device.createBuffer.bind(device);
        device.createBuffer = (d: GPUBufferDescriptor) => {
          if (d.label?.startsWith('cnn.n6.')) sizes[d.label] = d.size;
          return createBuffer(d);
        };
        await model.prepareBatch(6, 'float32');
        await model.prepareBatch(6, 'float16');
        device.createBuffer = createBuffer;

        // One image in float16, twice: one submission each, no pipeline, none of the example's buffers made.
        const one = generate(1, seed + 1);
        const counts = { submits: 0, pipelines: 0, cnnBuffers: 0, engineBuffers: 0 };
        const queue = device.queue;
        const submit = queue.submit.bind(queue);
        queue.submit = (b: Iterable<GPUCommandBuffer>) => {
          counts.submits++;
          return submit(b);
        };
        const createPipeline = device.createComputePipeline.bind(device);
        device.createComputePipeline = (d: GPUComputePipelineDescriptor) => {
          counts.pipelines++;
          return createPipeline(d);
        };
        device.createBuffer = (d: GPUBufferDescriptor) => {
          if (d.label?.startsWith('cnn.')) counts.cnnBuffers++;
          else counts.engineBuffers++;
          return createBuffer(d);
        };
        const first = await model.classify(one.images, 1, { precision: 'float16' });
        const afterFirst = { ...counts };
        const second = await model.classify(one.images, 1, { precision: 'float16' });
        const afterSecond = { ...counts };
        queue.submit = submit;
        device.createComputePipeline = createPipeline;
        device.createBuffer = createBuffer;
        const single32 = await model.classify(one.images, 1);
        const p16 = first.probabilities as Float32Array;
        const p32 = single32.probabilities as Float32Array;

        // The same set in float32 and float16 (the CPU's accuracy on it is checked above).
        const report = await precisionCheck(model, count, seed);

        // The float16 network on the CPU: each layer computed as the CPU forward pass computes it, then rounded to half, as
        // the GPU stores it (max pooling of halves is exact; the images and the probabilities stay float32).
        const data = generate(count, seed);
        const { imageSize: s, inChannels, conv1, conv2, classes } = ARCHITECTURE;
        const ph = s / 2;
        const a1 = roundToHalf(conv2d(data.images, count, inChannels, s, s, weights.conv1, conv1, true));
        const p1 = reference.maxPool(reference.hostTensor(a1, [count, conv1, s, s]), POOL1).output.data;
        const a2 = roundToHalf(conv2d(p1, count, conv1, ph, ph, weights.conv2, conv2, true));
        const g = roundToHalf(reference.globalAvgPool(reference.hostTensor(a2, [count, conv2, ph, ph])).data);
        const logits = roundToHalf(dense(g, count, conv2, weights.dense, classes));
        const emulated = softmax(logits, count, classes) as Float32Array;
        const gpu16 = report.probabilities[1] as Float32Array;
        let emulationMax = 0;
        let emulationSum = 0;
        for (let i = 0; i < gpu16.length; i++) {
          const d = Math.abs(gpu16[i] - emulated[i]);
          emulationMax = Number.isNaN(d) ? Infinity : Math.max(emulationMax, d);
          emulationSum += d;
        }
        const gpuClasses = argmax(gpu16, classes) as Int32Array;
        const emulatedClasses = argmax(emulated, classes) as Int32Array;
        let emulationAgree = 0;
        for (let i = 0; i < count; i++) if (gpuClasses[i] === emulatedClasses[i]) emulationAgree++;

        out = {
          sizes,
          expected: {
            a1: activationBytes(6 * conv1 * s * s, 'float16'),
            logits16: activationBytes(6 * classes, 'float16'),
            logits32: activationBytes(6 * classes, 'float32'),
          },
          prepared: model.prepared,
          afterFirst,
          afterSecond,
          same: Array.from(p16).every((v, i) => v === (second.probabilities as Float32Array)[i]),
          singleMax: Math.max(...Array.from(p16, (v, i) => Math.abs(v - p32[i]))),
          singleSum: Array.from(p16).reduce((a, b) => a + b, 0),
          results: report.results,
          emulationMax,
          emulationMean: emulationSum / gpu16.length,
          emulationAgreement: emulationAgree / count,
        };
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
      return { out, thrown, gpuErrors, leftover };
    }, HELD_OUT);
    expect(result.thrown).toBeNull();
    expect(result.gpuErrors).toEqual([]);
    const r = result.out!;
    expect(r.prepared.precisions).toEqual(['float32', 'float16']);
    // float32's conv, dense and softmax; float16's conv1 (float32 images in), conv2, dense and softmax.
    expect(r.prepared.examplePipelines).toBe(7);

    // Activations stored as halves: each float16 buffer holds half the bytes of its float32 twin (rounded to whole 16-byte rows).
    const row16 = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);
    for (const name of ['a1', 'p1', 'a2', 'g']) {
      const f32 = r.sizes[`cnn.n6.${name}`];
      expect(f32, name).toBeGreaterThan(0);
      expect(r.sizes[`cnn.n6.f16.${name}`], name).toBe(row16(f32 / 2));
    }
    expect(r.sizes['cnn.n6.f16.a1']).toBe(r.expected.a1);
    expect(r.sizes['cnn.n6.f16.logits']).toBe(row16(r.expected.logits16));
    expect(r.sizes['cnn.n6.logits']).toBe(row16(r.expected.logits32));
    // The images and the probabilities stay float32.
    expect(r.sizes['cnn.n6.f16.input']).toBe(r.sizes['cnn.n6.input']);
    expect(r.sizes['cnn.n6.f16.probabilities']).toBe(r.sizes['cnn.n6.probabilities']);

    // (engineBuffers is only reported: the engine's float16 staging makes scratch buffers inside engine.encode.)
    expect(r.afterFirst).toMatchObject({ submits: 1, pipelines: 0, cnnBuffers: 0 });
    expect(r.afterSecond).toMatchObject({ submits: 2, pipelines: 0, cnnBuffers: 0 });
    expect(r.same).toBe(true);
    expect(r.singleSum).toBeCloseTo(1, 5);
    expect(r.singleMax).toBeLessThan(0.02);

    const [f32, f16] = r.results;
    expect(f32.precision).toBe('float32');
    expect(f16.precision).toBe('float16');
    expect(f32.accuracy).toBeGreaterThanOrEqual(0.9);
    // The acceptance bound: float16 within one percentage point of float32 on the same 2100 images.
    expect(Math.abs(f16.accuracy - f32.accuracy)).toBeLessThanOrEqual(0.01);
    expect(f16.agreement).toBeGreaterThanOrEqual(0.99);
    // Half precision keeps 11 significant bits (a relative error of at most 2^-11 ≈ 4.9e-4 per rounding); logits of
    // magnitude ≤ 16 are rounded within 2^-7 ≈ 0.008, which moves a softmax probability by at most about a quarter of
    // the logits' change on either side: 0.02 bounds it with room for the earlier layers' roundings; on average far less.
    expect(f16.maxDifference).toBeLessThan(0.02);
    expect(f16.meanDifference).toBeLessThan(1e-3);
    // And the GPU's float16 network is the CPU's emulation of it (each layer rounded to half), up to the odd value that
    // a float32 sum in another order rounds to the neighbouring half: one half ulp there, which moves a probability by
    // at most a quarter of it, about 0.002 for logits below 16 (0.004: two such). On average it is far closer to the
    // emulation than to float32: the GPU does round every layer to half.
    expect(r.emulationAgreement).toBeGreaterThanOrEqual(0.999);
    expect(r.emulationMax).toBeLessThan(0.004);
    expect(r.emulationMean).toBeLessThan(f16.meanDifference / 10);

    expect(result.leftover.buffers).toBeLessThanOrEqual(2);
    expect(result.leftover.bytes).toBeLessThanOrEqual(32);
    expect(errors).toEqual([]);
    console.log(
      `cnn example, ${HELD_OUT.count} held-out images: float32 ${(100 * f32.accuracy).toFixed(2)}% (${f32.ms.toFixed(1)} ms), ` +
        `float16 ${(100 * f16.accuracy).toFixed(2)}% (${f16.ms.toFixed(1)} ms); same class ${(100 * f16.agreement).toFixed(2)}%, ` +
        `max |p16 − p32| ${f16.maxDifference.toExponential(2)}, mean ${f16.meanDifference.toExponential(2)}; ` +
        `vs CPU float16 emulation max ${r.emulationMax.toExponential(2)}, mean ${r.emulationMean.toExponential(2)}, same class ${(100 * r.emulationAgreement).toFixed(2)}%; ` +
        `engine buffers made by one float16 batch-1 inference: ${r.afterFirst.engineBuffers}`,
    );
  });
});

// ONNX Runtime Web and the engine on one device, in headless Chromium: session A
// (Relu, ×2, on ORT's WebGPU execution provider) leaves its output in a GPU
// buffer; the engine wraps that buffer, max-pools it 2×2 into a wrapped GPUBuffer
// of ours, and session B (+1, Sigmoid) takes that buffer as its input. Nothing is
// read back between the sessions; the result matches the same chain on the CPU.
// Then the same in float16: ORT's float16 GPU tensors wrapped with dtype 'float16'.
// The page (onnxruntime-page.ts) fails to start, and so every test fails, when
// there is no WebGPU adapter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, startServer } from '../support/browser.mjs';
import { fromHalfBits, halfUlp, toHalfBits } from '../../src/half';
import { cpuModelA, cpuModelA16, cpuModelB, cpuModelB16 } from '../support/onnx-model';
import type { HarnessPage } from '../support/page';
import type { HalfRefusals, HalfRoundTripResult, RoundTripResult } from './onnxruntime-page';

// The page opens once for the file. If it cannot start (no adapter, ORT failing to
// load), every test fails with that reason rather than being skipped.
let opened: HarnessPage | null = null;
let openError: unknown = null;
beforeAll(async () => {
  try {
    opened = (await openPage('/test/browser/onnxruntime.html')) as HarnessPage;
  } catch (e) {
    openError = e;
  }
});
afterAll(async () => {
  await opened?.close();
});
function harness(): HarnessPage {
  if (!opened) throw new Error(`the ONNX Runtime page did not start: ${(openError as Error)?.message ?? openError}`);
  return opened;
}

/** 2×2 max pooling, stride 2, of an NCHW [n, c, h, w] array. */
function maxPool2x2(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const oh = h / 2;
  const ow = w / 2;
  const out = new Float32Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let m = -Infinity;
        for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) m = Math.max(m, x[p * h * w + (2 * i + di) * w + 2 * j + dj]);
        out[p * oh * ow + i * ow + j] = m;
      }
  return out;
}

/** Distinct values of both signs, so Relu matters and each window has one maximum. */
const input = Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.fround(Math.sin(i * 1.7 + 0.3) * 3 + i * 1e-3));

function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

describe('ONNX Runtime Web round trip on a shared device', () => {
  it("runs ORT on a real WebGPU adapter, and the engine is on ORT's device", async () => {
    const { page } = harness();
    const info = await page.evaluate(() => {
      const o = (window as any).onnx;
      return { same: o.sameDevice, version: o.ortVersion, vendor: o.adapter.vendor, architecture: o.adapter.architecture };
    });
    expect(info.same).toBe(true);
    expect(info.version).toMatch(/^1\.\d+\.\d+/);
    expect(String(info.vendor ?? '') + String(info.architecture ?? '')).not.toBe('');
  });

  it('session A → engine maxPool (wrapped buffers, no indices) → session B matches the CPU, with no readback between', async () => {
    const { page, errors } = harness();
    const r: RoundTripResult = await page.evaluate((x) => (window as any).onnx.roundTrip(x), input);
    const x = Float32Array.from(input);
    const y = cpuModelA(x);
    const z = maxPool2x2(y, [1, 4, 8, 8]);
    const w = cpuModelB(z);
    expect(r.aLocation).toBe('gpu-buffer');
    expect(maxError(r.y, y)).toBeLessThanOrEqual(1e-5);
    expect(r.returnedOut).toBe(true);
    expect(r.indicesNull).toBe(true);
    expect(maxError(r.w, w)).toBeLessThanOrEqual(1e-5);
    // No buffer was mapped between the sessions; ORT's own readback of B's output is counted (the control).
    expect(r.mapsBetween).toBe(0);
    expect(r.mapsInB).toBeGreaterThan(0);
    expect(r.outBufferState).toBe('ok');
    expect(errors).toEqual([]);
  });

  it('runs the round trip again on the same sessions and engine (buffers reused by ORT)', async () => {
    const { page, errors } = harness();
    const shifted = input.map((v) => Math.fround(-v * 0.5 + 0.25));
    const r: RoundTripResult = await page.evaluate((x) => (window as any).onnx.roundTrip(x), shifted);
    const w = cpuModelB(maxPool2x2(cpuModelA(Float32Array.from(shifted)), [1, 4, 8, 8]));
    expect(maxError(r.w, w)).toBeLessThanOrEqual(1e-5);
    expect(r.mapsBetween).toBe(0);
    expect(errors).toEqual([]);
  });
});

/**
 * The most a WGSL f16 Sigmoid, ORT's `1.0 / (1.0 + exp(-a))` in f16, may differ from
 * `cpuModelB16` at s = z + 1 (the Add is correctly rounded in WGSL, so s is the
 * reference's): WGSL's f16 accuracy allows exp 3 + 2·|x| ulps, the sum one rounding
 * (½ ulp of 1 + e), the division 2.5 ulps; the error in 1 + e scales by 1 / (1 + e)²
 * through the division, and the reference itself rounds once more (½ ulp).
 */
function sigmoidHalfBound(s: number): number {
  const e = Math.exp(-s);
  const w = 1 / (1 + e);
  return ((3 + 2 * Math.abs(s)) * halfUlp(e) + halfUlp(1 + e) / 2) * w * w + 3 * halfUlp(w);
}

describe('ONNX Runtime Web round trip in float16 (wrap with dtype float16)', () => {
  /** Whether ORT's device (the engine's) has shader-f16, which ORT's float16 arithmetic on WebGPU needs. */
  async function shaderF16(): Promise<boolean> {
    return harness().page.evaluate(() => (window as any).onnx.shaderF16 as boolean);
  }

  it("ORT's float16 GPU tensor → engine maxPool on float16 views → ORT reads ours as float16: bit-exact, no readback between", async () => {
    // Identity sessions (a buffer copy in ORT's WebGPU EP, no shader, so no shader-f16 needed): a float16
    // host tensor becomes ORT's float16 GPU tensor, the engine pools it into our float16 GPUBuffer, and
    // ORT takes that buffer as a float16 GPU tensor. Normal values, large ones, and subnormal halves.
    const { page, errors } = harness();
    for (const values of [input, input.map((v) => v * 1000), input.map((v) => v * 2 ** -14)]) {
      const bits = Array.from(toHalfBits(values));
      const pooled = Array.from(toHalfBits(maxPool2x2(fromHalfBits(bits), [1, 4, 8, 8])));
      const r: HalfRoundTripResult = await page.evaluate((b) => (window as any).onnx.copyRoundTrip16(b), bits);
      expect(r.aType).toBe('float16');
      expect(r.aLocation).toBe('gpu-buffer');
      // ORT's buffer holds the 256 halves, two to a word (a float16 view needs 4 · ceil(256 / 2) bytes).
      expect(r.aBufferSize).toBeGreaterThanOrEqual(4 * Math.ceil(256 / 2));
      expect(r.yBits).toEqual(bits);
      expect(r.viewDtypes).toEqual(['float16', 'float16']);
      expect(r.returnedOut).toBe(true);
      expect(r.indicesNull).toBe(true);
      // The max of halves is a half: the pooled buffer is exact, and ORT read it back bit for bit.
      expect(r.pooledBits).toEqual(pooled);
      expect(r.wType).toBe('float16');
      expect(r.wBits).toEqual(pooled);
      expect(r.mapsBetween).toBe(0);
      expect(r.mapsInB).toBeGreaterThan(0);
    }
    expect(errors).toEqual([]);
  });

  // One test, two outcomes by the device (never a skip): ORT's float16 arithmetic needs shader-f16.
  it('float16 arithmetic in ORT: with shader-f16, session A16 (Relu, ×2, Cast to float16) → engine maxPool on float16 views → session B16 (+1, Sigmoid in float16) matches the CPU in float16 semantics; without it (SwiftShader), ORT refuses at run time, its nodes on WebGPU, not a CPU fallback', async () => {
    if (await shaderF16()) {
      const { page, errors } = harness();
      for (const values of [input, input.map((v) => Math.fround(-v * 0.5 + 0.25))]) {
        const r: HalfRoundTripResult = await page.evaluate((x) => (window as any).onnx.roundTrip16(x), values);
        expect(r.aType).toBe('float16');
        expect(r.aLocation).toBe('gpu-buffer');
        expect(r.aBufferSize).toBeGreaterThanOrEqual(4 * Math.ceil(256 / 2));
        expect(r.viewDtypes).toEqual(['float16', 'float16']);
        expect(r.returnedOut).toBe(true);
        expect(r.indicesNull).toBe(true);
        // A: Relu and ×2 are exact in float32; WGSL's f32 → f16 conversion gives either neighbour of an inexact
        // value, so ORT's Cast is within one half ulp of rounding to nearest even (equal where it rounds so).
        const y = fromHalfBits(r.yBits);
        const yRef = cpuModelA16(Float32Array.from(values));
        for (let i = 0; i < yRef.length; i++) expect(Math.abs(y[i] - yRef[i])).toBeLessThanOrEqual(halfUlp(yRef[i]));
        // The engine's max pool is exact on halves: the max of ORT's halves, bit for bit (and of the rounded CPU values within that ulp).
        expect(r.pooledBits).toEqual(Array.from(toHalfBits(maxPool2x2(y, [1, 4, 8, 8]))));
        const pooled = fromHalfBits(r.pooledBits);
        const pooledRef = maxPool2x2(yRef, [1, 4, 8, 8]);
        for (let i = 0; i < pooledRef.length; i++) expect(Math.abs(pooled[i] - pooledRef[i])).toBeLessThanOrEqual(halfUlp(pooledRef[i]));
        // B from the pooled halves, in float16 semantics, within WGSL's f16 accuracy.
        expect(r.wType).toBe('float32');
        const wRef = cpuModelB16(pooled);
        for (let i = 0; i < wRef.length; i++) expect(Math.abs(r.w[i] - wRef[i])).toBeLessThanOrEqual(sigmoidHalfBound(pooled[i] + 1));
        expect(r.mapsBetween).toBe(0);
        expect(r.mapsInB).toBeGreaterThan(0);
      }
      expect(errors).toEqual([]);
      return;
    }
    const { page, errors } = harness();
    // ORT asks for shader-f16 where the adapter offers it: here the adapter has none either.
    expect(await page.evaluate(() => (window as any).onnx.adapterShaderF16)).toBe(false);
    const r: HalfRefusals = await page.evaluate(() => (window as any).onnx.refusals16());
    // The sessions were created with session.disable_cpu_ep_fallback = '1', which does refuse a CPU node (Det):
    expect(r.control).toMatch(/assigned to the default CPU EP, but fallback to CPU EP has been explicitly disabled/);
    // so every node of A16 and B16 is on WebGPU, and their f16 programs fail there, with no GPU error.
    expect(r.a).toMatch(/running Cast node\. Name:'cast_2' Status Message: .*Program Cast requires f16 but the device does not support it\./);
    expect(r.b).toMatch(/running Add node\. Name:'add_0' Status Message: .*Program Add requires f16 but the device does not support it\./);
    expect(errors).toEqual([]);
  });
});

describe('ONNX Runtime Web example (examples/onnxruntime/)', () => {
  it('the page runs the round trip and reports a match with the CPU', async () => {
    const { server, url } = await startServer();
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${url}/examples/onnxruntime/`);
      await page.waitForFunction(() => !/^Starting/.test(document.getElementById('status')!.textContent ?? ''), { timeout: 60_000 });
      const status = await page.$eval('#status', (e) => ({ text: e.textContent, maxError: (e as HTMLElement).dataset.maxError }));
      expect(status.text).toMatch(/^Matches the CPU/);
      expect(Number(status.maxError)).toBeLessThanOrEqual(1e-5);
      expect(await page.$$eval('#result td', (cells) => cells.length)).toBe(4 * 5);
      expect(await page.$eval('#detail', (e) => e.textContent)).toMatch(/share one device: true/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

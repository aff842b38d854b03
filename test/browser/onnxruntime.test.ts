// ONNX Runtime Web and the engine on one device, in headless Chromium: session A
// (Relu, ×2, on ORT's WebGPU execution provider) leaves its output in a GPU
// buffer; the engine wraps that buffer, max-pools it 2×2 into a wrapped GPUBuffer
// of ours, and session B (+1, Sigmoid) takes that buffer as its input. Nothing is
// read back between the sessions; the result matches the same chain on the CPU.
// The page (onnxruntime-page.ts) fails to start, and so every test fails, when
// there is no WebGPU adapter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, startServer } from '../support/browser.mjs';
import { cpuModelA, cpuModelB } from '../support/onnx-model';
import type { HarnessPage } from '../support/page';
import type { RoundTripResult } from './onnxruntime-page';

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

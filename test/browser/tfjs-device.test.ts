// The engine on TensorFlow.js's own WebGPU device in headless Chromium: TF.js's
// backend makes the device, the engine wraps a TF.js tensor's GPU buffer
// (dataToGPU), pools it into a buffer TF.js then reads in place (zeroCopy), and
// the results equal TF.js's own pooling exactly. No adapter fails the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage } from '../support/browser.mjs';
import type { HarnessPage } from '../support/page';

// CommonJS-laden: prebundled together, so the backend and the page share one tfjs-core.
const TF_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'];

/** Opens `path` (TF.js prebundled) before the describe's tests, closes it after; a page that does not start (no WebGPU adapter, TF.js's backend refused) fails every test with its reason. */
function usePage(path: string): () => HarnessPage {
  let h: HarnessPage | null = null;
  let openError: unknown = null;
  beforeAll(async () => {
    try {
      h = (await openPage(path, TF_PACKAGES)) as HarnessPage;
    } catch (e) {
      openError = e;
    }
  });
  afterAll(async () => {
    await h?.close();
  });
  return () => {
    if (!h) throw new Error(`${path} did not open: ${(openError as Error)?.message ?? openError}`);
    return h;
  };
}

const BYTES_IN = 2 * 8 * 8 * 4 * 4;

describe("engine on TF.js's WebGPU device", () => {
  const harness = usePage('/test/browser/tfjs-page.html');
  const evaluate = <T>(fn: () => Promise<T> | T): Promise<T> => harness().page.evaluate(fn);

  it('TF.js runs its webgpu backend; the engine is on the device that backend made; one tfjs-core', async () => {
    const info = await evaluate(() => (window as any).tfjsHarness.info());
    expect(info.backendName).toBe('webgpu');
    expect(info.sameDevice).toBe(true);
    expect(info.tfVersion).toMatch(/^4\./);
    // A second tfjs-core would warn that the platform or kernels are registered again.
    expect(info.warnings).toEqual([]);
  });

  it('TF.js alone: dataToGPU gives a STORAGE | COPY_SRC copy of x; tf.tensor reads a GPU buffer copied and zero-copy', async () => {
    const r = await evaluate(() => (window as any).tfjsHarness.tfOnlyCase());
    expect(r.bufferSize).toBeGreaterThanOrEqual(BYTES_IN); // TF.js may pad; the view takes only its elements
    expect(r.usage & (GPUBufferUsage_STORAGE | GPUBufferUsage_COPY_SRC)).toBe(GPUBufferUsage_STORAGE | GPUBufferUsage_COPY_SRC);
    expect(r.sameTensorClass).toBe(true);
    for (const c of [r.x, r.copy, r.zero]) expect(c).toEqual({ mismatches: 0, first: '', worst: 0 });
  });

  it('maxPool 2×2/2 of a wrapped TF.js buffer into a buffer TF.js reads zero-copy equals tf.maxPool exactly', async () => {
    const r = await evaluate(() => (window as any).tfjsHarness.maxPoolCase());
    expect(r.tensorRefIsTfTensor).toBe(true); // the backend's tensors are the page's tf.Tensor: one tfjs-core
    expect(r.oursIsTfTensor).toBe(true);
    expect(r.bufferSize).toBeGreaterThanOrEqual(r.logicalBytes);
    expect(r.returnedOut).toBe(true);
    expect(r.indicesNull).toBe(true);
    expect(r.theirsShape).toEqual([2, 4, 4, 4]);
    expect({ mismatches: r.mismatches, first: r.first }).toEqual({ mismatches: 0, first: '' });
    // Not all equal values (a control on the comparison).
    expect(new Set(r.sample).size).toBeGreaterThan(1);
    // Disposing a zeroCopy tensor leaves the caller's buffer to the caller.
    expect(r.afterDispose).toBe(0);
  });

  it('avgPool 2×2/2 and globalAvgPool (one batch) equal tf.avgPool and tf.mean(x, [1, 2]) exactly', async () => {
    const r = await evaluate(() => (window as any).tfjsHarness.avgPoolCase());
    expect(r.returnedOuts).toBe(true);
    expect(r.theirsGlobalShape).toEqual([2, 4]);
    expect(r.avg).toEqual({ mismatches: 0, first: '', worst: 0 });
    expect(r.global).toEqual({ mismatches: 0, first: '', worst: 0 });
    expect(r.globalValues.some((v: number) => v !== 0)).toBe(true);
  });

  it("TF.js batches its commands: flushed before the engine's write, its recorded read sees the old values; not flushed, the new", async () => {
    const r = await evaluate(() => (window as any).tfjsHarness.orderingCase());
    expect(r.maxDiffersFromAvg).toBe(true); // a control: the two writes are told apart
    expect(r.pendingFlushed).toBe(true);
    expect(r.flushedSawOld).toBe(true);
    // The hazard the flush prevents: TF.js submits its recorded read after the engine's later write.
    expect(r.pendingLate).toBe(true);
    expect(r.lateSawOld).toBe(false);
    expect(r.lateSawNew).toBe(true);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

describe('the TF.js example (examples/tfjs/)', () => {
  const example = usePage('/examples/tfjs/');

  it('prints the three ops, each equal to TF.js exactly, on the shared device, with no browser error', async () => {
    const { page, errors } = example();
    expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/on 'webgpu'; engine\.device === TF\.js's device: true$/);
    const rows = await page.$$eval('#results tbody tr', (trs) => trs.map((r) => [(r as HTMLElement).dataset.op, (r as HTMLElement).dataset.mismatches]));
    expect(rows).toEqual([
      ['maxPool', '0'],
      ['avgPool', '0'],
      ['globalAvgPool', '0'],
    ]);
    expect(errors).toEqual([]);
  });
});

// GPUBufferUsage flags (the constants exist only in the page).
const GPUBufferUsage_COPY_SRC = 0x0004;
const GPUBufferUsage_STORAGE = 0x0080;

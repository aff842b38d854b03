// webgpu-pool/tfjs on real tf.layers models in headless Chromium: a 2-D model
// (convolutions, MaxPooling2D, AveragePooling2D 'same', GlobalAveragePooling2D, a
// dense head) and a 3-D one (MaxPooling3D), with seeded weights, give the same
// predictions and the same weights after one training step with and without the
// plugin, and the plugin's kernels ran; its errors are PoolErrors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage } from '../support/browser.mjs';
import type { HarnessPage } from '../support/page';

const TF_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-layers'];

let h: HarnessPage | null = null;
let openError: unknown = null;
beforeAll(async () => {
  try {
    h = (await openPage('/test/browser/tfjs-model.html', TF_PACKAGES)) as HarnessPage;
  } catch (e) {
    openError = e;
  }
}, 120_000);
afterAll(async () => {
  await h?.close();
});
const page = () => {
  if (!h) throw new Error(`tfjs-model.html did not open: ${(openError as Error)?.message ?? openError}`);
  return h.page;
};

interface Comparison {
  without: { predictions: number[]; trained: number[] };
  withPlugin: { predictions: number[]; trained: number[] };
  counts: { engine: Record<string, number>; fallback: Record<string, number> };
}

const worst = (a: number[], b: number[]) => (a.length === b.length ? Math.max(...a.map((v, i) => Math.abs(v - b[i]))) : Infinity);

describe('webgpu-pool/tfjs on tf.layers models', () => {
  it('2-D model: the same predictions (1e-5) and one training step (1e-5), our kernels ran', async () => {
    const r = (await page().evaluate(() => (window as any).tfjsModel.model2d())) as Comparison;
    expect(r.without.predictions.length).toBe(16);
    expect(worst(r.without.predictions, r.withPlugin.predictions)).toBeLessThanOrEqual(1e-5);
    expect(worst(r.without.trained, r.withPlugin.trained)).toBeLessThanOrEqual(1e-5);
    for (const kernel of ['MaxPool', 'AvgPool', 'Mean', 'MaxPoolGrad', 'AvgPoolGrad']) expect(r.counts.engine[kernel], kernel).toBeGreaterThan(0);
    // Only the loss's means (not over spatial axes) went to TF.js's kernel.
    expect(Object.keys(r.counts.fallback).filter((k) => k !== 'Mean')).toEqual([]);
  }, 120_000);

  it('3-D model: the same predictions and one training step, MaxPool3D and its gradient ran on the engine', async () => {
    const r = (await page().evaluate(() => (window as any).tfjsModel.model3d())) as Comparison;
    expect(r.without.predictions.length).toBe(6);
    expect(worst(r.without.predictions, r.withPlugin.predictions)).toBeLessThanOrEqual(1e-5);
    expect(worst(r.without.trained, r.withPlugin.trained)).toBeLessThanOrEqual(1e-5);
    for (const kernel of ['MaxPool3D', 'MaxPool3DGrad']) expect(r.counts.engine[kernel], kernel).toBeGreaterThan(0);
  }, 120_000);

  it('refuses what is not TF.js, a second install and a TF.js without webgpu kernels; uninstall restores TF.js', async () => {
    const r = (await page().evaluate(() => (window as any).tfjsModel.errors())) as { out: Record<string, string>; restored: string };
    expect(r.out['not TF.js']).toMatch(/^PoolError: INVALID_OPTION: tf = .*TensorFlow\.js namespace/);
    expect(r.out['twice']).toMatch(/^PoolError: INVALID_OPTION: tf = .*already/);
    expect(r.out['no webgpu backend']).toMatch(/^PoolError: INVALID_OPTION: tf = .*webgpu/);
    expect(r.restored).toBe('maxPool');
  });

  it('logged no browser errors', () => {
    expect(h?.errors ?? ['page did not open']).toEqual([]);
  });
});

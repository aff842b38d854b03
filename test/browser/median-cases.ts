// Page side of median-mode.test.ts: the test-only median mode (test/support/median/)
// on the engine's device, against its reference, one case at a time.
import { GpuContext } from '../../src/engine';
import { hostTensor } from '../../src/reference/host-tensor';
import { medianPool, medianPoolReference, type MedianPoolOptions } from '../support/median/median-pool';

export interface MedianCase {
  name: string;
  shape: number[];
  options: MedianPoolOptions;
  seed: number;
}

/** Runs one case on a context of the device; returns the elements compared and the mismatches. */
export async function runMedianCase(device: GPUDevice, c: MedianCase): Promise<{ compared: number; mismatches: string[] }> {
  const ctx = new GpuContext(device, 'median');
  try {
    const size = c.shape.reduce((a, b) => a * b, 1);
    // Distinct values (a permutation, scaled): the median of each window is one element.
    const data = Float32Array.from({ length: size }, (_, i) => ((i * 7919 + c.seed) % size) * 0.25 - size / 8);
    const x = ctx.upload(data, c.shape, undefined) as Parameters<typeof medianPool>[1];
    const got = await medianPool(ctx, x, c.options).read();
    const want = medianPoolReference(hostTensor(data, c.shape), c.options).data;
    const mismatches: string[] = [];
    if (got.length !== want.length) mismatches.push(`length ${got.length}, want ${want.length}`);
    want.forEach((v, i) => {
      if (got[i] !== v && mismatches.length < 5) mismatches.push(`[${i}] ${got[i]}, want ${v}`);
    });
    return { compared: want.length, mismatches };
  } finally {
    ctx.destroy();
  }
}

// docs/DESIGN.md's walkthrough, proven: a pooling mode added from outside src/
// (test/support/median/: one WGSL file registered as a kernel, one op function,
// one reference function) runs on the GPU and matches its reference.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';
import type { MedianCase } from './median-cases';

const harness = useHarnessPage();

const cases: MedianCase[] = [
  { name: 'median 1-D [2, 3, 11] kernel 3 stride 2', shape: [2, 3, 11], options: { kernel: 3, stride: 2 }, seed: 1 },
  { name: 'median 2-D [1, 4, 9, 7] kernel 3 stride 1', shape: [1, 4, 9, 7], options: { kernel: 3, stride: 1 }, seed: 2 },
  { name: 'median 2-D [2, 2, 8, 8] kernel 2 (even count: lower median)', shape: [2, 2, 8, 8], options: { kernel: 2 }, seed: 3 },
  { name: 'median 3-D [1, 2, 5, 6, 7] kernel [3, 3, 3] stride 2', shape: [1, 2, 5, 6, 7], options: { kernel: [3, 3, 3], stride: 2 }, seed: 4 },
];

describe('a test-only mode registered through the documented path (median pooling)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const result = await harness().page.evaluate((c) => (window as any).harness.runMedianCase(c), c);
      expect(result.compared).toBeGreaterThan(0);
      expect(result.mismatches).toEqual([]);
    });
  }
});

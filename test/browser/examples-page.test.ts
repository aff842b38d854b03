// The page `npm start` serves: it must run every mode on WebGPU, match the CPU
// reference and log no errors.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage('/examples/');

describe('examples page', () => {
  it('pools on the GPU and matches the CPU reference', async () => {
    const page = harness().page;
    const status = await page.$eval('#status', (e) => e.textContent);
    expect(status).toMatch(/^Done/);
    const diffs = await page.$$eval('tr[data-forward-diff]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.forwardDiff)));
    expect(diffs.length).toBe(3);
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    expect(harness().errors).toEqual([]);
  });
});

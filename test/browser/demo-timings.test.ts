// The demo's timing table as a visitor meets it (`npm start`'s page): pipelines
// prepared at load, medians of warm runs at the size picked, TF.js's WebGPU backend
// as a third column for the modes it has, a line saying what is timed; and the
// gradient pictures on a diverging colour map with a legend. After load, on a
// realistic 1×64×112×112 feature map, the GPU forward beats the CPU reference's.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useDemoPage } from '../support/page';

const root = fileURLToPath(new URL('../..', import.meta.url));
const harness = useDemoPage();

/** Sets a select and waits for a finished run whose report has `want` (renders may overlap: an earlier one can finish after the change). */
async function rerun(id: string, value: string, want: Record<string, string>): Promise<any> {
  const { page } = harness();
  await page.select(id, value);
  await page.waitForFunction(
    (w: Record<string, string>) => {
      const r = (window as any).lastRun;
      return r?.timings && Object.entries(w).every(([k, v]) => (k === 'size' ? r.timings.size : r[k]) === v);
    },
    { timeout: 110_000 },
    want,
  );
  return page.evaluate('window.lastRun');
}

describe('demo page: fair timings and legible gradients', () => {
  it('prepared every mode at load, and times warm medians with a line that says what', async () => {
    const { page } = harness();
    expect((await page.evaluate('window.prepared')) as number).toBeGreaterThan(10);
    const caption = await page.$eval('#timing-caption', (e) => e.textContent);
    expect(caption).toMatch(/^Median of 5 warm runs on the 64 × 64 picture/);
  });

  it('on a 1×64×112×112 feature map, the GPU forward is faster than the CPU, with TF.js beside it', async () => {
    const { page } = harness();
    await rerun('#mode', 'max', { mode: 'max' });
    const run = await rerun('#size', 'fm112', { mode: 'max', size: 'fm112' });
    const t = run.timings;
    expect(t.size).toBe('fm112');
    expect(t.gpuForward).toBeGreaterThan(0);
    expect(t.gpuForward).toBeLessThan(t.cpuForward);
    expect(t.gpuBackward).toBeGreaterThan(0);
    expect(typeof t.tfForward, t.tfNote).toBe('number');
    expect(await page.$eval('#tf-forward', (e) => e.textContent)).toMatch(/ms$/);
    expect(await page.$eval('#gpu-forward', (e) => e.textContent)).toMatch(/ms$/);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await (await page.$('#metrics'))!.screenshot({ path: join(root, 'test-artifacts', 'demo-timings.png') });
    // A mode TF.js lacks says so in its column.
    const soft = await rerun('#mode', 'soft', { mode: 'soft', size: 'fm112' });
    expect(soft.timings.tfForward).toBeNull();
    expect(await page.$eval('#tf-forward', (e) => e.textContent)).toBe('TF.js has no such pooling');
    await rerun('#size', 'picture', { mode: 'soft', size: 'picture' });
  });

  it('draws gradients on a diverging map with a legend of their range', async () => {
    const { page } = harness();
    await rerun('#mode', 'avg', { mode: 'avg', size: 'picture' });
    const legend = await page.$eval('#grad-legend', (e) => e.textContent);
    expect(legend).toMatch(/^-\S+ {3}0 {3}\S+ \(summed over channels\)$/);
    // An average's gradient of ones is positive everywhere it reaches: red, not black and not white.
    const colours = await page.$eval('#grad', (c) => {
      const canvas = c as HTMLCanvasElement;
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let red = 0;
      let black = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i] > px[i + 2] + 40) red++;
        if (px[i] + px[i + 1] + px[i + 2] === 0) black++;
      }
      return { red, black, total: px.length / 4 };
    });
    expect(colours.black).toBe(0);
    expect(colours.red).toBeGreaterThan(colours.total / 2);
    await (await page.$('#grad'))!.screenshot({ path: join(root, 'test-artifacts', 'demo-gradient.png') });
  });

  it('logged no errors and no warnings', () => {
    expect(harness().errors).toEqual([]);
    expect(harness().warnings).toEqual([]);
  });
});

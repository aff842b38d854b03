// The demo page's gallery shows every mode, including those whose output is not
// a picture (swatches, the pyramid's levels, strips): each figure is drawn and not
// blank, nothing is logged as an error, and a screenshot of the gallery is saved.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useDemoPage } from '../support/page';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('demo gallery, dev server (npm start)', () => {
  const harness = useDemoPage();

  it('draws every mode of the mode menu', async () => {
    const { page } = harness();
    const modes = await page.$$eval('#mode option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    const report = (await page.evaluate('window.gallery')) as { drawn: string[]; failed: string[] };
    expect(report.failed).toEqual([]);
    expect(modes.length).toBeGreaterThanOrEqual(16);
    expect(report.drawn).toEqual(expect.arrayContaining(modes));
    expect(await page.$$eval('#gallery figure', (f) => f.length)).toBeGreaterThanOrEqual(modes.length);
  });

  it('draws no canvas empty or blank', async () => {
    const { page } = harness();
    const modes = await page.$$eval('#mode option', (os) => os.length);
    const canvases = await page.$$eval('#gallery canvas', (cs) =>
      cs.map((c) => {
        const canvas = c as HTMLCanvasElement;
        const px = new Uint32Array(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data.buffer);
        // Blank: every pixel the same colour (a transparent canvas included).
        return { caption: canvas.parentElement?.textContent ?? '', w: canvas.width, h: canvas.height, varied: px.some((v) => v !== px[0]) };
      }),
    );
    // One canvas per mode (a failed mode would have none).
    expect(canvases.length).toBeGreaterThanOrEqual(modes);
    for (const c of canvases) {
      expect(c.w * c.h, c.caption).toBeGreaterThan(0);
      expect(c.varied, c.caption).toBe(true);
    }
  });

  it('logged no errors, and leaves a screenshot of the gallery', async () => {
    const { page } = harness();
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await (await page.$('#gallery'))!.screenshot({ path: join(root, 'test-artifacts', 'gallery.png') });
    expect(harness().errors).toEqual([]);
  });
});

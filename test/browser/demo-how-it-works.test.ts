// The demo page's "How it works" panel: for every mode of the menu, hovering an
// output cell shows the gradient of a one-hot at that cell, the GPU's equal to
// the CPU reference's, with the cells it reaches highlighted. A screenshot of the
// panel is saved.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer';
import { useDemoPage } from '../support/page';
import type { HowItWorksReport } from '../../examples/demo/how-it-works';

const root = fileURLToPath(new URL('../..', import.meta.url));

type Report = HowItWorksReport;

/** Selects `mode` and waits for the page's run of it, the panel included (it finishes before lastRun is set). */
async function select(page: Page, mode: string): Promise<void> {
  const before = (await page.evaluate('window.lastRun.run')) as number;
  await page.select('#mode', mode);
  await page.waitForFunction((n: number, m: string) => (window as any).lastRun.run > n && (window as any).howItWorks?.mode === m, {}, before, mode);
}

/** Hovers output cell (1, 1), or (0, 0) where the output has none, and waits for the panel to show it. */
async function hover(page: Page, mode: string): Promise<[number, number]> {
  const cell: [number, number] = (await page.$('#how-it-works td[data-cell="1,1"]')) ? [1, 1] : [0, 0];
  await page.hover(`#how-it-works td[data-cell="${cell.join(',')}"]`);
  await page.waitForFunction(
    (m: string, c: string) => {
      const r = (window as any).howItWorks;
      return r.mode === m && r.cell.join(',') === c;
    },
    {},
    mode,
    cell.join(','),
  );
  return cell;
}

describe('demo "How it works" panel, dev server (npm start)', () => {
  const harness = useDemoPage();

  it('shows every mode on numbers, the GPU agreeing with the CPU', async () => {
    const { page } = harness();
    const modes = await page.$$eval('#mode option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(modes.length).toBeGreaterThanOrEqual(15);
    for (const mode of modes) {
      await select(page, mode);
      const cell = await hover(page, mode);
      const r = (await page.evaluate('window.howItWorks')) as Report;
      expect(r.note, mode).toBeUndefined();
      expect(r.cell, mode).toEqual(cell);
      expect(r.ran, mode).toBe('gpu');
      expect(r.maxDiff!, mode).toBeLessThan(1e-4);
      expect(r.gradient.length, mode).toBe(36);
      expect(r.cpuGradient.length, mode).toBe(36);
      r.gradient.forEach((g, i) => expect(Math.abs(g - r.cpuGradient[i]), `${mode} gradient[${i}]`).toBeLessThan(1e-5));
      expect(r.window.length, mode).toBeGreaterThan(0);
      // The page highlights what the report says.
      const shown = await page.$$eval('#how-it-works .hiw-input td.hiw-window', (tds) => tds.map((td) => Number((td as HTMLElement).dataset.i)));
      expect(shown, mode).toEqual(r.window);
      const nonzero = r.gradient.flatMap((g, i) => (g !== 0 ? [i] : []));
      if (mode === 'max') {
        expect(r.window).toEqual(nonzero);
        expect(r.gradient.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        expect(await page.$$eval('#how-it-works .hiw-input td.hiw-winner', (tds) => tds.length)).toBe(1);
      }
      if (mode === 'avg') {
        const inWindow = r.window.map((i) => r.gradient[i]).filter((g) => g !== 0);
        for (const g of inWindow) expect(g).toBeCloseTo(inWindow[0], 6);
      }
    }
    expect(harness().errors).toEqual([]);
  });

  it('logged no errors, and leaves a screenshot of the panel', async () => {
    const { page } = harness();
    await select(page, 'max');
    await hover(page, 'max');
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await (await page.$('#how-it-works'))!.screenshot({ path: join(root, 'test-artifacts', 'how-it-works.png') });
    expect(harness().errors).toEqual([]);
  });
});

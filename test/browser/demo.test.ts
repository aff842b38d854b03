// The demo page as a new user gets it: `npm start`'s dev-server page, and the
// static build (`npm run build`) served by a plain static server. Every mode in
// the page's table runs with GPU and CPU agreeing, bad settings show the engine's
// message, nothing is logged as an error, and a screenshot is saved.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Browser, Page } from 'puppeteer';
import { launchBrowser } from '../support/browser.mjs';
import { serveStatic } from '../support/static-server';
import { useDemoPage } from '../support/page';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TOLERANCE = 1e-4;

async function everyMode(page: Page) {
  const modes = await page.$$eval('#mode option', (os) => os.map((o) => (o as HTMLOptionElement).value));
  const runs: { mode: string; diffForward?: number; diffBackward?: number; error?: string }[] = [];
  for (const layout of ['NCHW', 'NHWC']) {
    await page.select('#layout', layout);
    for (const mode of modes) {
      const before = (await page.evaluate('window.lastRun.run')) as number;
      await page.select('#mode', mode);
      await page.waitForFunction((n: number) => (window as any).lastRun.run > n, {}, before);
      runs.push((await page.evaluate('window.lastRun')) as (typeof runs)[number]);
    }
  }
  return { modes, runs };
}

describe('demo page, dev server (npm start)', () => {
  const harness = useDemoPage();
  it('runs every mode with GPU and CPU agreeing, and logs no errors', async () => {
    const { modes, runs } = await everyMode(harness().page);
    expect(modes.length).toBeGreaterThanOrEqual(15);
    for (const r of runs) {
      expect(r.error, r.mode).toBeUndefined();
      expect(r.diffForward!, r.mode).toBeLessThan(TOLERANCE);
      expect(r.diffBackward!, r.mode).toBeLessThan(TOLERANCE);
    }
    expect(harness().errors).toEqual([]);
    expect(harness().warnings).toEqual([]);
  });

  it('leaves a screenshot of each panel', async () => {
    const { page } = harness();
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    for (const id of ['metrics', 'how-it-works', 'gallery', 'roi-gallery', 'shift']) {
      const panel = await page.$(`#${id}`);
      expect(panel, id).not.toBeNull();
      await panel!.screenshot({ path: join(root, 'test-artifacts', `demo-dev-${id}.png`) });
    }
  });

  it('shows RoIAlign on four boxes, GPU and CPU agreeing', async () => {
    const { page } = harness();
    const report = (await page.evaluate('window.roiGallery')) as { boxes: number; ran: string; maxDiff: number | null };
    expect(report.boxes).toBe(4);
    expect(report.ran).toBe('gpu');
    expect(typeof report.maxDiff).toBe('number');
    expect(report.maxDiff!).toBeLessThan(TOLERANCE);
    // The picture with its boxes, then one crop per box.
    expect(await page.$$eval('#roi-gallery canvas', (c) => c.length)).toBe(5);
    expect(harness().errors).toEqual([]);
  });
});

describe('demo page, static build (npm run build)', () => {
  let out = '';
  let browser: Browser;
  let page: Page;
  let close: () => void;
  const errors: string[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'webgpu-pool-demo-'));
    await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    const { server, url } = await serveStatic(out);
    close = () => server.close();
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('console', (m) => ['error', 'warn', 'warning'].includes(m.type()) && errors.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(String(e)));
    // The size the issue asks the page to read well at.
    await page.setViewport({ width: 1280, height: 800 });
    // A sub-path, as from any static host: the build uses relative URLs.
    await page.goto(`${url}/examples/index.html`);
    await page.waitForFunction('window.harnessReady !== undefined', { timeout: 60_000 });
    const ready = await page.evaluate('window.harnessReady');
    if (ready !== true) throw new Error(`demo failed to start: ${ready}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    close?.();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('runs every mode in both layouts with GPU and CPU agreeing', async () => {
    const { runs } = await everyMode(page);
    for (const r of runs) {
      expect(r.error, r.mode).toBeUndefined();
      expect(r.diffForward!, r.mode).toBeLessThan(TOLERANCE);
      expect(r.diffBackward!, r.mode).toBeLessThan(TOLERANCE);
    }
  });

  it('shows the gallery, the shift panel and the GPU and CPU times', async () => {
    // One canvas per mode in the menu (demo-gallery.test.ts checks what they show).
    expect(await page.$$eval('#gallery canvas', (c) => c.length)).toBe(await page.$$eval('#mode option', (o) => o.length));
    expect(await page.$$eval('#shift tr', (r) => r.length)).toBe(8);
    expect(await page.$eval('#gpu-forward', (e) => e.textContent)).toMatch(/ms$/);
    expect(await page.$eval('#cpu-backward', (e) => e.textContent)).toMatch(/ms$/);
  });

  it('shows the engine error next to the controls for invalid settings, and recovers', async () => {
    await page.select('#mode', 'max');
    const before = (await page.evaluate('window.lastRun.run')) as number;
    await page.select('#opt-padding', '2');
    await page.waitForFunction((n: number) => (window as any).lastRun.run > n, {}, before);
    expect(await page.$eval('#error', (e) => e.textContent)).toMatch(/^padding = 2: must be at most half the effective kernel/);
    const again = (await page.evaluate('window.lastRun.run')) as number;
    await page.select('#opt-padding', '1');
    await page.waitForFunction((n: number) => (window as any).lastRun.run > n, {}, again);
    expect(await page.$eval('#error', (e) => e.textContent)).toBe('');
  });

  it('shows where a clicked output cell sends its gradient', async () => {
    await page.select('#mode', 'avg');
    const before = (await page.evaluate('window.lastRun.run')) as number;
    const box = (await (await page.$('#output'))!.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction((n: number) => (window as any).lastRun.run > n, {}, before);
    // The average's clicked-cell gradient covers one window: a few cells, not the whole map.
    const lit = await page.$eval('#click-grad', (c) => {
      const canvas = c as HTMLCanvasElement;
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      // On the diverging map 0 is white: a lit cell is any other colour.
      for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 3 * 255) n++;
      return n;
    });
    expect(lit).toBeGreaterThan(0);
    expect(lit).toBeLessThanOrEqual(9);
  });

  it('fits 1280 pixels without horizontal overflow, labels every control, and leaves screenshots of each panel', async () => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(1280);
    // Every select and input sits in a label (keyboard users and screen readers reach them by name).
    const unlabelled = await page.$$eval('select, input, button', (els) =>
      els.filter((e) => !e.closest('label') && !e.getAttribute('aria-label')).map((e) => e.id),
    );
    expect(unlabelled).toEqual([]);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts', 'demo.png'), fullPage: true });
    for (const id of ['metrics', 'how-it-works', 'gallery', 'roi-gallery', 'shift']) {
      const panel = await page.$(`#${id}`);
      expect(panel, id).not.toBeNull();
      await panel!.screenshot({ path: join(root, 'test-artifacts', `demo-static-${id}.png`) });
    }
  });

  it('logged no errors and no warnings', () => {
    expect(errors).toEqual([]);
  });
});

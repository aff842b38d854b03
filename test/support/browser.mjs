// Starts the real parts every browser test uses: a Vite dev server on a free
// loopback port and headless Chromium with WebGPU, and opens a page from it.
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import puppeteer from 'puppeteer';
import { BROWSER_ARGS, findBrowser } from './find-browser.mjs';
import { compactWgslPlugin } from './compact-wgsl.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A Vite dev server on a free loopback port; `prebundle` lists CommonJS-laden packages the page imports. */
export async function startServer(prebundle = []) {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    plugins: [compactWgslPlugin()],
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    // No discovery: a dependency found late would reload the page mid-test.
    optimizeDeps: { noDiscovery: true, include: prebundle },
  });
  await server.listen();
  const address = server.httpServer.address();
  return { server, url: `http://127.0.0.1:${address.port}` };
}

export async function launchBrowser() {
  const executablePath = findBrowser();
  if (!executablePath) {
    throw new Error('No Chrome or Chromium found: install one (Debian: apt-get install chromium) or set PUPPETEER_EXECUTABLE_PATH');
  }
  // A long protocol timeout: one evaluate call may run a whole benchmark suite.
  return puppeteer.launch({ executablePath, headless: true, args: BROWSER_ARGS, protocolTimeout: 60 * 60_000 });
}

/**
 * Opens `path` (default: the test harness page) and waits until it sets
 * `window.harnessReady` (true, or an error message). Console errors and page
 * errors are collected in `errors`, console warnings in `warnings`.
 */
export async function openPage(path = '/test/browser/harness.html', prebundle = []) {
  const { server, url } = await startServer(prebundle);
  let browser;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage();
    const errors = [];
    const warnings = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      if (m.type() === 'warn' || m.type() === 'warning') warnings.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url + path);
    await page.waitForFunction('window.harnessReady !== undefined', { timeout: 60_000 });
    const ready = await page.evaluate('window.harnessReady');
    if (ready !== true) throw new Error(`harness failed to start: ${ready}`);
    return {
      page,
      url,
      server,
      errors,
      warnings,
      async close() {
        await browser.close();
        await server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}

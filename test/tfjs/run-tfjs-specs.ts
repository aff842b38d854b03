// Runs TensorFlow.js's own jasmine spec files in headless Chromium on TF.js's
// webgpu backend (test/tfjs/jasmine.html) and returns every spec's result.
// Used by test/browser/tfjs-own-tests.test.ts; a TF.js plugin test can call it
// with `setup` (a module that sets window.beforeTfjsSpecs) to be judged by the
// same specs.
import { launchBrowser, startServer } from '../support/browser.mjs';
import type { TfjsResults } from './jasmine-page';

export type { FileSummary, SpecResult, TfjsResults } from './jasmine-page';

/**
 * What Vite prebundles for the page: only tfjs-core's CommonJS dependencies.
 * TF.js itself (tfjs-core, tfjs-backend-webgpu, tfjs-backend-cpu) must NOT be
 * prebundled: the spec files are tfjs-core's dist/ops/*_test.js and import
 * '../index' relative to it, so the page has to run that same unbundled dist/
 * tree; a prebundled '@tensorflow/tfjs-core' would be a second copy beside it.
 * (TF.js keeps its engine and kernel registry on a global, so the specs would
 * even pass with two copies; jasmine-page reports which URLs tfjs-core came
 * from, and the test asserts one.)
 */
export const TFJS_PAGE_PREBUNDLE = ['seedrandom', 'long'];

/** The pooling specs (plus mean and max) this project is judged by: tfjs-core's dist/ops/<name>.js. */
export const TFJS_POOLING_SPEC_FILES = [
  'max_pool_test',
  'avg_pool_test',
  'max_pool_3d_test',
  'avg_pool_3d_test',
  'pool_test',
  'max_pool_with_argmax_test',
  'mean_test',
  'max_test',
] as const;

export interface RunOptions {
  /** Spec file names: tfjs-core dist/ops/<name>.js (or dist/<folder>/<name>.js given as "<folder>/<name>"). */
  files: readonly string[];
  /** A root-relative module the page imports before the specs load, e.g. one that sets window.beforeTfjsSpecs. */
  setup?: string;
  /** The test env's TF.js flags; default (in the page) { WEBGPU_CPU_FORWARD: false }, as TF.js's own webgpu test env. */
  flags?: Record<string, unknown>;
  /** How long to wait for the page's results (ms). */
  timeoutMs?: number;
}

export interface RunOutcome {
  results: TfjsResults;
  /** console.error messages from the page. */
  consoleErrors: string[];
  /** Uncaught page errors. */
  pageErrors: string[];
  /** From navigation to results (module loading included), ms. */
  wallMs: number;
}

/** Starts a Vite server and Chromium, opens one page for all `files`, waits for the results, closes both. */
export async function runTfjsSpecs(options: RunOptions): Promise<RunOutcome> {
  const query = new URLSearchParams({ files: options.files.join(',') });
  if (options.setup) query.set('setup', options.setup);
  if (options.flags) query.set('flags', JSON.stringify(options.flags));
  const { server, url } = await startServer(TFJS_PAGE_PREBUNDLE);
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const t0 = Date.now();
    await page.goto(`${url}/test/tfjs/jasmine.html?${query}`);
    const timeout = options.timeoutMs ?? 540_000;
    await page.waitForFunction('window.tfjsResults !== undefined || window.tfjsError !== undefined', { timeout, polling: 500 });
    const error = await page.evaluate(() => (window as unknown as { tfjsError?: string }).tfjsError);
    if (error !== undefined) throw new Error(`the TF.js jasmine page failed: ${error}`);
    const results = (await page.evaluate(() => (window as unknown as { tfjsResults: TfjsResults }).tfjsResults)) as TfjsResults;
    return { results, consoleErrors, pageErrors, wallMs: Date.now() - t0 };
  } finally {
    await browser?.close();
    await server.close();
  }
}

// Typed access to the browser harness from vitest: one page per test file.
import { afterAll, beforeAll } from 'vitest';
import { openPage } from './browser.mjs';
import type { Page } from 'puppeteer';

export interface HarnessPage {
  page: Page;
  url: string;
  errors: string[];
  /** Console warnings (console.warn), which the demo pages must not log either. */
  warnings: string[];
  close(): Promise<void>;
}

/** The TF.js packages a page imports (CommonJS inside, so the dev server prebundles them). */
export const TFJS_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'];

/** Opens the harness page before the file's tests and closes it after; fails if no WebGPU adapter. */
export function useHarnessPage(path?: string, prebundle: string[] = []): () => HarnessPage {
  let h: HarnessPage | null = null;
  beforeAll(async () => {
    h = (await openPage(path, prebundle)) as HarnessPage;
  });
  afterAll(async () => {
    await h?.close();
  });
  return () => {
    if (!h) throw new Error('harness page did not open');
    return h;
  };
}

/** The demo page from the dev server (`npm start`), which loads TF.js for its timing table. */
export function useDemoPage(): () => HarnessPage {
  return useHarnessPage('/examples/', TFJS_PACKAGES);
}

// Typed access to the browser harness from vitest: one page per test file.
import { afterAll, beforeAll } from 'vitest';
import { openPage } from './browser.mjs';
import type { Page } from 'puppeteer';

export interface HarnessPage {
  page: Page;
  url: string;
  errors: string[];
  close(): Promise<void>;
}

/** Opens the harness page before the file's tests and closes it after; fails if no WebGPU adapter. */
export function useHarnessPage(path?: string): () => HarnessPage {
  let h: HarnessPage | null = null;
  beforeAll(async () => {
    h = (await openPage(path)) as HarnessPage;
  });
  afterAll(async () => {
    await h?.close();
  });
  return () => {
    if (!h) throw new Error('harness page did not open');
    return h;
  };
}

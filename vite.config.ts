import { defineConfig } from 'vitest/config';

export default defineConfig({
  server: { host: '127.0.0.1' },
  test: {
    include: ['test/**/*.test.ts'],
    // Browser suites share one Chromium per file and run GPU work that is slow on a
    // software adapter; files run one at a time so the 2-core machine is not oversubscribed.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

// The benchmark runs, in the page and in Node through Dawn, and reports every
// column for ours, TF.js and the CPU reference. One small configuration, quick
// mode; no timing is asserted.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function bench(extra: string[]) {
  const json = join(mkdtempSync(join(tmpdir(), 'pool-bench-')), 'report.json');
  const run = spawnSync(process.execPath, ['test/bench/run.mjs', '--quick', '--filter', 'global avg 1x2048', '--json', json, ...extra], { encoding: 'utf8', timeout: 240_000 });
  return { run, report: run.status === 0 ? JSON.parse(readFileSync(json, 'utf8')) : null };
}

describe('npm run bench', () => {
  for (const [name, extra] of [['in headless Chromium', []], ['in Node through Dawn (--node)', ['--node']]] as const) {
    it(`runs ${name} and prints the table`, () => {
      const { run, report } = bench([...extra]);
      expect(run.stderr + run.stdout).not.toMatch(/TF\.js failed|did not start/);
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('| config ');
      expect(run.stdout).toContain('copy kernel (roofline');
      expect(report.rows.map((r: any) => `${r.layout} ${r.pass}`)).toEqual(['NCHW forward', 'NHWC forward', 'NCHW backward', 'NHWC backward']);
      for (const row of report.rows) {
        expect(row.oursMs).toBeGreaterThan(0);
        expect(row.cpuMs).toBeGreaterThan(0);
        expect(row.copyGBps).toBeGreaterThan(0);
        expect(row.bytes).toBe(4 * (2048 * 49 + 2048));
        // TF.js pools channels-last only.
        if (row.layout === 'NHWC') expect(row.tfMs).toBeGreaterThan(0);
        else expect(row.tfMs).toBeNull();
      }
    });
  }
});

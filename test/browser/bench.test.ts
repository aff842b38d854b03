// The benchmark runs, in the page and in Node through Dawn, and reports every
// column for ours, TF.js and the CPU reference. One small configuration, quick
// mode; no timing is asserted. Then the integration section alone (--filter
// integration): every row and variant, each checked against the CPU reference.
import { describe, expect, it } from 'vitest';
import { TFJS_KERNELS } from '../../src/tfjs/index';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function bench(extra: string[], filter = 'global avg 1x2048') {
  const json = join(mkdtempSync(join(tmpdir(), 'pool-bench-')), 'report.json');
  const run = spawnSync(process.execPath, ['test/bench/run.mjs', '--quick', '--filter', filter, '--json', json, ...extra], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { run, report: run.status === 0 ? JSON.parse(readFileSync(json, 'utf8')) : null };
}

describe('npm run bench', () => {
  for (const [name, extra] of [
    ['in headless Chromium', []],
    ['in Node through Dawn (--node)', ['--node']],
  ] as const) {
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
        // The float16 column: the same op on float16 tensors, half the bytes.
        expect(row.halfMs).toBeGreaterThan(0);
        expect(row.halfBytes).toBe(2 * (2048 * 49 + 2048));
        expect(row.halfNote).toBe('');
        // TF.js pools channels-last only.
        if (row.layout === 'NHWC') expect(row.tfMs).toBeGreaterThan(0);
        else expect(row.tfMs).toBeNull();
      }
      // The integration section runs only where the filter names it.
      expect(report.integration).toEqual([]);
    });

    it(`runs the integration section ${name} (--filter integration)`, { timeout: 250_000 }, () => {
      const { run, report } = bench([...extra], 'integration');
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain('| variant ');
      expect(report.rows).toEqual([]);
      expect(report.skipped).toEqual([]);
      expect(report.integration.map((r: any) => `${r.layout} ${r.variant}`)).toEqual([
        'NCHW per op',
        'NCHW batch',
        'NCHW first call',
        'NCHW prepare',
        'NCHW first call after prepare',
        'NCHW indices',
        'NCHW indices: false',
        'NHWC indices',
        'NHWC indices: false',
        'NCDHW one binding',
        'NCDHW default limits',
        'NDHWC one binding',
        'NDHWC default limits',
      ]);
      for (const row of report.integration) {
        expect(row.ms).toBeGreaterThan(0);
        // Every variant's result is checked against the CPU reference.
        expect(row.note).not.toMatch(/DIFFER/);
        if (row.speedupOf) expect(row.speedup).toBeGreaterThan(0);
        else expect(row.speedup).toBeNull();
        if (row.bytes !== null) {
          expect(row.gbps).toBeGreaterThan(0);
          expect(row.copyGBps).toBeGreaterThan(0);
        }
      }
      const byVariant = (v: string) => report.integration.filter((r: any) => r.variant === v);
      // 64 ops of 1x64x28x28 floats in and out; maxPool 2x2 of 1x64x112x112 (quick: N=1).
      for (const r of [...byVariant('per op'), ...byVariant('batch')]) expect(r.bytes).toBe(64 * 2 * 4 * 64 * 28 * 28);
      for (const r of byVariant('indices')) expect(r.bytes).toBe(4 * (64 * 112 * 112 + 2 * 64 * 56 * 56));
      for (const r of byVariant('indices: false')) expect(r.bytes).toBe(4 * (64 * 112 * 112 + 64 * 56 * 56));
      for (const r of byVariant('first call')) expect(r.samples).toHaveLength(3);
      // The large volume: 160 MiB in, an eighth of it out with indices, the same outputs chunked on a default-limits device.
      for (const r of [...byVariant('one binding'), ...byVariant('default limits')]) {
        expect(r.bytes).toBe(4 * (40 * 64 * 128 * 128) * (1 + 2 / 8));
        expect(r.note).toMatch(/outputs equal/);
      }
      for (const r of byVariant('default limits')) expect(r.note).toMatch(/^128 MiB bindings: 2 chunks of channels/);
    });
  }

  it('runs the TF.js plugin section in headless Chromium (--filter tfjs): every kernel it registers and the model, each way', { timeout: 250_000 }, () => {
    const { run, report } = bench([], 'tfjs');
    expect(run.status, run.stderr).toBe(0);
    expect(report.skipped).toEqual([]);
    // A row pair for every kernel the plugin registers.
    for (const k of TFJS_KERNELS) {
      const rows = report.integration.filter((r: any) => r.id.startsWith(`tfjs ${k} `));
      expect(
        rows.map((r: any) => r.variant),
        k,
      ).toEqual(['TF.js kernel', 'webgpu-pool/tfjs']);
    }
    const model = report.integration.filter((r: any) => r.id.startsWith('tfjs model'));
    expect(model.map((r: any) => r.variant)).toEqual([
      'inference, TF.js kernels',
      'inference, webgpu-pool/tfjs',
      'train step, TF.js kernels',
      'train step, webgpu-pool/tfjs',
    ]);
    for (const row of report.integration) {
      expect(row.ms).toBeGreaterThan(0);
      // Both ways give the same results.
      expect(row.note).not.toMatch(/DIFFER/);
    }
  });
});

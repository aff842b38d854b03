// The suite of TensorFlow.js's OWN tests, in headless Chromium on TF.js's webgpu backend: the
// published jasmine spec files of tfjs-core 4.22 for pooling (plus mean and max),
// run by test/tfjs/jasmine.html exactly as TF.js runs them (jasmine 5, its
// jasmine_util test env 'webgpu', gradients and chained ops registered). One
// vitest test per spec file: every spec must pass. This is the yardstick for a
// TF.js plugin that replaces TF.js's pooling kernels with this engine's: install
// it through the page's window.beforeTfjsSpecs hook (a `setup` module; here
// TFJS_OWN_TESTS_SETUP=/path/to/module.ts) and the same specs judge it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TFJS_POOLING_SPEC_FILES, runTfjsSpecs, type RunOutcome } from './run-tfjs-specs';

/**
 * Specs allowed to fail: spec full name → reason. Only for a spec that also fails
 * with TF.js's OWN webgpu kernels on this adapter (a TF.js or adapter problem, not
 * ours). Empty: all 222 pass on TF.js's kernels on SwiftShader.
 */
const KNOWN_TFJS_FAILURES: Record<string, string> = {};

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The suite: TF.js's spec files on its webgpu backend, with the kernels a `setup`
 * module installs (none: TF.js's own), every spec passing. With a setup module,
 * each pooling file must also have run some of the installed kernels.
 */
export function defineTfjsOwnTests(SETUP: string | undefined, artifact: string, kernelFiles: readonly string[] = []): void {
  let outcome: RunOutcome | null = null;
  let runError: unknown = null;
  beforeAll(async () => {
    try {
      outcome = await runTfjsSpecs({ files: TFJS_POOLING_SPEC_FILES, setup: SETUP });
    } catch (e) {
      runError = e;
    }
  }, 600_000);

  function run(): RunOutcome {
    if (!outcome) throw new Error(`TF.js's specs did not run: ${(runError as Error)?.stack ?? runError}`);
    return outcome;
  }

  afterAll(() => {
    if (!outcome) return;
    const { results, wallMs } = outcome;
    const total = results.specs.length;
    const passed = results.specs.filter((s) => s.status === 'passed').length;
    console.log(
      `tfjs total: ${total} specs, ${passed} passed, ${results.specs.filter((s) => s.status === 'failed').length} failed; ` +
        `page ${(wallMs / 1000).toFixed(1)} s (TF.js set-up ${(results.timing.setupMs / 1000).toFixed(1)} s, ` +
        `spec imports ${(results.timing.loadMs / 1000).toFixed(1)} s, jasmine ${(results.timing.runMs / 1000).toFixed(1)} s); ` +
        `adapter ${results.info.adapter}; flags ${JSON.stringify(results.info.flags)}${SETUP ? `; setup ${SETUP}` : ''}`,
    );
    // The record: per file, how many specs ran and how long they took; every spec's result.
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    writeFileSync(
      join(root, 'test-artifacts', artifact),
      JSON.stringify(
        {
          setup: SETUP ?? null,
          wallMs,
          timing: results.timing,
          info: results.info,
          summaries: results.summaries,
          errors: results.errors,
          specs: results.specs,
        },
        null,
        2,
      ),
    );
  });

  describe("TensorFlow.js's own tests on its webgpu backend", () => {
    it("runs on TF.js's webgpu backend, with one tfjs-core shared by the page and the spec files", () => {
      const { results, pageErrors } = run();
      expect(results.info.backend).toBe('webgpu');
      expect(results.info.tfVersion).toMatch(/^4\./);
      if (SETUP) expect(results.info.hookRan).toBe(true);
      // One URL per key tfjs-core module, and no bundled copy beside the dist/ tree.
      for (const [name, urls] of Object.entries(results.info.moduleUrls.modules)) expect(urls, `tfjs-core dist/${name}.js`).toHaveLength(1);
      expect(results.info.moduleUrls.bundledCopies).toEqual([]);
      // A second tfjs-core sets the platform again when it loads.
      expect(results.info.warnings.filter((w) => /Platform .* has already been set/.test(w))).toEqual([]);
      expect(results.incompleteReason).toBeNull();
      expect(results.errors.filter((e) => e.startsWith('global:') || e.startsWith('(unknown file)'))).toEqual([]);
      expect(pageErrors).toEqual([]);
    });

    for (const file of TFJS_POOLING_SPEC_FILES) {
      it(`tfjs-core ${file}.js: every spec passes`, () => {
        const { results } = run();
        const summary = results.summaries.find((s) => s.file === file)!;
        const specs = results.specs.filter((s) => s.file === file);
        const failed = specs.filter((s) => s.status === 'failed');
        console.log(
          `tfjs ${file}: ${summary.specs} specs, ${summary.passed} passed, ${summary.failed} failed` +
            `${summary.other ? `, ${summary.other} not run (${[...new Set(specs.filter((s) => s.status !== 'passed' && s.status !== 'failed').map((s) => s.status))].join(', ')})` : ''}` +
            ` in ${(summary.runMs / 1000).toFixed(2)} s (import ${(summary.loadMs / 1000).toFixed(2)} s)`,
        );
        for (const s of failed) if (s.fullName in KNOWN_TFJS_FAILURES) console.log(`  known TF.js failure: ${s.fullName}: ${KNOWN_TFJS_FAILURES[s.fullName]}`);
        // Errors outside specs (the file did not load, a beforeAll/afterAll threw).
        expect(results.errors.filter((e) => e.startsWith(`${file}:`))).toEqual([]);
        expect(summary.specs).toBeGreaterThan(0);
        const failures = failed.filter((s) => !(s.fullName in KNOWN_TFJS_FAILURES)).map((s) => `${s.fullName}: ${s.failures.join(' | ').slice(0, 600)}`);
        // The message lists them (vitest's diff would only count them).
        expect(failures, `${failures.length} of ${file}'s specs failed:\n  ${failures.join('\n  ')}\n`).toEqual([]);
        if (SETUP) {
          console.log(`  kernel calls: ${JSON.stringify(summary.kernelCalls)}`);
          expect(summary.kernelCalls).not.toBeNull();
          const ran = Object.entries(summary.kernelCalls!).filter(([k]) => !k.endsWith('(fallback)'));
          if (kernelFiles.includes(file)) expect(ran.length, `${file}: the installed kernels never ran`).toBeGreaterThan(0);
        }
      });
    }
  });
}

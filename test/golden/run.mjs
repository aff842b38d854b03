// The golden runner (`npm run test:golden`): every case of every *.json in
// ../shared/golden (or $GOLDEN_DIR) through the CPU reference in Node and the GPU
// in headless Chromium, each in both layouts, forward and backward. Then the
// float16 pass: every runnable case again on the GPU, both layouts, with float16
// tensors (inputs rounded to half), compared as golden-ops.ts's float16 section
// says; its summary is the line before the last. The last line it prints is
// `golden: N cases, P passed, F failed, S pending` (CI reads it): a case counts
// as passed there only if it passed in float32 and in float16, so float16
// failures are folded into its failed count (and the exit code).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPage } from '../support/browser.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = resolve(process.env.GOLDEN_DIR ?? join(root, '../shared/golden'));

async function main() {
  if (!existsSync(dir)) throw new Error(`golden folder ${dir} does not exist (set GOLDEN_DIR)`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no *.json golden files in ${dir}`);

  const harness = await openPage();
  const lines = [];
  let total = 0;
  let passed = 0;
  let failed = 0;
  let pending = 0;
  const pendingOps = new Map();
  // Cases (file and position) that failed the float32 pass: a float16 failure of one is not counted twice.
  const failedCases = new Set();
  const half = { total: 0, passed: 0, failed: 0, pending: 0, tie: 0, range: 0 };
  let rule = '';
  try {
    const ops = await harness.server.ssrLoadModule('/test/golden/golden-ops.ts');
    const adapter = await harness.page.evaluate('window.harness.adapter');
    lines.push(`golden: ${dir}; GPU adapter ${JSON.stringify(adapter)}`);
    const parsed = files.map((file) => [file, ops.parseGolden(readFileSync(join(dir, file), 'utf8')).cases]);
    for (const [file, cases] of parsed) {
      const runnable = cases.filter((c) => ops.SUPPORTED_OPS.includes(c.op));
      const gpu = runnable.length ? await harness.page.evaluate((cs) => window.harness.runGoldenCases(cs), runnable) : {};
      const ids = new Set();
      for (const [at, c] of cases.entries()) {
        total++;
        // GPU results are keyed by id: a repeated id would stand for two cases.
        if (ids.has(c.id)) {
          failed++;
          failedCases.add(`${file}#${at}`);
          lines.push(`FAIL ${file} ${c.id}`, `  ${c.id}: id repeated in ${file}`);
          continue;
        }
        ids.add(c.id);
        if (ops.PENDING_OPS.includes(c.op)) {
          pending++;
          pendingOps.set(c.op, (pendingOps.get(c.op) ?? 0) + 1);
          continue;
        }
        const failures = [];
        if (!ops.SUPPORTED_OPS.includes(c.op)) {
          failures.push(`${c.id}: unknown op ${JSON.stringify(c.op)} (neither supported nor listed as pending)`);
        } else {
          for (const last of [false, true]) failures.push(...(await ops.checkGoldenCase(c, 'cpu', last)));
          failures.push(...(gpu[c.id] ?? [`${c.id}: no GPU result`]));
        }
        if (failures.length) {
          failed++;
          failedCases.add(`${file}#${at}`);
          lines.push(`FAIL ${file} ${c.id}`, ...failures.map((f) => `  ${f}`));
        } else {
          passed++;
        }
      }
    }

    // The float16 pass: the GPU only (the reference's float16 semantics are what it
    // falls back to, golden-ops.ts), both layouts.
    rule = ops.FLOAT16_TOLERANCE_RULE;
    for (const [file, cases] of parsed) {
      const runnable = cases.filter((c) => ops.SUPPORTED_OPS.includes(c.op));
      const gpu = runnable.length ? await harness.page.evaluate(([cs, dtype]) => window.harness.runGoldenCases(cs, dtype), [runnable, 'float16']) : {};
      const ids = new Set();
      for (const [at, c] of cases.entries()) {
        half.total++;
        const failures = [];
        if (ids.has(c.id)) {
          failures.push(`${c.id}: id repeated in ${file}`);
        } else if (ops.PENDING_OPS.includes(c.op)) {
          ids.add(c.id);
          half.pending++;
          continue;
        } else if (!ops.SUPPORTED_OPS.includes(c.op)) {
          ids.add(c.id);
          failures.push(`${c.id}: unknown op ${JSON.stringify(c.op)} (neither supported nor listed as pending)`);
        } else {
          ids.add(c.id);
          let how = 'golden';
          try {
            how = ops.float16Comparison(c);
          } catch (e) {
            failures.push(`${c.id}: float16Comparison threw ${e?.stack ?? e}`);
          }
          if (how !== 'golden') half[how]++;
          failures.push(...(gpu[c.id] ?? [`${c.id}: no GPU float16 result`]));
        }
        if (failures.length) {
          half.failed++;
          if (!failedCases.has(`${file}#${at}`)) {
            failedCases.add(`${file}#${at}`);
            passed--;
            failed++;
          }
          lines.push(`FAIL float16 ${file} ${c.id}`, ...failures.map((f) => `  ${f}`));
        } else {
          half.passed++;
        }
      }
    }
    if (harness.errors.length) {
      lines.push('browser console errors:', ...harness.errors.map((e) => `  ${e}`));
      failed++;
    }
  } finally {
    await harness.close();
  }
  for (const line of lines) console.log(line);
  if (pendingOps.size) console.log(`golden: pending ops (not built yet): ${[...pendingOps].map(([op, n]) => `${op} (${n})`).join(', ')}`);
  console.log(
    `golden float16: ${half.total} cases, ${half.passed} passed, ${half.failed} failed, ${half.pending} pending; ` +
      `tolerance widened to ${rule}; ${half.tie + half.range} compared with the reference in float16 ` +
      `(${half.tie} ties from rounding, ${half.range} beyond half range)`,
  );
  console.log(`golden: ${total} cases, ${passed} passed, ${failed} failed, ${pending} pending`);
  return failed === 0 && total > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e?.stack ?? e);
    console.log('golden: 0 cases, 0 passed, 1 failed, 0 pending');
    process.exit(1);
  },
);

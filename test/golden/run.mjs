// The golden runner (`npm run test:golden`): every case of every *.json in
// ../shared/golden (or $GOLDEN_DIR) through the CPU reference in Node and the GPU
// in headless Chromium, each in both layouts, forward and backward. The last
// line it prints is `golden: N cases, P passed, F failed, S pending`.
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
  try {
    const ops = await harness.server.ssrLoadModule('/test/golden/golden-ops.ts');
    const adapter = await harness.page.evaluate('window.harness.adapter');
    lines.push(`golden: ${dir}; GPU adapter ${JSON.stringify(adapter)}`);
    for (const file of files) {
      const { cases } = ops.parseGolden(readFileSync(join(dir, file), 'utf8'));
      const runnable = cases.filter((c) => ops.SUPPORTED_OPS.includes(c.op));
      const gpu = runnable.length ? await harness.page.evaluate((cs) => window.harness.runGoldenCases(cs), runnable) : {};
      const ids = new Set();
      for (const c of cases) {
        total++;
        // GPU results are keyed by id: a repeated id would stand for two cases.
        if (ids.has(c.id)) {
          failed++;
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
          lines.push(`FAIL ${file} ${c.id}`, ...failures.map((f) => `  ${f}`));
        } else {
          passed++;
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

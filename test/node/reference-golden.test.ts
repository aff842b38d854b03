// The CPU reference against PyTorch's golden results, in Node (the golden runner
// checks the GPU too).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkGoldenCase, parseGolden, SUPPORTED_OPS, PENDING_OPS } from '../golden/golden-ops';

const dir = resolve(process.env.GOLDEN_DIR ?? join(fileURLToPath(new URL('../..', import.meta.url)), '../shared/golden'));
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => parseGolden(readFileSync(join(dir, f), 'utf8')).cases);

describe('CPU reference against the golden files', () => {
  it('finds golden cases, every one of a known op', () => {
    expect(cases.length).toBeGreaterThan(0);
    const unknown = cases.filter((c) => !(SUPPORTED_OPS as readonly string[]).includes(c.op) && !PENDING_OPS.includes(c.op));
    expect(unknown.map((c) => `${c.id}: ${c.op}`)).toEqual([]);
  });
  const runnable = cases.filter((c) => (SUPPORTED_OPS as readonly string[]).includes(c.op));
  it.each(runnable.map((c) => [c.id, c] as const))('%s', async (_, c) => {
    const failures = [...(await checkGoldenCase(c, 'cpu', false)), ...(await checkGoldenCase(c, 'cpu', true))];
    expect(failures).toEqual([]);
  });
});

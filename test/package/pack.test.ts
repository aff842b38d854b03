// The package as a user gets it: build, `npm pack`, install the tarball into a
// fresh project outside the repository, and there type-check a TypeScript file,
// run max pooling forward and backward in Node on Dawn, and bundle a page with
// Vite that does the same in headless Chromium — each against the CPU reference.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.mjs';
import { serveStatic } from '../support/static-server';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let project = '';

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

const USE = `
import { createPoolEngine, reference, PoolError, type MaxPoolOptions, type PoolTensor } from 'webgpu-pool';

export async function check(engine: Awaited<ReturnType<typeof createPoolEngine>>): Promise<number> {
  const options: MaxPoolOptions = { kernel: 3, stride: 2, padding: 1 };
  const shape = [2, 3, 9, 10];
  const data = Float32Array.from({ length: 2 * 3 * 9 * 10 }, (_, i) => Math.sin(i * 0.7));
  const x: PoolTensor<'float32'> = engine.tensor(data, shape);
  const { output, indices } = engine.maxPool(x, options);
  const ones = engine.tensor(new Float32Array(output.size).fill(1), output.shape);
  const grad = engine.maxPoolBackward(ones, x, indices, options);
  const hx = reference.hostTensor(data, shape);
  const want = reference.maxPool(hx, options);
  const wantGrad = reference.maxPoolBackward(reference.hostTensor(new Float32Array(output.size).fill(1), want.output.shape), hx, want.indices, options);
  const got = await output.read();
  const gotGrad = await grad.read();
  let worst = got.length === want.output.data.length && gotGrad.length === wantGrad.data.length ? 0 : Infinity;
  got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want.output.data[i]))));
  gotGrad.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - wantGrad.data[i]))));
  try {
    engine.maxPool(x, { kernel: 0 });
    worst = Infinity;
  } catch (e) {
    if (!(e instanceof PoolError)) worst = Infinity;
  }
  return worst;
}
`;

describe('npm package', () => {
  beforeAll(() => {
    run('npm', ['run', 'build:lib'], repo);
    project = mkdtempSync(join(tmpdir(), 'webgpu-pool-user-'));
    const packed = run('npm', ['pack', '--pack-destination', project, '--json'], repo);
    const tarball = join(project, JSON.parse(packed)[0].filename);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
    run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], project);
    // The user's own tools, taken from this repository's install to stay offline.
    for (const tool of ['typescript', 'vite', 'webgpu', '@webgpu/types']) {
      const target = join(project, 'node_modules', tool);
      mkdirSync(join(target, '..'), { recursive: true });
      if (!existsSync(target)) symlinkSync(join(repo, 'node_modules', tool), target, 'dir');
    }
  }, 240_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('contains only what a user needs', () => {
    const files = readdirSync(join(project, 'node_modules', 'webgpu-pool'), { recursive: true }) as string[];
    expect(files).toContain('README.md');
    expect(files).toContain(join('dist', 'index.js'));
    expect(files).toContain(join('dist', 'types', 'index.d.ts'));
    expect(files.filter((f) => /^(src|test|shaders|examples|node_modules)\b/.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'webgpu-pool', 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.sideEffects).toBe(false);
  });

  it('type-checks a TypeScript file that uses the public API', () => {
    writeFileSync(join(project, 'use.ts'), USE);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          skipLibCheck: true,
          outDir: 'out',
          lib: ['ES2022', 'DOM'],
          types: ['@webgpu/types'],
        },
        files: ['use.ts'],
      }),
    );
    // Type-checks, and compiles use.ts to out/use.js for the Node and page runs below.
    run('node', [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
    expect(existsSync(join(project, 'out', 'use.js'))).toBe(true);
  });

  it('pools forward and backward in Node through webgpu (Dawn), matching the CPU reference', () => {
    writeFileSync(
      join(project, 'node-run.mjs'),
      `import { createPoolEngine } from 'webgpu-pool';
import { check } from './out/use.js';
const { create } = await import('webgpu');
const gpu = create([]);
const engine = await createPoolEngine({ gpu });
console.log('worst', await check(engine));
engine.destroy();
`,
    );
    const env: Record<string, string> = {};
    const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
    if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) env.VK_ICD_FILENAMES = swiftshader;
    const out = run('node', ['node-run.mjs'], project, env);
    const worst = Number(/worst (\S+)/.exec(out)?.[1]);
    expect(worst).toBeLessThan(1e-6);
  });

  it('bundles a page with Vite that pools in headless Chromium, matching the CPU reference', async () => {
    writeFileSync(
      join(project, 'index.html'),
      '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script type="module" src="./page.mjs"></script></body></html>',
    );
    writeFileSync(
      join(project, 'page.mjs'),
      `import { createPoolEngine } from 'webgpu-pool';
import { check } from './out/use.js';
createPoolEngine().then(check).then((worst) => (window.result = worst), (e) => (window.result = String(e)));
`,
    );
    run('node', [join(project, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], project);
    const { server, url } = await serveStatic(join(project, 'dist'));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e: unknown) => errors.push(String(e)));
      await page.goto(url);
      await page.waitForFunction('window.result !== undefined', { timeout: 60_000 });
      const result = await page.evaluate('window.result');
      expect(errors).toEqual([]);
      expect(typeof result).toBe('number');
      expect(result as number).toBeLessThan(1e-6);
    } finally {
      await browser.close();
      server.close();
    }
  });
});

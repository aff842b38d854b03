// The package as a user gets it: build, `npm pack`, install the tarball into a
// fresh project outside the repository, and there type-check a TypeScript file
// (moduleResolution bundler, nodenext and node16 with skipLibCheck off; without the
// DOM lib through @webgpu/types), run max pooling forward and backward in Node on Dawn, and bundle a
// page with Vite that does the same in headless Chromium — each against the CPU
// reference; then bundle a page that imports only webgpu-pool/reference and one
// that imports the engine, and compare them (no WGSL in the first); and measure
// what a page that loads only the window kernels fetches against one that loads
// every family (kernel families are chunks fetched on demand).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
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
import { createPoolEngine, reference, PoolError, type MaxPoolOptions, type PoolStats, type PoolTensor } from 'webgpu-pool';
import * as cpu from 'webgpu-pool/reference';
import * as onnx from 'webgpu-pool/onnx';

// stats() is typed with all four fields, no more, no fewer.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const statsTyped: Same<ReturnType<Awaited<ReturnType<typeof createPoolEngine>>['stats']>, PoolStats> &
  Same<PoolStats, { buffers: number; bytes: number; pooledBuffers: number; pooledBytes: number }> = true;

/** The subpath's reference is the package's: the same functions, and PoolError is one class. */
export function sameReference(): boolean {
  let thrown: unknown;
  try {
    cpu.maxPool(cpu.hostTensor(new Float32Array(4), [1, 1, 2, 2]), { kernel: 0 });
  } catch (e) {
    thrown = e;
  }
  return cpu.maxPool === reference.maxPool && cpu.roiAlign === reference.roiAlign && thrown instanceof PoolError;
}

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
  // webgpu-pool/onnx on the same engine: ONNX's MaxPool with flat indices (one batch item's plane offsets added).
  const viaOnnx = onnx.MaxPool(engine, x, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { indices: true });
  const onnxY = await viaOnnx.Y.read();
  const onnxI = await onnx.readInt64(viaOnnx.Indices!);
  const plane = 9 * 10;
  const perPlane = want.output.data.length / 6;
  onnxY.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want.output.data[i]))));
  onnxI.forEach((v, i) => (worst = Number(v) === Math.floor(i / perPlane) * plane + want.indices.data[i] ? worst : Infinity));
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
    expect(files).toContain(join('dist', 'reference.js'));
    expect(files).toContain(join('dist', 'types', 'reference', 'index.d.ts'));
    expect(files).toContain('CHANGELOG.md');
    expect(files.filter((f) => /^(src|test|shaders|examples|scripts|node_modules)\b/.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'webgpu-pool', 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.exports['./reference']).toEqual({ types: './dist/types/reference/index.d.ts', import: './dist/reference.js' });
    expect(pkg.exports['./onnx']).toEqual({ types: './dist/types/onnx/index.d.ts', import: './dist/onnx.js' });
    expect(pkg.exports['./tfjs']).toEqual({ types: './dist/types/tfjs/index.d.ts', import: './dist/tfjs.js' });
    expect(files).toContain(join('dist', 'tfjs.js'));
    // The plugin takes TF.js from its caller: no TF.js inside it.
    expect(readFileSync(join(project, 'node_modules', 'webgpu-pool', 'dist', 'tfjs.js'), 'utf8')).not.toMatch(/(from|import\()\s*['"]@tensorflow/);
    expect(files).toContain(join('dist', 'onnx.js'));
    expect(files).toContain(join('dist', 'types', 'onnx', 'index.d.ts'));
    // WebGPU's types come from the DOM lib or from an optional peer: declared, never installed for the user.
    expect(Object.keys(pkg.peerDependencies)).toEqual(['@webgpu/types']);
    expect(pkg.peerDependenciesMeta['@webgpu/types']).toEqual({ optional: true });
    // The shipped declarations: every relative specifier with its extension, no vite
    // types, and no triple-slash reference (one to @webgpu/types fails a DOM consumer
    // with skipLibCheck off: TS2688 without it, duplicates against lib.dom with it).
    const types = join(project, 'node_modules', 'webgpu-pool', 'dist', 'types');
    const declarations = files.filter((f) => f.endsWith('.d.ts')).map((f) => readFileSync(join(project, 'node_modules', 'webgpu-pool', f), 'utf8'));
    const specifiers = declarations.flatMap((text) => [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']*)'/g)].map((m) => m[1]));
    expect(specifiers.length).toBeGreaterThan(50);
    expect(specifiers.filter((x) => !x.endsWith('.js'))).toEqual([]);
    expect(declarations.filter((text) => /vite/.test(text))).toEqual([]);
    expect(declarations.filter((text) => text.includes('/// <reference'))).toEqual([]);
    expect(readFileSync(join(types, 'engine.d.ts'), 'utf8')).toMatch(
      /interface PoolStats \{[^}]*\bbuffers: number;[^}]*\bbytes: number;[^}]*\bpooledBuffers: number;[^}]*\bpooledBytes: number;/,
    );
  });

  const tsc = (config: string) => run('node', [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(project, config)], project);

  it('type-checks a TypeScript file that uses the public API (moduleResolution bundler, DOM lib, skipLibCheck off)', () => {
    writeFileSync(join(project, 'use.ts'), USE);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          skipLibCheck: false,
          outDir: 'out',
          lib: ['ES2022', 'DOM'],
          types: [],
        },
        files: ['use.ts'],
      }),
    );
    // Type-checks, and compiles use.ts to out/use.js for the Node and page runs below.
    tsc('tsconfig.json');
    expect(existsSync(join(project, 'out', 'use.js'))).toBe(true);
  });

  const config = (name: string, options: object, files: string[]) =>
    writeFileSync(
      join(project, name),
      JSON.stringify({ compilerOptions: { target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, types: [], ...options }, files }),
    );

  it('type-checks it under moduleResolution nodenext and node16 (DOM lib, skipLibCheck off)', () => {
    for (const mode of ['NodeNext', 'Node16']) {
      config(`tsconfig.${mode}.json`, { module: mode, moduleResolution: mode, lib: ['ES2022', 'DOM'] }, ['use.ts']);
      tsc(`tsconfig.${mode}.json`);
    }
  });

  it('type-checks it under nodenext without the DOM lib, WebGPU types from @webgpu/types', () => {
    const options = { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['@webgpu/types'] };
    config('tsconfig.nodom.json', { ...options, skipLibCheck: true }, ['use.ts']);
    tsc('tsconfig.nodom.json');
    // With skipLibCheck off, @webgpu/types' own file needs DOM names (EventTarget,
    // HTMLImageElement, …) that no lib but DOM declares: those are its errors, not
    // ours. Nothing in webgpu-pool's declarations or the user's file may fail.
    config('tsconfig.nodom-strict.json', options, ['use.ts']);
    let errors: string[] = [];
    try {
      tsc('tsconfig.nodom-strict.json');
    } catch (e) {
      errors = String(e)
        .split('\n')
        .filter((line) => /error TS\d+/.test(line));
    }
    console.log(`nodenext, lib ES2022 + @webgpu/types, skipLibCheck off: ${errors.length} errors, all in @webgpu/types' own declarations`);
    expect(errors.filter((line) => !/node_modules\/@webgpu\/types\/dist\/index\.d\.ts\(/.test(line))).toEqual([]);
  });

  it('type-checks a reference-only file under nodenext with neither the DOM lib nor @webgpu/types', () => {
    writeFileSync(
      join(project, 'use-reference.ts'),
      `import { hostTensor, maxPool, roiAlign, type HostTensor } from 'webgpu-pool/reference';
const x: HostTensor = hostTensor(new Float32Array(16), [1, 1, 4, 4]);
export const pooled: HostTensor = maxPool(x, { kernel: 2 }).output;
export const aligned: HostTensor = roiAlign(x, hostTensor(new Float32Array([0, 0, 0, 3, 3]), [1, 5]), { outputSize: 2 });
`,
    );
    config('tsconfig.reference.json', { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'] }, ['use-reference.ts']);
    config('tsconfig.reference-bundler.json', { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022'] }, ['use-reference.ts']);
    tsc('tsconfig.reference.json');
    tsc('tsconfig.reference-bundler.json');
  });

  it('pools forward and backward in Node through webgpu (Dawn), matching the CPU reference', () => {
    writeFileSync(
      join(project, 'node-run.mjs'),
      `import { createPoolEngine } from 'webgpu-pool';
import { check, sameReference } from './out/use.js';
import { maxPool, hostTensor } from 'webgpu-pool/reference';
console.log('same', sameReference(), maxPool(hostTensor(new Float32Array([1, 5, 3, 2]), [1, 1, 2, 2]), { kernel: 2 }).output.data[0]);
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
    expect(out).toContain('same true 5');
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

  it('bundles a max-pooling page that loads only the window kernels and fetches measurably less than one that loads every family', async () => {
    const page = (kernels: string) => `import { createPoolEngine, reference } from 'webgpu-pool';
createPoolEngine(${kernels}).then(async (engine) => {
  const data = Float32Array.from({ length: 2 * 3 * 9 * 10 }, (_, i) => Math.sin(i * 0.7));
  const got = await engine.maxPool(engine.tensor(data, [2, 3, 9, 10]), { kernel: 3, stride: 2 }).output.read();
  const want = reference.maxPool(reference.hostTensor(data, [2, 3, 9, 10]), { kernel: 3, stride: 2 }).output.data;
  let refused = 'ran';
  try {
    engine.roiAlign(engine.tensor(data, [2, 3, 9, 10]), { data: [0, 1, 1, 5, 5], shape: [1, 5] }, { outputSize: 2 });
  } catch (e) {
    refused = e.code;
  }
  window.result = { worst: Math.max(...got.map((v, i) => Math.abs(v - want[i]))), refused };
}, (e) => (window.result = String(e)));
`;
    const fetched: Record<string, { bytes: number; text: string; result: unknown }> = {};
    const browser = await launchBrowser();
    try {
      for (const [name, kernels] of Object.entries({ window: "{ kernels: ['window'] }", all: '' })) {
        const root = join(project, `families-${name}`);
        mkdirSync(root, { recursive: true });
        writeFileSync(
          join(root, 'index.html'),
          '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script type="module" src="./main.mjs"></script></body></html>',
        );
        writeFileSync(join(root, 'main.mjs'), page(kernels));
        run('node', [join(project, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', root, '--outDir', join(root, 'dist'), '--logLevel', 'error'], project);
        const { server, url } = await serveStatic(join(root, 'dist'));
        try {
          const tab = await browser.newPage();
          const bodies: Promise<string>[] = [];
          tab.on('response', (r) => {
            if (r.url().endsWith('.js')) bodies.push(r.text());
          });
          await tab.goto(url);
          await tab.waitForFunction('window.result !== undefined', { timeout: 60_000 });
          const result = await tab.evaluate('window.result');
          const texts = await Promise.all(bodies);
          fetched[name] = { bytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0), text: texts.join('\n'), result };
          await tab.close();
        } finally {
          server.close();
        }
      }
    } finally {
      await browser.close();
    }
    console.log(`minified JavaScript fetched: max pooling with kernels ['window'] ${fetched.window.bytes} bytes, every family ${fetched.all.bytes} bytes`);
    expect(fetched.window.result).toEqual({ worst: 0, refused: 'KERNELS_NOT_LOADED' });
    expect(fetched.all.result).toEqual({ worst: 0, refused: 'ran' });
    // The window page never fetched another family's WGSL; the other page fetched the region kernels.
    expect(fetched.window.text).toContain('window_forward');
    expect(fetched.window.text).not.toMatch(/struct RoiReach|struct Partial4|struct BinnedParams/);
    expect(fetched.all.text).toContain('struct RoiReach');
    expect(fetched.window.bytes).toBeLessThan(fetched.all.bytes * 0.9);
  }, 180_000);

  it('bundles a reference-only page without any WGSL, much smaller than an engine page', () => {
    const pages = {
      reference: `import * as reference from 'webgpu-pool/reference';
const x = reference.hostTensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)), [1, 1, 8, 8]);
window.result = reference.maxPool(x, { kernel: 2 }).output.data;
`,
      engine: `import { createPoolEngine } from 'webgpu-pool';
createPoolEngine().then(async (engine) => {
  const x = engine.tensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)), [1, 1, 8, 8]);
  window.result = await engine.maxPool(x, { kernel: 2 }).output.read();
});
`,
    };
    const bytes: Record<string, number> = {};
    const code: Record<string, string> = {};
    for (const [name, source] of Object.entries(pages)) {
      const root = join(project, `size-${name}`);
      mkdirSync(root, { recursive: true });
      writeFileSync(
        join(root, 'index.html'),
        '<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module" src="./main.mjs"></script></body></html>',
      );
      writeFileSync(join(root, 'main.mjs'), source);
      run('node', [join(project, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', root, '--outDir', join(root, 'dist'), '--logLevel', 'error'], project);
      const js = (readdirSync(join(root, 'dist'), { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
      code[name] = js.map((f) => readFileSync(join(root, 'dist', f), 'utf8')).join('\n');
      bytes[name] = js.reduce((sum, f) => sum + statSync(join(root, 'dist', f)).size, 0);
    }
    console.log(`minified bundles: reference-only page ${bytes.reference} bytes, engine page ${bytes.engine} bytes`);
    expect(code.engine).toContain('@compute');
    expect(code.reference).not.toMatch(/@compute|@workgroup_size|var<storage/);
    expect(bytes.reference).toBeLessThan(bytes.engine / 5);
  }, 120_000);
});

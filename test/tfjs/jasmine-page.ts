// The page tfjs-own-tests.test.ts drives: TensorFlow.js's OWN jasmine spec files
// (tfjs-core's dist/ops/*_test.js, as published) run in this page on TF.js's
// webgpu backend, so kernels installed through `window.beforeTfjsSpecs` (a plugin
// replacing TF.js's pooling kernels) are judged by TF.js's tests.
//
// One tfjs-core instance: the spec files import '../index', '../jasmine_util' and
// '../test_util' relative to node_modules/@tensorflow/tfjs-core/dist/ops/, so the
// page must use that same, unbundled dist/ tree. The test serves TF.js unbundled
// (only its CommonJS dependencies seedrandom and long are prebundled; see
// run-tfjs-specs.ts); Vite then resolves '@tensorflow/tfjs-core' here and '../index'
// there to one URL. `moduleUrls` in the results lists the URLs the key tfjs-core
// modules were loaded from: one URL each, and no bundled copy, means one instance.
//
// Classic scripts in jasmine.html have already loaded jasmine-core 5 (jasmine.js,
// jasmine-html.js, boot0.js: the env and the describe/it/expect globals) and
// given `window.require` a shim that returns `jasmineRequire` (jasmine_util calls
// require('jasmine-core/...') at load).
import * as tf from '@tensorflow/tfjs-core';
// Registers the 'webgpu' backend and its kernels with that tfjs-core.
import '@tensorflow/tfjs-backend-webgpu';
// What TF.js's own test set-up (tfjs-backend-webgpu/src/setup_test.ts) imports: the
// gradients (the specs test tf.grad of pooling) and the chained ops (x.maxPool(...)).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { setTestEnvs } from '@tensorflow/tfjs-core/dist/jasmine_util';

/**
 * A spec file's URL: tfjs-core's dist/<name>.js, dist/ops/ when the name has no
 * folder (?files=max_pool_test → dist/ops/max_pool_test.js). Imported by URL, as
 * published: Vite puts the same version query (?v=<browserHash>) on every import
 * that resolves into node_modules, so the file's '../index' is the very module
 * '@tensorflow/tfjs-core' is above (moduleUrls checks it).
 */
export function specUrl(name: string): string {
  if (!/^[a-z0-9_]+(\/[a-z0-9_]+)*_test$/.test(name)) throw new Error(`not a tfjs-core spec file name: ${name}`);
  return `/node_modules/@tensorflow/tfjs-core/dist/${name.includes('/') ? name : `ops/${name}`}.js`;
}

/**
 * TF.js's own webgpu test env (tfjs-backend-webgpu's backend_webgpu_test_registry):
 * WEBGPU_CPU_FORWARD off, so small ops whose inputs are on the CPU (max's reduce,
 * among others) run on the GPU, not on TF.js's CPU kernels. `?flags={}` drops it.
 */
const DEFAULT_FLAGS: Record<string, unknown> = { WEBGPU_CPU_FORWARD: false };

/** Per-spec timeout: SwiftShader is slow, and some specs compile many pipelines. */
const SPEC_TIMEOUT_MS = 60_000;

export interface SpecResult {
  /** The spec file that defined it (the top-level describe it sits in). */
  file: string;
  fullName: string;
  status: string; // 'passed' | 'failed' | 'pending' | 'excluded' | ...
  failures: string[];
  durationMs: number | null;
}

export interface FileSummary {
  file: string;
  specs: number;
  passed: number;
  failed: number;
  other: number;
  /** Spec run time: from its first spec's start to its last spec's end (ms). */
  runMs: number;
  /** The time to import (evaluate) the spec file, in ms. */
  loadMs: number;
  /** Kernel calls a set-up module counted during the file's specs, by kernel (window.tfjsKernelCounts), or null without one. */
  kernelCalls: Record<string, number> | null;
}

export interface TfjsResults {
  files: string[];
  specs: SpecResult[];
  summaries: FileSummary[];
  /** Errors outside a spec: a spec file that did not load, an afterAll that threw, a global error. */
  errors: string[];
  overallStatus: string;
  incompleteReason: string | null;
  /** Whole page timing (ms): set-up (TF.js backend, hook), spec file imports, jasmine run. */
  timing: { setupMs: number; loadMs: number; runMs: number };
  info: {
    backend: string;
    tfVersion: string;
    flags: Record<string, unknown>;
    adapter: string;
    hookRan: boolean;
    warnings: string[];
    /** Where tfjs-core came from: more than one URL for a module, or a bundled copy, means two instances. */
    moduleUrls: { modules: Record<string, string[]>; bundledCopies: string[] };
  };
}

type Win = typeof window & {
  jasmine: any;
  beforeTfjsSpecs?: (tfjs: typeof tf) => unknown;
  /** Set by a set-up module that replaces kernels: its running count of calls, by kernel. */
  tfjsKernelCounts?: () => Record<string, number>;
  tfjsResults?: TfjsResults;
  tfjsError?: string;
  pageWarnings: string[];
};
const win = window as Win;

function status(text: string) {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

/**
 * Where tfjs-core was loaded from (resource timing sees every module fetch): each
 * key dist/ module's distinct URLs (one each: one instance of the unbundled tree),
 * and any bundled copy (Vite's prebundle, a tf-core*.js bundle), which would be a
 * second instance beside the tree the spec files import.
 */
function moduleUrls(): { modules: Record<string, string[]>; bundledCopies: string[] } {
  const keys = ['index', 'engine', 'tensor', 'kernel_registry', 'jasmine_util', 'test_util'];
  const modules: Record<string, string[]> = {};
  for (const key of keys) modules[key] = [];
  const bundledCopies: string[] = [];
  for (const e of performance.getEntriesByType('resource')) {
    const m = /\/@tensorflow\/tfjs-core\/dist\/([a-z_]+)\.js(\?|$)/.exec(e.name);
    if (m && m[1] in modules && !modules[m[1]].includes(e.name)) modules[m[1]].push(e.name);
    if (/\.vite\/deps\/[^?]*tfjs|\/tf-core[\w.]*\.js/.test(e.name) && !bundledCopies.includes(e.name)) bundledCopies.push(e.name);
  }
  return { modules, bundledCopies };
}

async function run(): Promise<TfjsResults> {
  const params = new URLSearchParams(location.search);
  const files = (params.get('files') ?? '')
    .split(',')
    .map((s) => s.trim().replace(/\.js$/, ''))
    .filter(Boolean);
  if (!files.length) throw new Error('no spec files: give ?files=max_pool_test,avg_pool_test (tfjs-core dist/ops/ names)');
  const urls = files.map(specUrl);
  const flags: Record<string, unknown> = params.has('flags') ? JSON.parse(params.get('flags')!) : DEFAULT_FLAGS;

  const t0 = performance.now();
  status('starting TF.js webgpu');
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: this browser has no WebGPU');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null: no WebGPU adapter');
  const adapterInfo = adapter.info ? `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim() : '';
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed: TF.js could not start its WebGPU backend");
  await tf.ready();
  const backend = tf.getBackend();

  // An optional set-up module (?setup=/test/.../x.ts), e.g. one that defines the
  // hook. Root-relative, so Vite serves and rewrites it like any page module.
  const setup = params.get('setup');
  if (setup) await import(/* @vite-ignore */ setup);
  // The plugin's entry point: runs after TF.js's webgpu backend is up and before any
  // spec file loads. NOTE: each describeWithFlags block's beforeAll calls
  // ENGINE.reset() and then setBackend('webgpu') again: TF.js flags are reset and a
  // new WebGPUBackend (with a new GPUDevice) is made per block; the kernel registry
  // (tf.registerKernel) survives.
  const hookRan = typeof win.beforeTfjsSpecs === 'function';
  if (hookRan) await win.beforeTfjsSpecs!(tf);

  // Before the spec files load: describeWithFlags reads the envs when a file is evaluated.
  setTestEnvs([{ name: 'webgpu', backendName: 'webgpu', flags: flags as never, isDataSync: true }]);
  const setupMs = performance.now() - t0;

  const jasmine = win.jasmine;
  const env = jasmine.getEnv();
  jasmine.DEFAULT_TIMEOUT_INTERVAL = SPEC_TIMEOUT_MS;
  env.configure({ random: false, stopOnSpecFailure: false, stopSpecOnExpectationFailure: false, autoCleanClosures: true });

  // Load the files one by one; the top-level suites each adds are that file's.
  const errors: string[] = [];
  const fileOfTopSuite = new Map<string, string>();
  const loadMsOf = new Map<string, number>();
  const tLoad = performance.now();
  for (const [i, file] of files.entries()) {
    status(`loading ${file}`);
    const before = new Set<string>(env.topSuite().children.map((c: { id: string }) => c.id));
    const t = performance.now();
    try {
      await import(/* @vite-ignore */ urls[i]);
    } catch (e) {
      errors.push(`${file}: failed to load: ${(e as Error)?.stack ?? e}`);
    }
    loadMsOf.set(file, performance.now() - t);
    for (const c of env.topSuite().children as { id: string }[]) if (!before.has(c.id)) fileOfTopSuite.set(c.id, file);
  }
  const loadMs = performance.now() - tLoad;

  // A custom reporter: every spec's full name, status and failed expectation messages.
  const parentOf = new Map<string, string | null>();
  const fileOf = (suiteId: string | null): string => {
    let id = suiteId;
    while (id != null && !fileOfTopSuite.has(id)) id = parentOf.get(id) ?? null;
    return id == null ? '(unknown file)' : fileOfTopSuite.get(id)!;
  };
  const specs: SpecResult[] = [];
  const span = new Map<string, { start: number; end: number }>();
  let specStart = 0;
  const counts = () => win.tfjsKernelCounts?.() ?? null;
  let countsAtStart = counts();
  const callsOf = new Map<string, Record<string, number>>();
  const messages = (list: { message: string; stack?: string }[] | undefined) => (list ?? []).map((f) => f.message);
  env.addReporter({
    suiteStarted(r: { id: string; parentSuiteId: string | null }) {
      parentOf.set(r.id, r.parentSuiteId ?? null);
    },
    specStarted() {
      specStart = performance.now();
      countsAtStart = counts();
    },
    specDone(r: { fullName: string; status: string; parentSuiteId: string | null; failedExpectations: { message: string }[]; duration?: number | null }) {
      const file = fileOf(r.parentSuiteId);
      const now = performance.now();
      const end = counts();
      if (end && countsAtStart) {
        const sum = callsOf.get(file) ?? {};
        for (const [k, n] of Object.entries(end)) {
          const d = n - (countsAtStart[k] ?? 0);
          if (d > 0) sum[k] = (sum[k] ?? 0) + d;
        }
        callsOf.set(file, sum);
      }
      const s = span.get(file);
      span.set(file, { start: s?.start ?? specStart, end: now });
      specs.push({ file, fullName: r.fullName, status: r.status, failures: messages(r.failedExpectations), durationMs: r.duration ?? now - specStart });
      status(`${specs.length} specs done: ${r.fullName}`);
    },
    suiteDone(r: { id: string; fullName: string; failedExpectations: { message: string }[] }) {
      // Errors in beforeAll/afterAll are reported on the suite.
      for (const m of messages(r.failedExpectations)) errors.push(`${fileOf(r.id)}: suite "${r.fullName}": ${m}`);
    },
  });

  status('running');
  const tRun = performance.now();
  const done: { overallStatus: string; incompleteReason?: string; failedExpectations?: { message: string }[] } = await env.execute();
  const runMs = performance.now() - tRun;
  for (const m of messages(done.failedExpectations)) errors.push(`global: ${m}`);

  const summaries: FileSummary[] = files.map((file) => {
    const mine = specs.filter((s) => s.file === file);
    const passed = mine.filter((s) => s.status === 'passed').length;
    const failed = mine.filter((s) => s.status === 'failed').length;
    const s = span.get(file);
    return {
      file,
      specs: mine.length,
      passed,
      failed,
      other: mine.length - passed - failed,
      runMs: s ? s.end - s.start : 0,
      loadMs: loadMsOf.get(file) ?? 0,
      kernelCalls: win.tfjsKernelCounts ? (callsOf.get(file) ?? {}) : null,
    };
  });
  return {
    files,
    specs,
    summaries,
    errors,
    overallStatus: done.overallStatus,
    incompleteReason: done.incompleteReason ?? null,
    timing: { setupMs, loadMs, runMs },
    info: { backend, tfVersion: tf.version_core, flags, adapter: adapterInfo, hookRan, warnings: win.pageWarnings, moduleUrls: moduleUrls() },
  };
}

run().then(
  (r) => {
    status(`done: ${r.specs.length} specs, ${r.specs.filter((s) => s.status === 'failed').length} failed`);
    win.tfjsResults = r;
  },
  (e) => {
    const msg = String((e as Error)?.stack ?? e);
    status(`error: ${msg}`);
    win.tfjsError = msg;
  },
);

// Kernel families: the WGSL of each family is a chunk of its own, loaded once per
// page (or Node process) by loadKernels before an engine runs that family's ops.
// createPoolEngine loads every family unless told `kernels`; an app that pools
// only with windows passes `kernels: ['window']` and never downloads the rest.
// Each op names the families its kernels come from, so a call whose kernels are
// not loaded fails with a PoolError before any GPU work.
import { PoolError } from './errors';
import { addShaderFiles, type KernelFamily } from './shaders';

export type { KernelFamily };

/** Every family, in the order loadKernels loads them by default. */
export const KERNEL_FAMILIES: readonly KernelFamily[] = ['window', 'global', 'adaptive', 'unpool', 'fractional', 'region'];

// One dynamic import per family: the bundler makes each a chunk (shared files, such as
// binned_params.wgsl in global and adaptive, land in a chunk both import).
const CHUNKS: Record<KernelFamily, () => Promise<{ default: Record<string, string> }>> = {
  window: () => import('./kernel-files/window'),
  global: () => import('./kernel-files/global'),
  adaptive: () => import('./kernel-files/adaptive'),
  unpool: () => import('./kernel-files/unpool'),
  fractional: () => import('./kernel-files/fractional'),
  region: () => import('./kernel-files/region'),
};

/** The families each op's kernels come from (a backward's are its forward's): adaptive pooling runs window kernels where its bins are uniform. */
const OP_FAMILIES: Record<string, readonly KernelFamily[]> = {};
for (const op of ['maxPool', 'avgPool', 'lpPool', 'softPool', 'mixedPool', 'stochasticPool', 'stochasticPoolEval']) OP_FAMILIES[op] = ['window'];
for (const op of ['globalAvgPool', 'globalMaxPool', 'gemPool']) OP_FAMILIES[op] = ['global'];
for (const op of ['adaptiveAvgPool', 'adaptiveMaxPool', 'spatialPyramidPool', 'stripPool', 'stripPoolExpand']) OP_FAMILIES[op] = ['adaptive', 'window'];
OP_FAMILIES.maxUnpool = ['unpool'];
OP_FAMILIES.fractionalMaxPool = ['fractional'];
for (const op of ['roiAlign', 'roiPool', 'psRoiAlign', 'psRoiPool']) OP_FAMILIES[op] = ['region'];
for (const op of Object.keys(OP_FAMILIES)) OP_FAMILIES[`${op}Backward`] = OP_FAMILIES[op];

/** The engine ops that run kernels, each with its families. */
export const opFamilies: Readonly<Record<string, readonly KernelFamily[]>> = OP_FAMILIES;

const loaded = new Set<KernelFamily>();
const loading = new Map<KernelFamily, Promise<void>>();

function checkFamilies(families: unknown): readonly KernelFamily[] {
  if (!Array.isArray(families) || families.some((f) => !KERNEL_FAMILIES.includes(f)))
    throw new PoolError('INVALID_OPTION', 'kernels', families, `must be a list of kernel families: ${KERNEL_FAMILIES.map((f) => `'${f}'`).join(', ')}`);
  return families;
}

/**
 * Loads the WGSL of `families` (default: every family), once per page or process;
 * createPoolEngine calls it. Call it yourself before createPoolEngineOnDevice, the
 * synchronous factory, which loads nothing.
 */
export async function loadKernels(families: readonly KernelFamily[] = KERNEL_FAMILIES): Promise<void> {
  await Promise.all(
    checkFamilies(families).map((family) => {
      let promise = loading.get(family);
      if (!promise) {
        promise = CHUNKS[family]().then((chunk) => {
          addShaderFiles(chunk.default);
          loaded.add(family);
        });
        // A failed load (a chunk the network lost) may be retried.
        promise.catch(() => loading.delete(family));
        loading.set(family, promise);
      }
      return promise;
    }),
  );
}

/**
 * Marks `family` loaded with files a module imported statically (the TF.js plugin
 * carries the families it runs, so installing it needs no await).
 */
export function provideKernels(family: KernelFamily, files: Record<string, string>): void {
  if (loaded.has(family)) return;
  addShaderFiles(files);
  loaded.add(family);
  loading.set(family, Promise.resolve());
}

/** The families loaded so far. */
export function loadedKernels(): KernelFamily[] {
  return KERNEL_FAMILIES.filter((f) => loaded.has(f));
}

/** Refuses `op` (an engine method) when a family its kernels come from is not loaded: before any GPU work. */
export function checkKernelsLoaded(op: string): void {
  const missing = (OP_FAMILIES[op] ?? []).filter((f) => !loaded.has(f));
  if (missing.length)
    throw new PoolError(
      'KERNELS_NOT_LOADED',
      'kernels',
      loadedKernels(),
      `${op} runs kernels of ${missing.map((f) => `'${f}'`).join(' and ')}, not loaded: create the engine without \`kernels\` (every family), include them there, or await loadKernels([${missing.map((f) => `'${f}'`).join(', ')}]) first`,
    );
}

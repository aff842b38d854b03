// The kernel registry. Every WGSL file in shaders/ opens with header lines that
// say what it needs:
//   // @include a b        files whose declarations it uses (read transitively)
//   // @requires f T x4    names the including kernel must define (a fragment's
//                          hooks: a traversal calls the kernel's fold_tap)
//   // @enable subgroups   a WGSL extension, placed at the top of the module
// A kernel is an entry-point file (and, for a variant, extra includes); its
// module is the file with everything it includes, each file once. Nothing here
// restates the includes: test/node/kernels.test.ts checks every header against
// the names the files use, and compiles every kernel.
//
// Each kernel belongs to a family whose WGSL is a chunk of its own
// (src/kernel-files/), loaded by loadKernels (src/kernel-families.ts): an app
// that pools only with windows never downloads the region kernels. The core
// files are here from the start.
import core from './kernel-files/core';

/** Where a kernel's WGSL comes from: the family chunk loadKernels loads (src/kernel-files/<family>.ts). */
export type KernelFamily = 'window' | 'global' | 'adaptive' | 'unpool' | 'fractional' | 'region';

/** The WGSL files loaded so far, by name (`window_params` for shaders/window_params.wgsl). */
export const shaderFiles: Record<string, string> = {};

/** Adds a family chunk's files (paths as import.meta.glob gives them). */
export function addShaderFiles(files: Record<string, string>): void {
  for (const [path, source] of Object.entries(files)) shaderFiles[path.replace(/^.*\/(\w+)\.wgsl$/, '$1')] = source;
}
addShaderFiles(core);

/** What a file's header says. */
export interface ShaderHeader {
  includes: string[];
  requires: string[];
  enables: string[];
}

export function parseHeader(source: string): ShaderHeader {
  const list = (tag: string) => [...source.matchAll(new RegExp(`^// @${tag} (.+)$`, 'gm'))].flatMap((m) => m[1].trim().split(/\s+/));
  return { includes: list('include'), requires: list('requires'), enables: list('enable') };
}

/**
 * One kernel: its entry-point file, files a variant adds (gem_stats with one of the
 * two reductions; a vec4 kernel with its storage, float_f32 or float_f16), and its
 * family (none: a core kernel). `half`: its float bindings hold float16 (packed
 * halves); the engine runs it, named `<kernel>Half`, where every float tensor of a
 * launch is float16.
 */
interface KernelEntry {
  file: string;
  with?: readonly string[];
  family?: KernelFamily;
  half?: boolean;
}

const KERNELS = {
  windowForward: { file: 'window_forward', family: 'window' },
  windowForwardVec4: { file: 'window_forward_vec4', with: ['float_f32'], family: 'window' },
  windowForwardVec4Half: { file: 'window_forward_vec4', with: ['float_f16'], family: 'window', half: true },
  windowForwardSmall: { file: 'window_forward_small', family: 'window' },
  windowForwardSmallVec4: { file: 'window_forward_small_vec4', with: ['float_f32'], family: 'window' },
  windowForwardSmallVec4Half: { file: 'window_forward_small_vec4', with: ['float_f16'], family: 'window', half: true },
  windowForwardBlockVec4: { file: 'window_forward_block_vec4', with: ['float_f32'], family: 'window' },
  windowForwardBlockVec4Half: { file: 'window_forward_block_vec4', with: ['float_f16'], family: 'window', half: true },
  windowForwardRollingVec4: { file: 'window_forward_rolling_vec4', with: ['float_f32'], family: 'window' },
  windowForwardRollingVec4Half: { file: 'window_forward_rolling_vec4', with: ['float_f16'], family: 'window', half: true },
  windowForwardSmallRows: { file: 'window_forward_small_rows', with: ['float_f32'], family: 'window' },
  windowForwardSmallRowsHalf: { file: 'window_forward_small_rows', with: ['float_f16'], family: 'window', half: true },
  windowForwardRollingRows: { file: 'window_forward_rolling_rows', with: ['float_f32'], family: 'window' },
  windowForwardRollingRowsHalf: { file: 'window_forward_rolling_rows', with: ['float_f16'], family: 'window', half: true },
  windowBackward: { file: 'window_backward', family: 'window' },
  windowBackwardVec4: { file: 'window_backward_vec4', with: ['float_f32'], family: 'window' },
  windowBackwardVec4Half: { file: 'window_backward_vec4', with: ['float_f16'], family: 'window', half: true },
  windowBackwardSmall: { file: 'window_backward_small', family: 'window' },
  windowBackwardSmallVec4: { file: 'window_backward_small_vec4', with: ['float_f32'], family: 'window' },
  windowBackwardSmallVec4Half: { file: 'window_backward_small_vec4', with: ['float_f16'], family: 'window', half: true },
  windowBackwardTiledVec4: { file: 'window_backward_tiled_vec4', with: ['float_f32'], family: 'window' },
  windowBackwardTiledVec4Half: { file: 'window_backward_tiled_vec4', with: ['float_f16'], family: 'window', half: true },
  // Max pooling's backward over overlapping windows: a scatter in passes (src/ops/window.ts).
  windowBackwardScatter: { file: 'window_backward_scatter', family: 'window' },
  windowBackwardRolling: { file: 'window_backward_rolling', family: 'window' },
  windowBackwardRollingVec4: { file: 'window_backward_rolling_vec4', with: ['float_f32'], family: 'window' },
  windowBackwardRollingVec4Half: { file: 'window_backward_rolling_vec4', with: ['float_f16'], family: 'window', half: true },
  windowBackwardCoverRows: { file: 'window_backward_cover_rows', family: 'window' },
  windowBackwardCoverVec4: { file: 'window_backward_cover_vec4', with: ['float_f32'], family: 'window' },
  windowBackwardCoverVec4Half: { file: 'window_backward_cover_vec4', with: ['float_f16'], family: 'window', half: true },
  windowBackwardTiledRows: { file: 'window_backward_tiled_rows', with: ['float_f32'], family: 'window' },
  windowBackwardTiledRowsHalf: { file: 'window_backward_tiled_rows', with: ['float_f16'], family: 'window', half: true },
  // GeM's backward statistics: the workgroup-memory reduction, or the subgroup one
  // for devices with the 'subgroups' feature.
  gemStats: { file: 'gem_stats', with: ['reduce_workgroup'], family: 'global' },
  gemStatsSubgroups: { file: 'gem_stats', with: ['reduce_subgroup'], family: 'global' },
  reduceRows: { file: 'reduce_rows', family: 'global' },
  reduceRowsVec4: { file: 'reduce_rows_vec4', with: ['float_f32'], family: 'global' },
  reduceRowsVec4Half: { file: 'reduce_rows_vec4', with: ['float_f16'], family: 'global', half: true },
  reduceBackward: { file: 'reduce_backward', family: 'global' },
  reduceBackwardVec4: { file: 'reduce_backward_vec4', with: ['float_f32'], family: 'global' },
  reduceBackwardVec4Half: { file: 'reduce_backward_vec4', with: ['float_f16'], family: 'global', half: true },
  adaptiveForward: { file: 'adaptive_forward', family: 'adaptive' },
  adaptiveBackward: { file: 'adaptive_backward', family: 'adaptive' },
  // Spatial pyramid pooling in one pass, one invocation per item and 4 channels (src/ops/adaptive.ts).
  pyramidChannels: { file: 'adaptive_pyramid_channels', family: 'adaptive' },
  stripReduce: { file: 'strip_reduce', family: 'adaptive' },
  stripExpand: { file: 'strip_expand', family: 'adaptive' },
  unpool: { file: 'unpool', family: 'unpool' },
  indexConvention: { file: 'index_convention' },
  fractional: { file: 'fractional', family: 'fractional' },
  // Region pooling (roi_align, ps_roi_align; roi_pool, ps_roi_pool): a forward per family.
  roiAlignForward: { file: 'roi_align_forward', family: 'region' },
  roiPoolForward: { file: 'roi_pool_forward', family: 'region' },
  // Every region op's backward: a gather through each box's reach (src/ops/roi-reach.ts).
  roiBackward: { file: 'roi_backward', family: 'region' },
  // Staging and clearing of views (engine.ts), and the check of a wrapped buffer (wrap.ts).
  copyWords: { file: 'copy_words' },
  // float16 views staged as float32 for a kernel (engine.ts), and cleared.
  halfConvert: { file: 'half_convert' },
  // Chunks of a call on a tensor past one storage binding, gathered and scattered (src/chunked-call.ts).
  sliceCopy: { file: 'slice_copy' },
  sliceCopyVec4: { file: 'slice_copy_vec4' },
  probe: { file: 'probe' },
} as const satisfies Record<string, KernelEntry>;

export type ShaderName = keyof typeof KERNELS;

/** The float16 variant of a kernel (`<kernel>Half`), or null where it has none (its float16 tensors are staged as float32). */
export function halfVariant(name: ShaderName): ShaderName | null {
  const half = `${name}Half`;
  return half in KERNELS ? (half as ShaderName) : null;
}

/** Kernels added at run time (registerKernel): a mode developed outside this tree, or a test's. */
const added = new Map<string, KernelEntry>();

/** Every kernel's name: the registry's, then those added with registerKernel. */
export const kernelNames = Object.keys(KERNELS) as ShaderName[];

/** The kernel's entry: file and variant includes. */
export function kernelEntry(name: ShaderName): KernelEntry {
  return (KERNELS as Record<string, KernelEntry>)[name] ?? added.get(name)!;
}

/**
 * Adds a kernel whose WGSL lives outside shaders/ (a mode under development, a
 * test's): `source` opens with the same header lines, and its @include names
 * files of shaders/. The kernel is then run like any other, by `name`. A name
 * may be added once.
 */
export function registerKernel(name: string, source: string): ShaderName {
  if (name in KERNELS || added.has(name) || shaderFiles[name] !== undefined) throw new Error(`a kernel or file named ${name} exists already`);
  shaderFiles[name] = source;
  added.set(name, { file: name });
  return name as ShaderName;
}

/** The files of a module rooted at `roots`, includes before the files that include them, each once. */
export function moduleFiles(roots: readonly string[]): string[] {
  const order: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (order.includes(name)) return;
    const source = shaderFiles[name];
    if (source === undefined)
      throw new Error(
        `shaders/${name}.wgsl is not loaded (its family's chunk: loadKernels) or does not exist (included by ${path.join(' → ') || 'the registry'})`,
      );
    if (path.includes(name)) throw new Error(`include cycle: ${[...path, name].join(' → ')}`);
    for (const dep of parseHeader(source).includes) visit(dep, [...path, name]);
    order.push(name);
  };
  for (const root of roots) visit(root, []);
  return order;
}

const sources = new Map<ShaderName, string>();

/** The WGSL module of a kernel: its `enable` directives, then every file it includes, then the kernel. */
export function kernelSource(name: ShaderName): string {
  let source = sources.get(name);
  if (source === undefined) {
    const entry = kernelEntry(name);
    const names = moduleFiles([...(entry.with ?? []), entry.file]);
    const enables = [...new Set(names.flatMap((n) => parseHeader(shaderFiles[n]).enables))];
    source = [...enables.map((e) => `enable ${e};`), ...names.map((n) => shaderFiles[n])].join('\n');
    sources.set(name, source);
  }
  return source;
}

/** A kernel as the registry knows it: its file, every file its module holds, its uniform struct and its overrides. */
export interface KernelInfo {
  file: string;
  files: string[];
  /** The struct of binding 0 (`var<uniform> P: …`), or null for a kernel without uniforms. */
  uniform: string | null;
  overrides: string[];
}

export function kernelInfo(name: ShaderName): KernelInfo {
  const entry = kernelEntry(name);
  const source = kernelSource(name);
  return {
    file: entry.file,
    files: moduleFiles([...(entry.with ?? []), entry.file]),
    uniform: /var<uniform>\s+\w+\s*:\s*(\w+)/.exec(source)?.[1] ?? null,
    overrides: [...kernelOverrides(name)],
  };
}

/** The override constants a kernel's module declares: the only names a pipeline may set. */
export function kernelOverrides(name: ShaderName): Set<string> {
  return new Set([...kernelSource(name).matchAll(/^override (\w+)/gm)].map((m) => m[1]));
}

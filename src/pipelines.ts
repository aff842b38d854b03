import { kernelOverrides, kernelSource, type ShaderName } from './shaders';

/**
 * Compute pipelines, created once per device and kept in a WeakMap so a lost or
 * destroyed device takes its cache with it.
 *
 * Cache key: `<shader>|<NAME>=<value>,…` with the override constants sorted by
 * name, e.g. `windowForward|CHANNELS_LAST=1,MODE=0`. The shader names the op
 * family and the pass; the constants carry layout and mode, and for the
 * small-window kernels the window's tap counts (K_D, K_H, K_W), whether windows
 * leave the input (CLIPPED) and, where taps are placed at fixed positions, the
 * strides and the W alignment (S_*, D_W, A_W, NV; see src/ops/window-kernels.ts).
 * Spatial rank is not in the key: ranks 1 and 2 run through the rank-3 kernels
 * with sizes of 1, and every shape travels in the uniforms, so one pipeline
 * serves every shape with the same constants.
 */
const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
const modules = new WeakMap<GPUDevice, Map<ShaderName, GPUShaderModule>>();

export type OverrideConstants = Record<string, number>;

export function pipelineKey(shader: ShaderName, constants: OverrideConstants): string {
  const parts = Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`);
  return `${shader}|${parts.join(',')}`;
}

/** Every constant must be an override the kernel declares (a misspelt one would be a GPU validation error far from its cause). */
function checkConstants(shader: ShaderName, constants: OverrideConstants): void {
  const allowed = kernelOverrides(shader);
  for (const name of Object.keys(constants)) {
    if (!allowed.has(name)) throw new Error(`kernel ${shader} has no override ${name} (it has ${[...allowed].join(', ')})`);
  }
}

export function getPipeline(device: GPUDevice, shader: ShaderName, constants: OverrideConstants): GPUComputePipeline {
  let cache = caches.get(device);
  if (!cache) caches.set(device, (cache = new Map()));
  const key = pipelineKey(shader, constants);
  let pipeline = cache.get(key);
  if (!pipeline) {
    checkConstants(shader, constants);
    pipeline = device.createComputePipeline({
      label: `pool.${key}`,
      layout: 'auto',
      compute: { module: getModule(device, shader), entryPoint: 'main', constants },
    });
    cache.set(key, pipeline);
  }
  return pipeline;
}

/**
 * Compiles a pipeline without blocking (createComputePipelineAsync) and caches it,
 * unless the cache has it; resolves to whether it compiled one.
 */
export async function preparePipeline(device: GPUDevice, shader: ShaderName, constants: OverrideConstants): Promise<boolean> {
  let cache = caches.get(device);
  if (!cache) caches.set(device, (cache = new Map()));
  const key = pipelineKey(shader, constants);
  if (cache.has(key)) return false;
  checkConstants(shader, constants);
  const pipeline = await device.createComputePipelineAsync({
    label: `pool.${key}`,
    layout: 'auto',
    compute: { module: getModule(device, shader), entryPoint: 'main', constants },
  });
  // A synchronous call may have made it meanwhile; keep the first.
  if (cache.has(key)) return false;
  cache.set(key, pipeline);
  return true;
}

function getModule(device: GPUDevice, shader: ShaderName): GPUShaderModule {
  let map = modules.get(device);
  if (!map) modules.set(device, (map = new Map()));
  let module = map.get(shader);
  if (!module) {
    module = device.createShaderModule({ label: `pool.${shader}`, code: kernelSource(shader) });
    map.set(shader, module);
  }
  return module;
}

/** Number of pipelines cached for `device` (for tests). */
export function cachedPipelineCount(device: GPUDevice): number {
  return caches.get(device)?.size ?? 0;
}

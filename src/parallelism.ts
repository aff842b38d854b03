// How many threads a device wants in flight: kernels that can trade threads for
// longer loops (the small-window kernels walk down columns of outputs) size
// their threads to it. A GPU needs many threads to hide memory latency; a
// software adapter runs a few invocations per CPU core at a time, and each
// thread's setup and carried state costs it more than a longer loop.
import { PoolError } from './errors';

/** Threads to keep in flight on a GPU (enough to fill large ones). */
export const HARDWARE_PARALLELISM = 1 << 17;
/**
 * Threads per CPU core to keep in flight on a software adapter: 4 workgroups of
 * 64 a core. On SwiftShader (2 cores) 512 threads measured up to 16% faster
 * than 2048 or 4096 for the walking small-window kernels, and never slower.
 */
export const SOFTWARE_THREADS_PER_CORE = 256;
/** CPU cores assumed where the platform does not say (no navigator.hardwareConcurrency). */
const DEFAULT_CORES = 8;

/** Threads to keep in flight on a software adapter running on `cores` CPU cores. */
export function softwareParallelism(cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency): number {
  return SOFTWARE_THREADS_PER_CORE * (cores && cores > 0 ? cores : DEFAULT_CORES);
}

/** Whether an adapter runs WebGPU on the CPU (SwiftShader, llvmpipe/lavapipe, WARP). */
export function isSoftwareAdapter(info: Partial<GPUAdapterInfo> | undefined): boolean {
  if (!info) return false;
  if ((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) return true;
  return /swiftshader|llvmpipe|lavapipe|softpipe|warp/i.test(`${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`);
}

/** Refuses a `parallelism` option that is not a positive integer. */
export function checkParallelism(option: unknown): void {
  if (option !== undefined && (typeof option !== 'number' || !Number.isInteger(option) || option < 1)) {
    throw new PoolError('INVALID_OPTION', 'parallelism', option, 'must be a positive integer (threads to keep in flight)');
  }
}

/** The engine's parallelism: the (checked) option where given, else by the device's adapter. */
export function parallelismOf(device: GPUDevice, option: number | undefined): number {
  if (option !== undefined) return option;
  const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return isSoftwareAdapter(info) ? softwareParallelism() : HARDWARE_PARALLELISM;
}

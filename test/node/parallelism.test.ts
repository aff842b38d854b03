// How the engine sizes launches that can trade threads for longer loops: the
// adapter check, the option's validation and the rolling kernels' rows per thread.
import { describe, expect, it } from 'vitest';
import { PoolError } from '../../src/errors';
import { ROLLING_MIN_ROWS, rowsPerThread } from '../../src/ops/window-kernels';
import { checkParallelism, isSoftwareAdapter, softwareParallelism, SOFTWARE_THREADS_PER_CORE } from '../../src/parallelism';

describe('parallelism', () => {
  it('recognises software adapters by the fallback flag or their architecture', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' } as Partial<GPUAdapterInfo>)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'unknown', isFallbackAdapter: true } as Partial<GPUAdapterInfo>)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false } as Partial<GPUAdapterInfo>)).toBe(false);
    expect(isSoftwareAdapter(undefined)).toBe(false);
  });

  it('sizes a software adapter by the CPU cores, 8 where the platform does not say', () => {
    expect(softwareParallelism(2)).toBe(2 * SOFTWARE_THREADS_PER_CORE);
    expect(softwareParallelism(16)).toBe(16 * SOFTWARE_THREADS_PER_CORE);
    expect(softwareParallelism(0)).toBe(8 * SOFTWARE_THREADS_PER_CORE);
    expect(softwareParallelism(undefined)).toBe(8 * SOFTWARE_THREADS_PER_CORE);
  });

  it('refuses a parallelism option that is not a positive integer, naming it', () => {
    for (const bad of [0, -4, 1.5, Number.NaN, '64', null]) {
      expect(() => checkParallelism(bad)).toThrow(PoolError);
      try {
        checkParallelism(bad);
      } catch (e) {
        expect((e as PoolError).code).toBe('INVALID_OPTION');
        expect((e as PoolError).param).toBe('parallelism');
      }
    }
    expect(() => checkParallelism(undefined)).not.toThrow();
    expect(() => checkParallelism(64)).not.toThrow();
  });

  it('gives each thread that walks a column as many output rows as keep the device busy, at least 8 for the rolling kernels', () => {
    // ResNet stem, channels-last, 8 images: 3584 columns of threads over 56 output rows.
    expect(rowsPerThread(56, 3584, 4096, ROLLING_MIN_ROWS)).toBe(28);
    expect(rowsPerThread(56, 3584, 1 << 17, ROLLING_MIN_ROWS)).toBe(8);
    expect(rowsPerThread(56, 7168, 4096, ROLLING_MIN_ROWS)).toBe(56);
    // Kernels without carried rows go down to one row per thread.
    expect(rowsPerThread(56, 3584, 1 << 17)).toBe(2);
    expect(rowsPerThread(28, 3584, 1 << 17)).toBe(1);
    expect(rowsPerThread(56, 3584, 4096)).toBe(28);
    // Short maps: every row in one thread.
    expect(rowsPerThread(5, 10, 4096, ROLLING_MIN_ROWS)).toBe(5);
    expect(rowsPerThread(17, 10, 4096, ROLLING_MIN_ROWS)).toBe(8);
  });
});

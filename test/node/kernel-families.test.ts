// Kernel families (src/kernel-families.ts): each family's WGSL is a chunk of its own,
// loaded by loadKernels. The chunks cover every WGSL file of the library, each
// family's kernels need only its own chunk and the core files, and an op of a
// family not loaded is refused with KERNELS_NOT_LOADED before any work.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkKernelsLoaded, KERNEL_FAMILIES, loadedKernels, loadKernels, opFamilies } from '../../src/kernel-families';
import { kernelEntry, kernelNames, moduleFiles, shaderFiles } from '../../src/shaders';
import { PoolError } from '../../src/errors';
import core from '../../src/kernel-files/core';

const nameOf = (path: string) => path.replace(/^.*\/(\w+)\.wgsl$/, '$1');
const chunkFiles = async (family: string) => Object.keys((await import(`../../src/kernel-files/${family}.ts`)).default).map(nameOf);

describe('kernel families', () => {
  it('refuse an op whose family is not loaded, naming the family and the fix, until it is loaded', async () => {
    // Nothing but the core files is loaded in this fresh module graph.
    expect(loadedKernels()).toEqual([]);
    const refusal = (() => {
      try {
        checkKernelsLoaded('roiAlignBackward');
      } catch (e) {
        return e;
      }
    })() as PoolError;
    expect(refusal).toBeInstanceOf(PoolError);
    expect(refusal.code).toBe('KERNELS_NOT_LOADED');
    expect(refusal.message).toMatch(/roiAlignBackward runs kernels of 'region'.*loadKernels\(\['region'\]\)/);
    expect(() => checkKernelsLoaded('adaptiveAvgPool')).toThrow(/'adaptive' and 'window'/);
    await loadKernels(['region']);
    expect(() => checkKernelsLoaded('roiAlignBackward')).not.toThrow();
    expect(loadedKernels()).toEqual(['region']);
    await expect(loadKernels(['regions' as never])).rejects.toMatchObject({ code: 'INVALID_OPTION', param: 'kernels' });
  });

  it("cover every WGSL file of shaders/ (the benchmark's copy kernel aside), each family's kernels needing only its chunk and the core", async () => {
    const covered = new Set(Object.keys(core).map(nameOf));
    await loadKernels();
    for (const family of KERNEL_FAMILIES) {
      const own = new Set([...Object.keys(core).map(nameOf), ...(await chunkFiles(family))]);
      for (const f of own) covered.add(f);
      const kernels = kernelNames.filter((k) => kernelEntry(k).family === family);
      expect(kernels.length, family).toBeGreaterThan(0);
      for (const k of kernels) {
        const entry = kernelEntry(k);
        const outside = moduleFiles([...(entry.with ?? []), entry.file]).filter((f) => !own.has(f));
        expect(outside, `${k} (${family})`).toEqual([]);
      }
    }
    const all = readdirSync(new URL('../../shaders', import.meta.url)).map((f) => f.replace(/\.wgsl$/, ''));
    expect(all.filter((f) => !covered.has(f))).toEqual(['bench_copy']);
    expect(Object.keys(shaderFiles).sort()).toEqual(all.filter((f) => f !== 'bench_copy').sort());
    // Core kernels (no family) need only the core files.
    for (const k of kernelNames.filter((n) => !kernelEntry(n).family)) {
      const entry = kernelEntry(k);
      expect(
        moduleFiles([entry.file]).every((f) => covered.has(f) && Object.keys(core).map(nameOf).includes(f)),
        k,
      ).toBe(true);
    }
  });

  it('name a family for every op of the engine that runs kernels, and for its backward', async () => {
    const { PoolEngine } = await import('../../src/pool-engine');
    const methods = Object.getOwnPropertyNames(PoolEngine.prototype);
    for (const op of Object.keys(opFamilies)) expect(methods, op).toContain(op);
    // Every forward/backward pair of the engine has families (prepare's list of ops is the engine's).
    const pooling = methods.filter((m) => /Pool|roi|Roi/.test(m) && !/^(#|constructor)/.test(m));
    expect(pooling.filter((m) => !(m in opFamilies))).toEqual([]);
  });
});

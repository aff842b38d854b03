// The kernel registry (src/shaders.ts): every WGSL file's header covers the names
// it uses, every kernel's module defines what its fragments require, and the
// mode lists of WGSL and TypeScript agree. Compiling every kernel on a real
// device is test/browser/kernels.test.ts.
import { describe, expect, it } from 'vitest';
import { kernelEntry, kernelInfo, kernelNames, kernelSource, moduleFiles, parseHeader, shaderFiles } from '../../src/shaders';
import { MODE } from '../../src/modes';
import { INDEX_CONVENTION } from '../../src/ops/index-convention';
import { definedNames, usedNames } from '../support/wgsl-names';
import { KERNEL_FAMILIES, loadKernels } from '../../src/kernel-families';

// Every family's chunk: the checks below read every file.
await loadKernels();
const files = Object.keys(shaderFiles);

describe('kernel registry', () => {
  it('reads every WGSL file', () => {
    expect(files.length).toBeGreaterThan(40);
    expect(kernelNames.length).toBeGreaterThan(25);
  });

  for (const file of files) {
    it(`shaders/${file}.wgsl uses only names it defines, includes or requires`, () => {
      const header = parseHeader(shaderFiles[file]);
      const available = new Set<string>(header.requires);
      for (const f of moduleFiles([file])) for (const n of definedNames(shaderFiles[f])) available.add(n);
      const missing = [...usedNames(shaderFiles[file])].filter((n) => !available.has(n));
      expect(missing, `add an @include for these, or list them under @requires`).toEqual([]);
      // A requirement the file's own includes define is an include, not a hook.
      const ownIncludes = new Set(moduleFiles(header.includes).flatMap((f) => [...definedNames(shaderFiles[f])]));
      expect(header.requires.filter((n) => ownIncludes.has(n))).toEqual([]);
    });
  }

  for (const kernel of kernelNames) {
    it(`kernel ${kernel}: its module defines every name its files require, once`, () => {
      const entry = kernelEntry(kernel);
      const names = moduleFiles([...(entry.with ?? []), entry.file]);
      const defined = new Map<string, string>();
      const twice: string[] = [];
      for (const f of names) {
        for (const n of definedNames(shaderFiles[f])) {
          if (defined.has(n)) twice.push(`${n} (${defined.get(n)}, ${f})`);
          defined.set(n, f);
        }
      }
      expect(twice).toEqual([]);
      const unmet = names.flatMap((f) =>
        parseHeader(shaderFiles[f])
          .requires.filter((n) => !defined.has(n))
          .map((n) => `${f} requires ${n}`),
      );
      expect(unmet).toEqual([]);
      expect(kernelSource(kernel)).toMatch(/@compute/);
      // Its registry entry: the uniform struct of binding 0 and the overrides it allows.
      const info = kernelInfo(kernel);
      expect(info.files.at(-1)).toBe(entry.file);
      if (kernel !== 'probe') expect(info.uniform, 'binding 0 is a uniform struct').toMatch(/^[A-Z]\w+Params$/);
      expect(info.overrides.every((o) => /^[A-Z][A-Z0-9_]*$/.test(o))).toBe(true);
    });
  }

  it('a file that uses a name without including it fails the check', () => {
    // window_small_taps.wgsl without its @requires: fold_tap and Window come from nowhere.
    const source = shaderFiles.window_small_taps.replace(/^\/\/ @requires .*$/m, '');
    const available = new Set([...moduleFiles(['window_small']), 'window_small_taps'].flatMap((f) => [...definedNames(shaderFiles[f])]));
    const missing = [...usedNames(source)].filter((n) => !available.has(n));
    expect(missing.sort()).toEqual(['Window', 'fold_tap']);
  });

  it('names every mode: modes.wgsl and src/modes.ts list the same values, and no MODE is compared with a number', () => {
    const wgsl = Object.fromEntries([...shaderFiles.modes.matchAll(/^const MODE_(\w+): u32 = (\d+)u;/gm)].map((m) => [m[1], Number(m[2])]));
    const ts = Object.fromEntries(Object.entries(MODE).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(), v]));
    expect(wgsl).toEqual(ts);
    for (const file of files) expect(shaderFiles[file], file).not.toMatch(/MODE\s*[!=<>]=?\s*\d/);
  });

  it('names every index convention: index_convention.wgsl and src/ops/index-convention.ts list the same values', () => {
    const wgsl = Object.fromEntries([...shaderFiles.index_convention.matchAll(/^const INDEX_(\w+): u32 = (\d+)u;/gm)].map((m) => [m[1], Number(m[2])]));
    const ts = Object.fromEntries(Object.entries(INDEX_CONVENTION).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(), v]));
    expect(Object.keys(wgsl).length).toBe(4);
    expect(wgsl).toEqual(ts);
    expect(shaderFiles.index_convention).not.toMatch(/CONVENTION\s*[!=<>]=?\s*\d/);
  });
});

describe('shipped WGSL', () => {
  it('has no comment-only or blank lines, and keeps every header the registry reads (test/support/compact-wgsl.mjs)', async () => {
    const { readFileSync } = await import('node:fs');
    for (const file of files) {
      const raw = readFileSync(new URL(`../../shaders/${file}.wgsl`, import.meta.url), 'utf8');
      const shipped = shaderFiles[file];
      expect(
        shipped.split('\n').filter((l) => /^\s*\/\/(?! @)/.test(l) || l.trim() === ''),
        file,
      ).toEqual([]);
      expect(parseHeader(shipped), file).toEqual(parseHeader(raw));
      expect(shipped.length, file).toBeLessThan(raw.length);
    }
  });
});

// Every kernel of the registry (src/shaders.ts) compiles on a real device, with
// its overrides' defaults: a file whose includes miss a declaration fails here
// even if no op picks that kernel in the other tests.
import { describe, expect, it } from 'vitest';
import { useHarnessPage } from '../support/page';

const harness = useHarnessPage();

describe('kernel registry on real WebGPU', () => {
  it('compiles every kernel module and makes its pipeline without a compilation error', async () => {
    const result = await harness().page.evaluate(async () => {
      const { engine, withErrorScope, shaders } = (window as any).harness;
      const device: GPUDevice = engine.device;
      const failures: string[] = [];
      const names: string[] = shaders.kernelNames;
      for (const name of names) {
        if (name === 'gemStatsSubgroups' && !device.features.has('subgroups')) continue;
        try {
          await withErrorScope(async () => {
            const module = device.createShaderModule({ label: name, code: shaders.kernelSource(name) });
            const info = await module.getCompilationInfo();
            const errors = info.messages.filter((m) => m.type === 'error');
            if (errors.length) throw new Error(errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; '));
            await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
          });
        } catch (e) {
          failures.push(`${name}: ${(e as Error).message}`);
        }
      }
      return { failures, count: names.length, subgroups: device.features.has('subgroups') };
    });
    expect(result.failures).toEqual([]);
    expect(result.count).toBeGreaterThan(25);
    expect(result.subgroups).toBe(true);
  });
});

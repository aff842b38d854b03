// The page the browser tests drive: one engine on a real WebGPU device, and the
// case runners, all inside error scopes that turn any GPU error into a failure.
import * as pool from '../../src/index';
import * as shaders from '../../src/shaders';
import * as onnx from '../../src/onnx/index';
import { runMedianCase, type MedianCase } from './median-cases';
import { runRoiCase, type RoiCase } from './roi-cases';
import { checkGoldenCase, type GoldenCase } from '../golden/golden-ops';
import { checkOnnxCase, type OnnxRunCase } from '../onnx/onnx-ops';
import type { WindowCase } from '../support/window-grid';
import { runWindowCase } from './window-cases';
import type { BinnedCase } from '../support/binned-grid';
import { runBinnedCase } from './binned-cases';
import { runWrappedCase, type WrappedCase } from './wrapped-cases';
import { runFloat16Case, type Float16Case } from './float16-cases';
import { runLargeCase, type LargeCase } from './large-cases';
import { withErrorScope } from '../support/error-scope';
import { runFractionalCase, runInvalidPoolCalls, runUnpoolCase } from './fuzz-cases';
import type { FractionalCase, InvalidPoolCall, UnpoolCase } from '../support/fuzz';

async function start() {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: this browser has no WebGPU');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null: no WebGPU adapter');
  const engine = await pool.createPoolEngine();
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  // Engines on the same device with a parallelism option of their own (cases that set one).
  const engines = new Map<number, pool.PoolEngine>();
  const engineWith = async (parallelism: number | undefined): Promise<pool.PoolEngine> => {
    if (parallelism === undefined) return engine;
    if (!engines.has(parallelism)) engines.set(parallelism, await pool.createPoolEngine({ device: engine.device, parallelism }));
    return engines.get(parallelism)!;
  };
  const harness = {
    pool,
    /** webgpu-pool/onnx (onnx-ops.test.ts). */
    onnx,
    /** The kernel registry (kernels.test.ts compiles every kernel). */
    shaders,
    /** The test-only median mode (median-mode.test.ts), in an error scope of its own. */
    runMedianCase: (c: MedianCase) => withErrorScope(engine.device, () => runMedianCase(engine.device, c)),
    /** float16 against the reference's float16 semantics (float16.test.ts). */
    runFloat16Case: (c: Float16Case) => withErrorScope(engine.device, () => runFloat16Case(engine, c)),
    /** Tensors past one storage binding on a default-limits device (large-tensors.test.ts), in that device's error scopes. */
    runLargeCase: (c: LargeCase) => runLargeCase(c),
    engine,
    adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description },
    withErrorScope: <T>(fn: () => Promise<T>) => withErrorScope(engine.device, fn),
    /**
     * Notes every pipeline and shader module `device` creates from now on, as
     * "<method> <label>" (the prepare tests check that a prepared call creates none).
     */
    watchPipelineCreation(device: GPUDevice): string[] {
      const made: string[] = [];
      for (const name of ['createComputePipeline', 'createComputePipelineAsync', 'createShaderModule'] as const) {
        const original = (device as any)[name];
        (device as any)[name] = function (this: GPUDevice, ...args: any[]) {
          made.push(`${name} ${args[0]?.label}`);
          return original.apply(this, args);
        };
      }
      return made;
    },
    /**
     * Runs one window case (window-grid, window-small, fuzz and reliability tests)
     * in an error scope of its own; returns its failure lines, each naming the case.
     * A GPU error or a throw is rethrown prefixed with the case's name.
     */
    async runWindowCase(c: WindowCase): Promise<string[]> {
      try {
        return await withErrorScope(engine.device, async () => runWindowCase(await engineWith(c.parallelism), c));
      } catch (e) {
        throw new Error(`${c.name}: ${(e as Error).stack ?? e}`);
      }
    },
    /**
     * Runs one whole-map or binned pooling case (binned and fuzz tests) in an error
     * scope of its own; returns its failure lines, each naming the case. A GPU
     * error or a throw is rethrown prefixed with the case's name.
     */
    async runBinnedCase(c: BinnedCase): Promise<string[]> {
      try {
        return await withErrorScope(engine.device, async () => runBinnedCase(await engineWith(c.parallelism), c));
      } catch (e) {
        throw new Error(`${c.name}: ${(e as Error).stack ?? e}`);
      }
    },
    /** Runs one region pooling case (roi.test.ts) in an error scope of its own; a GPU error or a throw names the case. */
    async runRoiCase(c: RoiCase) {
      try {
        return await withErrorScope(engine.device, () => runRoiCase(engine, c));
      } catch (e) {
        throw new Error(`${c.name}: ${(e as Error).stack ?? e}`);
      }
    },
    /** Runs one fuzzed max unpooling case (fuzz test) in an error scope of its own, on the engine of its parallelism; a GPU error or a throw names the case. */
    async runUnpoolCase(c: UnpoolCase): Promise<string[]> {
      try {
        return await withErrorScope(engine.device, async () => runUnpoolCase(await engineWith(c.parallelism), c));
      } catch (e) {
        throw new Error(`${c.name}: ${(e as Error).stack ?? e}`);
      }
    },
    /** Runs one fuzzed fractional max pooling case (fuzz test) in an error scope of its own, on the engine of its parallelism; a GPU error or a throw names the case. */
    async runFractionalCase(c: FractionalCase): Promise<string[]> {
      try {
        return await withErrorScope(engine.device, async () => runFractionalCase(await engineWith(c.parallelism), c));
      } catch (e) {
        throw new Error(`${c.name}: ${(e as Error).stack ?? e}`);
      }
    },
    /** Makes the fuzzer's invalid max unpooling and fractional calls (in an error scope); returns a line for each that did not raise PoolError with its code. */
    runInvalidPoolCalls: (cs: InvalidPoolCall[]) => withErrorScope(engine.device, async () => runInvalidPoolCalls(engine, cs)),
    /** Runs one op on wrapped views of the test's own buffers, in an error scope of its own (wrapped-views.test.ts); a GPU error names the case. */
    async runWrappedCase(c: WrappedCase) {
      try {
        return await withErrorScope(engine.device, () => runWrappedCase(engine, c));
      } catch (e) {
        throw new Error(`${c.name}: ${(e as Error).stack ?? e}`);
      }
    },
    /** Runs golden cases on the GPU in both layouts, in float32 or (the golden runner's float16 pass) float16 tensors. */
    async runGoldenCases(cases: GoldenCase[], dtype: 'float32' | 'float16' = 'float32'): Promise<Record<string, string[]>> {
      const results: Record<string, string[]> = {};
      for (const c of cases) {
        const failures: string[] = [];
        try {
          await withErrorScope(engine.device, async () => {
            for (const last of [false, true]) failures.push(...(await checkGoldenCase(c, engine, last, dtype)));
          });
        } catch (e) {
          failures.push(`${c.id} (gpu${dtype === 'float16' ? ' float16' : ''}): ${(e as Error).message}`);
        }
        results[c.id] = failures;
      }
      return results;
    },
    /** Runs ONNX conformance cases (test/onnx/run.mjs) on the GPU in both layouts, each in an error scope of its own. */
    async runOnnxCases(cases: OnnxRunCase[]): Promise<Record<string, string[]>> {
      const results: Record<string, string[]> = {};
      for (const c of cases) {
        const failures: string[] = [];
        try {
          await withErrorScope(engine.device, async () => {
            for (const last of [false, true]) failures.push(...(await checkOnnxCase(c, engine, last)));
          });
        } catch (e) {
          failures.push(`${c.id} (gpu): ${(e as Error).message}`);
        }
        results[c.id] = failures;
      }
      return results;
    },
  };
  (window as unknown as { harness: typeof harness }).harness = harness;
}

start().then(
  () => ((window as unknown as { harnessReady: unknown }).harnessReady = true),
  (e) => ((window as unknown as { harnessReady: unknown }).harnessReady = String((e as Error).stack ?? e)),
);

// The page onnxruntime.test.ts drives: ONNX Runtime Web's WebGPU execution
// provider and the engine on one GPUDevice. Session A (Relu, ×2) leaves its
// output in a GPU buffer; the engine max-pools that buffer in place of a copy,
// into a GPUBuffer of ours that session B (+1, Sigmoid) takes as its input.
import * as ort from 'onnxruntime-web/webgpu';
import * as pool from '../../src/index';
import { modelA, modelB } from '../support/onnx-model';
import { withErrorScope } from '../support/error-scope';

// ORT fetches its WebAssembly from here (the Vite server serves node_modules), one
// thread: the page is not cross-origin isolated, so there is no SharedArrayBuffer.
ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'warning';

/** Counts GPUBuffer.mapAsync calls on the page (every readback maps a buffer). */
const mapAsync = GPUBuffer.prototype.mapAsync;
let mapCalls = 0;
GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
  mapCalls++;
  return mapAsync.apply(this, args);
};

export interface RoundTripResult {
  /** Session B's output, read back to the host. */
  w: number[];
  /** Session A's output, read back after session B ran (diagnostics). */
  y: number[];
  /** Where session A's output was: 'gpu-buffer'. */
  aLocation: string;
  /** maxPool returned our `out` view and no indices. */
  returnedOut: boolean;
  indicesNull: boolean;
  /** mapAsync calls between session A's run returning and session B's run starting. */
  mapsBetween: number;
  /** mapAsync calls during session B's run and its getData() (ORT reads back there: the counter's control). */
  mapsInB: number;
  /** The buffer we gave the engine is intact after the views are destroyed. */
  outBufferState: string;
}

async function start() {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing: this browser has no WebGPU');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null: no WebGPU adapter');

  // Session A on WebGPU, its outputs left on the GPU; session B reads host or GPU inputs.
  const sessionA = await ort.InferenceSession.create(modelA(), {
    executionProviders: ['webgpu'],
    preferredOutputLocation: 'gpu-buffer',
  });
  const sessionB = await ort.InferenceSession.create(modelB(), { executionProviders: ['webgpu'] });
  // Once a WebGPU session exists, ORT's device is available (a resolved promise).
  const device = (await ort.env.webgpu.device) as GPUDevice;
  const engine = await pool.createPoolEngine({ device });

  async function roundTrip(x: number[]): Promise<RoundTripResult> {
    // ORT's work runs in error scopes too: any GPU error on the shared device fails the test.
    const feeds = { X: new ort.Tensor('float32', Float32Array.from(x), [1, 4, 8, 8]) };
    const a = await withErrorScope(device, () => sessionA.run(feeds));
    const y = a.Y;
    const aLocation = y.location;
    if (aLocation !== 'gpu-buffer') throw new Error(`session A's output is on '${aLocation}', not 'gpu-buffer'`);
    const mapsBefore = mapCalls;

    // Our buffer for the pooled activations: the engine writes it, session B reads it.
    const pooled = device.createBuffer({
      label: 'pooled',
      size: 4 * 4 * 4 * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    // The engine's side: two views (no copies), max pooling into ours, no index tensor.
    const { returnedOut, indicesNull } = await withErrorScope(device, async () => {
      const xView = engine.wrap(y.gpuBuffer as GPUBuffer, [1, 4, 8, 8], { layout: 'NCHW', label: 'ort-y' });
      const outView = engine.wrap(pooled, [1, 4, 4, 4], { layout: 'NCHW', label: 'pooled' });
      const r = engine.maxPool(xView, { kernel: 2, stride: 2, indices: false }, { output: outView });
      const result = { returnedOut: r.output === outView, indicesNull: r.indices === null };
      xView.destroy();
      outView.destroy();
      return result;
    });

    const z = ort.Tensor.fromGpuBuffer(pooled, { dataType: 'float32', dims: [1, 4, 4, 4] });
    const mapsBetween = mapCalls - mapsBefore;
    const b = await withErrorScope(device, () => sessionB.run({ Z: z }));
    const w = Array.from((await withErrorScope(device, () => b.W.getData())) as Float32Array);
    const mapsInB = mapCalls - mapsBefore - mapsBetween;

    // Diagnostics after the measured stretch: session A's output on the host, and our
    // buffer still usable (destroying the views must not destroy it).
    const yHost = Array.from((await y.getData()) as Float32Array);
    let outBufferState = 'ok';
    try {
      await withErrorScope(device, async () => {
        const probe = device.createCommandEncoder();
        probe.clearBuffer(pooled, 0, 4);
        device.queue.submit([probe.finish()]);
      });
    } catch (e) {
      outBufferState = String(e);
    }
    y.dispose();
    b.W.dispose();
    pooled.destroy();
    return { w, y: yHost, aLocation, returnedOut, indicesNull, mapsBetween, mapsInB, outBufferState };
  }

  const onnx = {
    ort,
    engine,
    /** ORT's device and the engine's are the same object. */
    sameDevice: engine.device === device && (await ort.env.webgpu.device) === engine.device,
    adapter: { vendor: adapter.info?.vendor, architecture: adapter.info?.architecture },
    ortVersion: ort.env.versions.web,
    roundTrip,
  };
  (window as unknown as { onnx: typeof onnx }).onnx = onnx;
}

start().then(
  () => ((window as unknown as { harnessReady: unknown }).harnessReady = true),
  (e) => ((window as unknown as { harnessReady: unknown }).harnessReady = String((e as Error).stack ?? e)),
);

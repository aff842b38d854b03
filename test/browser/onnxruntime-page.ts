// The page onnxruntime.test.ts drives: ONNX Runtime Web's WebGPU execution
// provider and the engine on one GPUDevice. Session A (Relu, ×2) leaves its
// output in a GPU buffer; the engine max-pools that buffer in place of a copy,
// into a GPUBuffer of ours that session B (+1, Sigmoid) takes as its input.
// The same in float16: ORT's float16 GPU tensors wrapped with dtype 'float16'.
import * as ort from 'onnxruntime-web/webgpu';
import * as pool from '../../src/index';
import { encodeModel, modelA, modelA16, modelB, modelB16, modelCopy16 } from '../support/onnx-model';
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

/** A float16 round trip: what each session left, and what the engine did between them. */
export interface HalfRoundTripResult {
  /** Session A's output: its type ('float16'), location ('gpu-buffer') and GPU buffer size in bytes. */
  aType: string;
  aLocation: string;
  aBufferSize: number;
  /** Session A's output as half bits, read back after session B ran (diagnostics). */
  yBits: number[];
  /** The dtype of the engine's two views of ORT's buffer and ours. */
  viewDtypes: string[];
  /** maxPool returned our `out` view and no indices. */
  returnedOut: boolean;
  indicesNull: boolean;
  /** Our pooled buffer as half bits: readBits() of our wrapped view, after session B ran. */
  pooledBits: number[];
  /** Session B's output: its type, values as float32 and, for a float16 output, its half bits. */
  wType: string;
  w: number[];
  wBits: number[] | null;
  /** mapAsync calls between session A's run returning and session B's run starting. */
  mapsBetween: number;
  /** mapAsync calls during session B's run and its getData() (the counter's control). */
  mapsInB: number;
}

/** A float16 session's refusal: its message, or null where the run succeeded. */
export interface HalfRefusals {
  /** Session A16 (Relu, ×2, Cast to float16) run on a float32 input. */
  a: string | null;
  /** Session B16 (+1, Sigmoid in float16, Cast to float32) run on a float16 host input. */
  b: string | null;
  /** Creating a session with a node the WebGPU EP lacks (Det), CPU fallback disabled: the option's control. */
  control: string | null;
}

/** The half bits of ORT's float16 data (a Float16Array where the browser has one, else a Uint16Array). */
function halfBitsOf(data: unknown): number[] {
  const view = data as ArrayBufferView;
  if (!ArrayBuffer.isView(view) || view.byteLength !== 2 * (view as unknown as { length: number }).length) {
    throw new Error(`not float16 data: ${Object.prototype.toString.call(data)}`);
  }
  return Array.from(new Uint16Array(view.buffer, view.byteOffset, view.byteLength / 2));
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

  // The float16 sessions, created on first use (a failure there fails only the float16
  // tests). CPU fallback is disabled: creating a session fails if ORT assigns any node
  // to its CPU execution provider, so whatever runs runs on WebGPU.
  const onWebGpu: ort.InferenceSession.SessionOptions = {
    executionProviders: ['webgpu'],
    extra: { session: { disable_cpu_ep_fallback: '1' } },
  };
  let halfSessions: Promise<Record<'a16' | 'b16' | 'copyA' | 'copyB', ort.InferenceSession>> | null = null;
  function sessions16() {
    halfSessions ??= (async () => ({
      // A16: float32 in, Relu, ×2, Cast to float16, its output left on the GPU. B16: float16 in, +1, Sigmoid, Cast to float32.
      a16: await ort.InferenceSession.create(modelA16(), { ...onWebGpu, preferredOutputLocation: 'gpu-buffer' }),
      b16: await ort.InferenceSession.create(modelB16(), onWebGpu),
      // Identity on float16 (a copy, no shader): a float16 host input becomes ORT's float16
      // GPU tensor; our float16 GPUBuffer is read by ORT as float16.
      copyA: await ort.InferenceSession.create(modelCopy16([1, 4, 8, 8]), { ...onWebGpu, preferredOutputLocation: 'gpu-buffer' }),
      copyB: await ort.InferenceSession.create(modelCopy16([1, 4, 4, 4]), onWebGpu),
    }))();
    return halfSessions;
  }

  /**
   * Session `a` (its output a float16 tensor left on the GPU) → the engine wraps ORT's
   * buffer as float16 and max-pools 2×2 into a float16 GPUBuffer of ours → session `b`
   * takes ours as a float16 GPU tensor. Nothing is read back between the sessions.
   */
  async function halfChain(a: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType, b: ort.InferenceSession): Promise<HalfRoundTripResult> {
    const ran = await withErrorScope(device, () => a.run(feeds));
    const y = ran[a.outputNames[0]];
    const { location: aLocation, type: aType } = y;
    // Ours: 64 halves, two to a word (a float16 view needs 4 · ceil(size / 2) bytes).
    const pooled = device.createBuffer({
      label: 'pooled-f16',
      size: 4 * Math.ceil((4 * 4 * 4) / 2),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    try {
      if (aLocation !== 'gpu-buffer') throw new Error(`session A's output is on '${aLocation}', not 'gpu-buffer'`);
      if (aType !== 'float16') throw new Error(`session A's output is '${aType}', not 'float16'`);
      const mapsBefore = mapCalls;
      const source = y.gpuBuffer as GPUBuffer;

      // The engine's side: float16 views of ORT's buffer and ours (no copies), max pooling, no index tensor.
      const { outView, ...engineSide } = await withErrorScope(device, async () => {
        const xView = engine.wrap(source, [1, 4, 8, 8], { layout: 'NCHW', dtype: 'float16', label: 'ort-y16' });
        const outView = engine.wrap(pooled, [1, 4, 4, 4], { layout: 'NCHW', dtype: 'float16', label: 'pooled-f16' });
        const r = engine.maxPool(xView, { kernel: 2, stride: 2, indices: false }, { output: outView });
        const result = { outView, viewDtypes: [xView.dtype, outView.dtype], returnedOut: r.output === outView, indicesNull: r.indices === null };
        xView.destroy();
        return result;
      });

      const z = ort.Tensor.fromGpuBuffer(pooled, { dataType: 'float16', dims: [1, 4, 4, 4] });
      const mapsBetween = mapCalls - mapsBefore;
      const out = (await withErrorScope(device, () => b.run({ [b.inputNames[0]]: z })))[b.outputNames[0]];
      const data = await withErrorScope(device, () => out.getData());
      const mapsInB = mapCalls - mapsBefore - mapsBetween;

      // Diagnostics after the measured stretch: A's output and our buffer, as half bits.
      const yBits = halfBitsOf(await y.getData());
      const pooledBits = Array.from(await outView.readBits());
      outView.destroy();
      const wBits = out.type === 'float16' ? halfBitsOf(data) : null;
      const w = Array.from(data as ArrayLike<number>, Number);
      out.dispose();
      return { aType, aLocation, aBufferSize: source.size, yBits, ...engineSide, pooledBits, wType: out.type, w, wBits, mapsBetween, mapsInB };
    } finally {
      y.dispose();
      pooled.destroy();
    }
  }

  /** A16 → engine → B16: float16 arithmetic in ORT (its WebGPU kernels need shader-f16). */
  async function roundTrip16(x: number[]): Promise<HalfRoundTripResult> {
    const s = await sessions16();
    return halfChain(s.a16, { X: new ort.Tensor('float32', Float32Array.from(x), [1, 4, 8, 8]) }, s.b16);
  }

  /** Identity → engine → Identity: ORT's float16 GPU tensors with no float16 arithmetic in ORT. */
  async function copyRoundTrip16(bits: number[]): Promise<HalfRoundTripResult> {
    const s = await sessions16();
    return halfChain(s.copyA, { X: new ort.Tensor('float16', Uint16Array.from(bits), [1, 4, 8, 8]) }, s.copyB);
  }

  /** How ORT answers float16 arithmetic here: each session's run, its error message or null. Logs off (run option). */
  async function refusals16(): Promise<HalfRefusals> {
    const s = await sessions16();
    const quiet = { logSeverityLevel: 4 } as const;
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await withErrorScope(device, fn);
        return null;
      } catch (e) {
        return String((e as Error).message ?? e);
      }
    };
    const a = await attempt(async () => {
      const r = await s.a16.run({ X: new ort.Tensor('float32', new Float32Array(256), [1, 4, 8, 8]) }, quiet);
      r.Y.dispose();
    });
    const b = await attempt(async () => {
      const r = await s.b16.run({ Z: new ort.Tensor('float16', new Uint16Array(64), [1, 4, 4, 4]) }, quiet);
      await r.W.getData();
    });
    // Det has no WebGPU kernel: with CPU fallback disabled the session must not be created.
    const det = encodeModel({
      name: 'determinant',
      nodes: [{ op: 'Det', inputs: ['M'], outputs: ['D'] }],
      inputs: [{ name: 'M', shape: [3, 3] }],
      outputs: [{ name: 'D', shape: [] }],
    });
    const control = await attempt(() => ort.InferenceSession.create(det, { ...onWebGpu, logSeverityLevel: 4 }));
    return { a, b, control };
  }

  const onnx = {
    ort,
    engine,
    /** ORT's device and the engine's are the same object. */
    sameDevice: engine.device === device && (await ort.env.webgpu.device) === engine.device,
    adapter: { vendor: adapter.info?.vendor, architecture: adapter.info?.architecture },
    ortVersion: ort.env.versions.web,
    roundTrip,
    /** ORT's device has shader-f16 (ORT asks for it when the adapter offers it). */
    shaderF16: device.features.has('shader-f16'),
    /** The adapter offers shader-f16. */
    adapterShaderF16: adapter.features.has('shader-f16'),
    roundTrip16,
    copyRoundTrip16,
    refusals16,
  };
  (window as unknown as { onnx: typeof onnx }).onnx = onnx;
}

start().then(
  () => ((window as unknown as { harnessReady: unknown }).harnessReady = true),
  (e) => ((window as unknown as { harnessReady: unknown }).harnessReady = String((e as Error).stack ?? e)),
);

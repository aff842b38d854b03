// webgpu-pool/tfjs: TensorFlow.js's pooling kernels on the engine, in TF.js's own
// `webgpu` backend, on its own device and buffers (no copies, no readback).
// `installTfjsKernels(tf)` replaces MaxPool, AvgPool, MaxPool3D, AvgPool3D, their
// gradients, MaxPoolWithArgmax, and Mean and Max over the spatial axes of a
// channels-last 4-D or 5-D tensor; anything else goes to the kernel TF.js had.
// TF.js is passed in: this module imports none of it.
import { PoolError } from '../errors';
import type { Layout } from '../layout';
import { createPoolEngineOnDevice, type PoolEngine } from '../pool-engine';
import type { FloatTensor, PoolTensor } from '../tensor';
import type { AvgPoolOptions, MaxPoolOptions } from '../window-spec';
import { provideKernels } from '../kernel-families';
import windowKernels from '../kernel-files/window';
import globalKernels from '../kernel-files/global';

/** The parts of a TF.js tensor a kernel sees. */
interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** The parts of TF.js's WebGPUBackend the kernels use (all public there). */
interface WebGPUBackendLike {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource?: unknown } };
  makeTensorInfo(shape: number[], dtype: string): TensorInfo;
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

type KernelFunc = (args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: Record<string, unknown> }) => TensorInfo | TensorInfo[];

interface KernelConfig {
  kernelName: string;
  backendName: string;
  kernelFunc: KernelFunc;
  setupFunc?: unknown;
  disposeFunc?: unknown;
}

interface PadInfo {
  top: number;
  bottom: number;
  left: number;
  right: number;
  front?: number;
  back?: number;
}

interface ConvInfo {
  inHeight: number;
  inWidth: number;
  inDepth?: number;
  outHeight: number;
  outWidth: number;
  outDepth?: number;
  strideHeight: number;
  strideWidth: number;
  strideDepth?: number;
  filterHeight: number;
  filterWidth: number;
  filterDepth?: number;
  dilationHeight: number;
  dilationWidth: number;
  dilationDepth?: number;
  padInfo: PadInfo;
}

/** The parts of the `tf` namespace the plugin uses. */
export interface TfLike {
  getKernel(kernelName: string, backendName: string): KernelConfig | undefined;
  registerKernel(config: KernelConfig): void;
  unregisterKernel(kernelName: string, backendName: string): void;
  backend_util: {
    computePool2DInfo(...args: unknown[]): ConvInfo;
    computePool3DInfo(...args: unknown[]): ConvInfo;
  };
}

export interface TfjsPlugin {
  /** The kernels replaced, by TF.js name. */
  readonly kernels: readonly string[];
  /** Calls each replaced kernel ran on the engine, and calls it handed to TF.js's own kernel (another dtype, other axes). */
  readonly counts: { engine: Record<string, number>; fallback: Record<string, number> };
  /** Restores TF.js's own kernels. */
  uninstall(): void;
}

export const TFJS_KERNELS = [
  'MaxPool',
  'AvgPool',
  'MaxPool3D',
  'AvgPool3D',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'MaxPool3DGrad',
  'AvgPool3DGrad',
  'MaxPoolWithArgmax',
  'Mean',
  'Max',
] as const;

const installed = new WeakSet<object>();
const engines = new WeakMap<GPUDevice, PoolEngine>();

/** The engine on TF.js's device: the device comes from the backend of each call (TF.js may make a new one). */
function engineFor(backend: WebGPUBackendLike): PoolEngine {
  let engine = engines.get(backend.device);
  if (!engine) {
    engine = createPoolEngineOnDevice(backend.device, { label: 'tfjs' });
    engines.set(backend.device, engine);
  }
  return engine;
}

/** Not ours to run: TF.js's kernel takes it. */
class Fallback extends Error {}

/**
 * One call of a replaced kernel: TF.js's commands recorded so far are submitted
 * first (our kernels read what they wrote), the inputs are on the GPU, and the
 * outputs are TF.js tensors whose buffers the engine writes through `wrap`.
 */
class Call {
  readonly engine: PoolEngine;
  private readonly views: PoolTensor<'float32' | 'int32'>[] = [];

  constructor(readonly backend: WebGPUBackendLike) {
    this.engine = engineFor(backend);
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
  }

  private bufferOf(t: TensorInfo): GPUBuffer {
    this.backend.uploadToGPU(t.dataId);
    const resource = this.backend.tensorMap.get(t.dataId).resource;
    if (!(resource instanceof GPUBuffer)) throw new Fallback();
    return resource;
  }

  /** A TF.js tensor as an engine tensor of `shape` (a view of its buffer). */
  input(t: TensorInfo, shape: readonly number[], layout: Layout): FloatTensor {
    if (t.dtype !== 'float32') throw new Fallback();
    const view = this.engine.wrap(this.bufferOf(t), shape, { layout, label: 'tfjs.input' });
    this.views.push(view);
    return view;
  }

  /** A new TF.js tensor of `tfShape`, and its buffer as an engine tensor of `shape`. */
  output(tfShape: number[], shape: readonly number[], layout: Layout, dtype: 'float32' | 'int32' = 'float32') {
    const info = this.backend.makeTensorInfo(tfShape, dtype);
    const view = this.engine.wrap(this.bufferOf(info), shape, { layout, dtype: dtype as 'float32', label: 'tfjs.output' }) as PoolTensor<any>;
    this.views.push(view);
    return { info, view };
  }

  /**
   * Records `fn`'s ops into TF.js's own command encoder, after what TF.js recorded (its
   * compute pass ended), so they run in TF.js's order and TF.js submits them with its
   * next batch; the tensors `fn` returns are released after it. The encoder is a
   * private field of WebGPUBackend; where it is missing, TF.js's commands are
   * submitted first and the ops submitted on their own.
   */
  run(fn: (engine: PoolEngine) => { destroy(): void }[] | void): void {
    const encoder = (this.backend as unknown as { commandEncoder?: GPUCommandEncoder | null }).commandEncoder;
    let temporaries: { destroy(): void }[] | void;
    if (encoder) {
      temporaries = this.engine.encode(encoder, () => fn(this.engine));
    } else {
      this.backend.submitQueue();
      temporaries = this.engine.batch(() => fn(this.engine));
    }
    for (const t of temporaries ?? []) t.destroy();
  }

  close(): void {
    for (const v of this.views) v.destroy();
  }
}

const to = (n: number | undefined) => n ?? 1;

/**
 * The engine's window options for TF.js's pooling geometry: TF.js's own output size
 * (dimRoundingMode, SAME and numeric pads included), reached with explicit padding
 * before and after (any size), averages dividing by real cells only.
 */
function windowOptions(info: ConvInfo, rank: 2 | 3, inShape: readonly number[]) {
  const p = info.padInfo;
  const dims =
    rank === 3
      ? [
          [info.inDepth!, info.outDepth!, info.filterDepth!, info.strideDepth!, to(info.dilationDepth), p.front ?? 0],
          [info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, to(info.dilationHeight), p.top],
          [info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, to(info.dilationWidth), p.left],
        ]
      : [
          [info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, to(info.dilationHeight), p.top],
          [info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, to(info.dilationWidth), p.left],
        ];
  // The padding after each dimension that makes the engine's floor rule give TF.js's size.
  const padding = dims.map(([input, out, k, s, d, before]) => [before, Math.max((out - 1) * s + (k - 1) * d + 1 - input - before, 0)] as [number, number]);
  if (inShape.length !== rank + 2 || dims.some(([, out]) => out < 1)) throw new Fallback();
  return {
    kernel: dims.map((d) => d[2]),
    stride: dims.map((d) => d[3]),
    dilation: dims.map((d) => d[4]),
    padding,
    outSpatial: dims.map((d) => d[1]),
  };
}

/** Spatial axes of a channels-last tensor of rank 4 or 5, as a reduction over exactly them asks. */
function spatialReduction(shape: readonly number[], axes: unknown): boolean {
  const list = (Array.isArray(axes) ? axes : [axes]).map((a) => (Number(a) < 0 ? Number(a) + shape.length : Number(a)));
  const spatial = shape.length === 4 ? [1, 2] : shape.length === 5 ? [1, 2, 3] : null;
  return spatial !== null && [...new Set(list)].sort().join() === spatial.join();
}

/**
 * Replaces TF.js's pooling kernels in its `webgpu` backend with the engine's. Pass the
 * `tf` namespace your model uses (`import * as tf from '@tensorflow/tfjs'`). Returns a
 * handle whose `uninstall()` restores TF.js's kernels.
 */
export function installTfjsKernels(tf: TfLike): TfjsPlugin {
  if (tf === null || typeof tf !== 'object' || typeof tf.registerKernel !== 'function' || typeof tf.getKernel !== 'function' || !tf.backend_util) {
    throw new PoolError('INVALID_OPTION', 'tf', typeof tf, 'must be the TensorFlow.js namespace (import * as tf from "@tensorflow/tfjs")');
  }
  if (installed.has(tf))
    throw new PoolError('INVALID_OPTION', 'tf', 'installed', "already has the engine's kernels: call uninstall() on the first handle first");
  // The plugin carries the WGSL of the families its kernels run (window pooling, global reductions).
  provideKernels('window', windowKernels);
  provideKernels('global', globalKernels);
  const originals = new Map<string, KernelConfig>();
  for (const name of TFJS_KERNELS) {
    const config = tf.getKernel(name, 'webgpu');
    if (!config) {
      throw new PoolError('INVALID_OPTION', 'tf', name, "has no 'webgpu' backend kernel: import '@tensorflow/tfjs-backend-webgpu' before installing");
    }
    originals.set(name, config);
  }
  const counts = { engine: {} as Record<string, number>, fallback: {} as Record<string, number> };
  const count = (table: Record<string, number>, name: string) => (table[name] = (table[name] ?? 0) + 1);

  const replace = (name: string, ours: (call: Call, inputs: Record<string, TensorInfo>, attrs: Record<string, any>) => TensorInfo | TensorInfo[]) => {
    const original = originals.get(name)!;
    const kernelFunc: KernelFunc = (args) => {
      const backend = args.backend as WebGPUBackendLike;
      let call: Call | null = null;
      try {
        call = new Call(backend);
        const result = ours(call, args.inputs, args.attrs ?? {});
        count(counts.engine, name);
        return result;
      } catch (e) {
        if (!(e instanceof Fallback)) throw e;
        count(counts.fallback, name);
        return original.kernelFunc(args);
      } finally {
        call?.close();
      }
    };
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({ ...original, kernelFunc });
  };

  const pool2d = (mode: 'max' | 'avg') => (call: Call, inputs: Record<string, TensorInfo>, attrs: Record<string, any>) => {
    const x = inputs.x;
    const info = tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    // TF.js returns its input for a 1×1 filter whose output has the input's shape, whatever the
    // padding says (its own tests expect that): TF.js's kernel does it.
    if (info.filterHeight === 1 && info.filterWidth === 1 && info.outHeight === info.inHeight && info.outWidth === info.inWidth) throw new Fallback();
    return windowForward(call, mode, x, windowOptions(info, 2, x.shape), 'NHWC');
  };
  const pool3d = (mode: 'max' | 'avg') => (call: Call, inputs: Record<string, TensorInfo>, attrs: Record<string, any>) => {
    const x = inputs.x;
    if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NDHWC') throw new Fallback();
    const info = tf.backend_util.computePool3DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, 'NDHWC');
    return windowForward(call, mode, x, windowOptions(info, 3, x.shape), 'NDHWC');
  };
  const grad = (mode: 'max' | 'avg', rank: 2 | 3) => (call: Call, inputs: Record<string, TensorInfo>, attrs: Record<string, any>) => {
    const x = inputs.input;
    const info =
      rank === 2
        ? tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode)
        : tf.backend_util.computePool3DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, 'NDHWC');
    return windowBackward(call, mode, inputs.dy, x, windowOptions(info, rank, x.shape), rank === 2 ? 'NHWC' : 'NDHWC');
  };

  replace('MaxPool', pool2d('max'));
  replace('AvgPool', pool2d('avg'));
  replace('MaxPool3D', pool3d('max'));
  replace('AvgPool3D', pool3d('avg'));
  replace('MaxPoolGrad', grad('max', 2));
  replace('AvgPoolGrad', grad('avg', 2));
  replace('MaxPool3DGrad', grad('max', 3));
  replace('AvgPool3DGrad', grad('avg', 3));
  replace('MaxPoolWithArgmax', (call, inputs, attrs) => {
    const x = inputs.x;
    const info = tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad);
    const o = windowOptions(info, 2, x.shape);
    const outShape = [x.shape[0], ...o.outSpatial, x.shape[3]];
    const input = call.input(x, x.shape, 'NHWC');
    const output = call.output(outShape, outShape, 'NHWC');
    const indices = call.output(outShape, outShape, 'NHWC', 'int32');
    const options: MaxPoolOptions = {
      ...maxOptions(o),
      indexConvention: attrs.includeBatchInIndex ? 'channelsLastBatch' : 'channelsLast',
    };
    call.run((engine) => {
      engine.maxPool(input, options, { output: output.view, indices: indices.view });
    });
    return [output.info, indices.info];
  });
  const reduce = (mode: 'avg' | 'max', axesAttr: string) => (call: Call, inputs: Record<string, TensorInfo>, attrs: Record<string, any>) => {
    const x = inputs.x;
    if (!spatialReduction(x.shape, attrs[axesAttr])) throw new Fallback();
    const layout: Layout = x.shape.length === 4 ? 'NHWC' : 'NDHWC';
    const n = x.shape[0];
    const c = x.shape[x.shape.length - 1];
    const pooled = [n, ...x.shape.slice(1, -1).map(() => 1), c];
    const tfShape = attrs.keepDims ? pooled : [n, c];
    const input = call.input(x, x.shape, layout);
    const output = call.output(tfShape, pooled, layout);
    call.run((engine) => {
      if (mode === 'avg') engine.globalAvgPool(input, output.view);
      else engine.globalMaxPool(input, { indices: false }, { output: output.view });
    });
    return output.info;
  };
  replace('Mean', reduce('avg', 'axis'));
  replace('Max', reduce('max', 'reductionIndices'));

  installed.add(tf);
  let active = true;
  return {
    kernels: [...TFJS_KERNELS],
    counts,
    uninstall() {
      if (!active) return;
      active = false;
      for (const [name, config] of originals) {
        tf.unregisterKernel(name, 'webgpu');
        tf.registerKernel(config);
      }
      installed.delete(tf);
    },
  };
}

/** TensorFlow's max pooling: a NaN never wins; padding of any size; the first maximum wins ties. */
function maxOptions(o: ReturnType<typeof windowOptions>): MaxPoolOptions {
  return { kernel: o.kernel, stride: o.stride, dilation: o.dilation, padding: o.padding, largePadding: true, nanMode: 'ignore' };
}

/** TensorFlow's average pooling: the divisor counts real cells only. */
function avgOptions(o: ReturnType<typeof windowOptions>): AvgPoolOptions {
  return { kernel: o.kernel, stride: o.stride, dilation: o.dilation, padding: o.padding, largePadding: true, countIncludePad: false };
}

/**
 * TF.js's average pooling gradient divides by the whole filter size, padding cells included,
 * although its forward counts real cells only (AvgPoolGrad's avgMultiplier; its tests expect it).
 */
function avgGradOptions(o: ReturnType<typeof windowOptions>): AvgPoolOptions {
  return { ...avgOptions(o), divisorOverride: o.kernel.reduce((a, b) => a * b, 1) };
}

function windowForward(call: Call, mode: 'max' | 'avg', x: TensorInfo, o: ReturnType<typeof windowOptions>, layout: Layout): TensorInfo {
  const outShape = [x.shape[0], ...o.outSpatial, x.shape[x.shape.length - 1]];
  const input = call.input(x, x.shape, layout);
  const output = call.output(outShape, outShape, layout);
  call.run((engine) => {
    if (mode === 'max') engine.maxPool(input, { ...maxOptions(o), indices: false }, { output: output.view });
    else engine.avgPool(input, avgOptions(o), output.view);
  });
  return output.info;
}

function windowBackward(call: Call, mode: 'max' | 'avg', dy: TensorInfo, x: TensorInfo, o: ReturnType<typeof windowOptions>, layout: Layout): TensorInfo {
  const input = call.input(x, x.shape, layout);
  const gradOutput = call.input(dy, dy.shape, layout);
  const gradInput = call.output([...x.shape], x.shape, layout);
  call.run((engine) => {
    if (mode === 'avg') {
      engine.avgPoolBackward(gradOutput, input, avgGradOptions(o), gradInput.view);
      return [];
    }
    // The winners found again from x, in the per-plane form the backward reads.
    const { output, indices } = engine.maxPool(input, maxOptions(o));
    engine.maxPoolBackward(gradOutput, input, indices, maxOptions(o), gradInput.view);
    return [output, indices];
  });
  return gradInput.info;
}

import { acquireDevice, GpuContext, type PoolEngineOptions, type PoolStats } from './engine';
import type { Layout } from './layout';
import { checkLikeOutput, specFor, windowBackward, windowForward, windowResults } from './ops/window';
import type { DType, PoolTensor } from './tensor';
import { checkShape, type ResultSpec } from './validate';
import { verifyWrapped, wrapBuffer, type WrapOptions } from './wrap';
import { prepareCalls, type PrepareCall } from './prepare';
import {
  checkPlaneIndices,
  type AvgPoolOptions,
  type LpPoolOptions,
  type MaxPoolOptions,
  type MixedPoolOptions,
  type SoftPoolOptions,
  type StochasticPoolOptions,
  type WindowMode,
} from './window-spec';
import { PoolError } from './errors';
import {
  adaptiveSpec,
  gemSpec,
  globalSpec,
  pyramidSpec,
  stripExpandDims,
  stripGradients,
  stripSpec,
  type AdaptivePoolOptions,
  type AdaptiveSpec,
  type GemPoolOptions,
  type GlobalMaxPoolOptions,
  type SpatialPyramidPoolOptions,
} from './binned-spec';
import { unpoolBackward, unpoolForward, unpoolShape } from './ops/unpool';
import { unpoolSpec, type MaxUnpoolOptions } from './unpool-spec';
import { checkSamples, drawSamples, fractionalSpec, type FractionalMaxPoolOptions } from './fractional-spec';
import { fractionalBackward, fractionalForward, fractionalShape } from './ops/fractional';
import { gemBackward, gemForward, reduceBackward, reducedShape, reduceForward } from './ops/reduce';
import { adaptiveBackward, adaptiveForward, adaptiveShape, pyramidBackward, pyramidForward, pyramidShape } from './ops/adaptive';
import { stripExpand, stripReduce, stripShapes } from './ops/strip';
import { batchedLayout, shapeOf } from './layout';
import {
  roiSpec,
  type PsRoiAlignOptions,
  type PsRoiPoolOptions,
  type RoiAlignOptions,
  type RoiBoxes,
  type RoiOp,
  type RoiPoolOptions,
  type RoiSpec,
} from './roi-spec';
import { roiBackward, roiForward, roiShape } from './ops/roi';
import { checkParallelism, parallelismOf } from './parallelism';
import { checkKernelsLoaded, loadKernels, opFamilies } from './kernel-families';

/** Max pooling's results: the pooled values and, for each, its winner's flat index in its spatial plane. */
export interface MaxPoolResult {
  output: PoolTensor<'float32'>;
  indices: PoolTensor<'int32'>;
}

/** A max-style call's results under `indices: false` (inference): no index tensor. */
export interface MaxPoolOutput {
  output: PoolTensor<'float32'>;
  indices: null;
}

/** Tensors to write a max-style call's results into (`out`); either may be left out. */
export interface MaxPoolOut {
  output?: PoolTensor<'float32'>;
  indices?: PoolTensor<'int32'>;
}

/** The `out` of a call with one result: the tensor to write it into. */
export type Out = PoolTensor<'float32'>;

/**
 * A max-style call's results for options of type O: `indices: null` where O says
 * `indices: false` (a literal), else the indices tensor.
 */
export type MaxResults<O> = [O] extends [never] ? MaxPoolResult : [O] extends [{ indices: false }] ? MaxPoolOutput : MaxPoolResult;

/** Spatial pyramid pooling's results: [N, C · Σ l²] features ('NC'), and in mode 'max' the winners' plane indices. */
export interface SpatialPyramidPoolResult {
  output: PoolTensor<'float32'>;
  indices: PoolTensor<'int32'> | null;
}

/** Strip pooling's two strips, in the input's layout: rows [N, C, H, 1] and cols [N, C, 1, W]. */
export interface StripPoolResult {
  rows: PoolTensor<'float32'>;
  cols: PoolTensor<'float32'>;
}

/** GeM pooling's gradients: with respect to the input, and with respect to p (a [1, 1] 'NC' tensor, summed over all n, c). */
export interface GemPoolGradients {
  gradInput: PoolTensor<'float32'>;
  gradP: PoolTensor<'float32'>;
}

/**
 * The pooling engine: one per device. Every op takes and returns GPU tensors and
 * returns at once; `tensor.read()` is the only call that waits. Every op takes an
 * optional last argument `out`: the tensor to write its result into (an object of
 * tensors for ops with several results), for example a view of your own buffer
 * from `wrap`.
 */
export class PoolEngine {
  readonly #ctx: GpuContext;
  readonly #ownsDevice: boolean;

  /** @internal Use `createPoolEngine`. */
  constructor(ctx: GpuContext, ownsDevice: boolean) {
    this.#ctx = ctx;
    this.#ownsDevice = ownsDevice;
    // Every op first checks that its kernels' families are loaded (src/kernel-families.ts),
    // so a call of a family the app left out fails before it allocates or records anything.
    const ops = this as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const op of Object.keys(opFamilies)) {
      const call = ops[op];
      ops[op] = (...args) => {
        checkKernelsLoaded(op);
        return call.apply(this, args);
      };
    }
  }

  /** The device everything runs on. */
  get device(): GPUDevice {
    return this.#ctx.device;
  }

  /** Resolves when the device is lost; every call after that raises `DEVICE_LOST`. */
  get lost(): Promise<GPUDeviceLostInfo> {
    return this.#ctx.lost;
  }

  /** GPU buffers and bytes the engine holds now, and those it keeps for reuse. */
  stats(): PoolStats {
    return this.#ctx.stats();
  }

  /**
   * Uploads data as a tensor. `shape` is written in the layout's order
   * (NHWC: [N, H, W, C]); layout defaults to channels-first of the shape's rank.
   * An Int32Array makes an indices tensor (for `maxPoolBackward` with your own indices).
   */
  tensor(data: Float32Array, shape: readonly number[], layout?: Layout): PoolTensor<'float32'>;
  tensor(data: Int32Array, shape: readonly number[], layout?: Layout): PoolTensor<'int32'>;
  tensor(data: Float32Array | Int32Array, shape: readonly number[], layout?: Layout): PoolTensor<'float32'> | PoolTensor<'int32'> {
    return this.#ctx.upload(data, shape, layout) as PoolTensor<'float32'> | PoolTensor<'int32'>;
  }

  /**
   * A view of your GPUBuffer as a tensor, with no copy: ops read it in place, and
   * write into it when it is their `out`. The buffer needs STORAGE usage and room
   * for `offset + 4 · size` bytes; `offset` is a multiple of the device's
   * minStorageBufferOffsetAlignment. The engine never destroys the buffer;
   * `tensor.destroy()` only forgets it.
   */
  wrap(buffer: GPUBuffer, shape: readonly number[], options?: WrapOptions<'float32'>): PoolTensor<'float32'>;
  wrap(buffer: GPUBuffer, shape: readonly number[], options: WrapOptions<'int32'> & { dtype: 'int32' }): PoolTensor<'int32'>;
  wrap(buffer: GPUBuffer, shape: readonly number[], options?: WrapOptions): PoolTensor<'float32'> | PoolTensor<'int32'> {
    return wrapBuffer(this.#ctx, buffer, shape, options) as PoolTensor<'float32'> | PoolTensor<'int32'>;
  }

  /**
   * Resolves once the device has checked a wrapped tensor's buffer; rejects with
   * FOREIGN_BUFFER (another device's buffer) or INVALID_BUFFER (destroyed), the
   * error any call with it raises from then on.
   */
  verify(tensor: PoolTensor<DType>): Promise<void> {
    return verifyWrapped(this.#ctx, this.#ctx.own(tensor, 'tensor', tensor?.dtype));
  }

  /**
   * Runs `fn` (synchronous) with every op it issues recorded into one command
   * encoder and one compute pass, their uniforms in one buffer, and submits it all
   * once when `fn` returns; returns `fn`'s result. If `fn` throws, nothing is
   * submitted, the tensors it made are released, and the error propagates.
   * `read()` inside raises IN_BATCH: read after the batch.
   */
  batch<T>(fn: () => T): T {
    return this.#ctx.record(null, fn);
  }

  /**
   * Like `batch`, but records into your command encoder (which must have no open
   * pass) and submits nothing: you submit. Destroy the tensors it used only after
   * your submit, and read results after it.
   */
  encode<T>(encoder: GPUCommandEncoder, fn: () => T): T {
    if (!encoder || typeof (encoder as GPUCommandEncoder).beginComputePass !== 'function') {
      throw new PoolError('INVALID_OPTION', 'encoder', encoder, "must be a GPUCommandEncoder of the engine's device");
    }
    return this.#ctx.record(encoder, fn);
  }

  /**
   * Compiles, ahead and without blocking, every pipeline the given calls will use
   * (createComputePipelineAsync), so that their first real call compiles nothing.
   * A call is an op name (any engine op, forward or backward), the input's shape
   * and layout, and the op's options. Resolves to the number of pipelines compiled.
   */
  prepare(calls: readonly PrepareCall[]): Promise<number> {
    this.#ctx.checkAlive();
    return prepareCalls(this.#ctx, calls, (ctx) => new PoolEngine(ctx, false) as unknown as Record<string, (...args: unknown[]) => any>);
  }

  /** Max pooling with PyTorch's semantics (first maximum wins ties, NaN propagates, padding never wins). `indices: false` writes none. */
  maxPool<O extends MaxPoolOptions>(input: PoolTensor<'float32'>, options: O, out?: MaxPoolOut): MaxResults<O>;
  maxPool(input: PoolTensor<'float32'>, options: MaxPoolOptions, out?: MaxPoolOut): MaxPoolResult | MaxPoolOutput {
    const { x, spec } = specFor(this.#ctx, 'max', input, options);
    const o = this.#ctx.checkOut(out, windowResults(x, spec), [x]);
    return windowForward(this.#ctx, x, spec, 0, o as MaxPoolOut) as MaxPoolResult | MaxPoolOutput;
  }

  /** Gradient of max pooling with respect to its input: each winner collects its windows' gradients. */
  maxPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'>,
    options: MaxPoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, 'max', input, options);
    checkPlaneIndices(spec);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const idx = this.#indices(indices);
    checkLikeOutput(g, 'gradOutput', x, spec);
    checkLikeOutput(idx, 'indices', x, spec);
    return windowBackward(this.#ctx, g, x, spec, idx, this.#gradOut(out, x, [g, idx]));
  }

  /** Average pooling with PyTorch's divisor rules (countIncludePad, ceil mode, divisorOverride). */
  avgPool(input: PoolTensor<'float32'>, options: AvgPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowOutput('avg', input, options, out);
  }

  /** Gradient of average pooling with respect to its input. */
  avgPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: AvgPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowGradient('avg', gradOutput, input, options, out);
  }

  /** Power-average pooling: (Σ xᵖ)^(1/p) over each window, as PyTorch's LPPool computes it. */
  lpPool(input: PoolTensor<'float32'>, options: LpPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowOutput('lp', input, options, out);
  }

  /** Gradient of power-average pooling with respect to its input. */
  lpPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: LpPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowGradient('lp', gradOutput, input, options, out);
  }

  /**
   * SoftPool (Stergiou et al. 2021): Σ e^{x_i}·x_i / Σ e^{x_i} over each window,
   * computed with the window maximum subtracted so inputs like 1e4 stay finite.
   */
  softPool(input: PoolTensor<'float32'>, options: SoftPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowOutput('soft', input, options, out);
  }

  /** Gradient of SoftPool with respect to its input. */
  softPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: SoftPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowGradient('soft', gradOutput, input, options, out);
  }

  /** Mixed pooling (Yu et al. 2014): λ·max + (1 − λ)·average over the same window (`lambda`, default 0.5). */
  mixedPool(input: PoolTensor<'float32'>, options: MixedPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowOutput('mixed', input, options, out);
  }

  /** Gradient of mixed pooling: λ to each window's max (first maximum), (1 − λ)/count to every element. */
  mixedPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: MixedPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowGradient('mixed', gradOutput, input, options, out);
  }

  /**
   * Stochastic pooling at evaluation (Zeiler & Fergus 2013): Σ a_i² / Σ a_i with
   * a = max(x, 0), the window average weighted by the training-time probabilities
   * p_i = a_i / Σ a; 0 where the window's weights sum to 0.
   */
  stochasticPoolEval(input: PoolTensor<'float32'>, options: StochasticPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#windowOutput('stochasticEval', input, options, out);
  }

  /**
   * Stochastic pooling in training (Zeiler & Fergus 2013): in each window one
   * element, picked with probability a_i / Σ a (a = max(x, 0)), is the output and
   * its plane index is returned; a window whose weights sum to 0 outputs 0 and
   * picks its first element. Picks come from a counter-based hash of `seed` and
   * each output's logical position: the same on every device and layout and in the
   * CPU reference. Without a seed the engine advances its own, so calls differ.
   */
  stochasticPool(input: PoolTensor<'float32'>, options: StochasticPoolOptions, out?: MaxPoolOut): MaxPoolResult {
    const { x, spec } = specFor(this.#ctx, 'stochastic', input, options);
    const o = this.#ctx.checkOut(out, windowResults(x, spec), [x]);
    return windowForward(this.#ctx, x, spec, spec.seed ?? this.#nextSeed(), o as MaxPoolOut) as MaxPoolResult;
  }

  /** Gradient of stochastic pooling in training: each output's gradient goes to its picked element. */
  stochasticPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'>,
    options: StochasticPoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, 'stochastic', input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const idx = this.#indices(indices);
    checkLikeOutput(g, 'gradOutput', x, spec);
    checkLikeOutput(idx, 'indices', x, spec);
    // The picks are stored like max pooling's winners: its gather by indices applies.
    return windowBackward(this.#ctx, g, x, { ...spec, mode: 'max' }, idx, this.#gradOut(out, x, [g, idx]));
  }

  /** Gradient of stochastic pooling's evaluation rule with respect to its input. */
  stochasticPoolEvalBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    options: StochasticPoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    return this.#windowGradient('stochasticEval', gradOutput, input, options, out);
  }

  /**
   * Max unpooling: values and their indices from `maxPool` back to a map of
   * `outputSize` (default PyTorch's (in − 1)·stride − 2·padding + kernel), zero
   * elsewhere. Where two values name one index, which one stays is unspecified
   * (max pooling's indices never do that with different values).
   */
  maxUnpool(values: PoolTensor<'float32'>, indices: PoolTensor<'int32'>, options: MaxUnpoolOptions, out?: Out): PoolTensor<'float32'> {
    const { v, idx, spec } = this.#unpoolCall(values, indices, options);
    const shape = unpoolShape(v, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, v.layout) }, [v, idx]);
    if (!o.output) this.#ctx.checkFits('output', shape);
    return unpoolForward(this.#ctx, v, idx, spec, o.output as Out | undefined);
  }

  /** Gradient of max unpooling with respect to the values: the output gradient at each index. */
  maxUnpoolBackward(
    gradOutput: PoolTensor<'float32'>,
    values: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'>,
    options: MaxUnpoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    const { v, idx, spec } = this.#unpoolCall(values, indices, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    checkShape(g, 'gradOutput', unpoolShape(v, spec), v.layout, 'the unpooled shape');
    const o = this.#ctx.checkOut(out, { output: result(v.shape, v.layout) }, [g, v, idx]);
    return unpoolBackward(this.#ctx, g, v, idx, spec, o.output as Out | undefined);
  }

  #unpoolCall(values: unknown, indices: unknown, options: unknown) {
    this.#ctx.checkAlive();
    const v = this.#ctx.own(values, 'values', 'float32');
    const idx = this.#indices(indices);
    checkShape(idx, 'indices', v.shape, v.layout, "the values' shape");
    return { v, idx, spec: unpoolSpec(v.dims.spatial, options) };
  }

  /**
   * Fractional max pooling (Graham 2014), rank 2 and 3: windows of `kernel` placed
   * by PyTorch's sequence from per-(n, c, dimension) samples — the caller's, or
   * drawn from `seed`, or from the engine's own counter so successive calls
   * differ. Returns the samples used, which the backward needs.
   */
  fractionalMaxPool(input: PoolTensor<'float32'>, options: FractionalMaxPoolOptions, out?: MaxPoolOut): MaxPoolResult & { samples: Float32Array } {
    const { x, spec, samples } = this.#fractionalCall(input, options, true);
    const shape = fractionalShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, x.layout), indices: result(shape, x.layout, 'int32') }, [x]);
    if (!o.output || !o.indices) this.#ctx.checkFits('output', shape);
    const s = this.#ctx.upload(samples, [samples.length, 1, 1], 'NCW') as PoolTensor<'float32'>;
    const { output, indices } = fractionalForward(this.#ctx, x, spec, s, o as MaxPoolOut);
    s.destroy();
    return { output, indices, samples };
  }

  /** Gradient of fractional max pooling; `options.samples` must be the ones the forward returned. */
  fractionalMaxPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'>,
    options: FractionalMaxPoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    const { x, spec, samples } = this.#fractionalCall(input, options, false);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const idx = this.#indices(indices);
    const shape = fractionalShape(x, spec);
    checkShape(g, 'gradOutput', shape, x.layout, "the forward output's shape");
    checkShape(idx, 'indices', shape, x.layout, "the forward output's shape");
    const o = this.#gradOut(out, x, [g, idx]);
    const s = this.#ctx.upload(samples, [samples.length, 1, 1], 'NCW') as PoolTensor<'float32'>;
    const gradInput = fractionalBackward(this.#ctx, g, x, spec, s, idx, o);
    s.destroy();
    return gradInput;
  }

  #fractionalCall(input: unknown, options: FractionalMaxPoolOptions, mayDraw: boolean) {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const spec = fractionalSpec(x.dims.spatial, options);
    const { batch, channels } = x.dims;
    let samples: Float32Array;
    if (options.samples !== undefined) samples = checkSamples(options.samples, batch, channels, spec.rank);
    else if (!mayDraw) throw new PoolError('INVALID_OPTION', 'samples', undefined, 'the backward needs the samples the forward returned');
    else samples = drawSamples(options.seed ?? this.#nextSeed(), batch, channels, spec.rank);
    return { x, spec, samples };
  }

  #seedCounter = 0x5eed;

  /** A fresh seed per call for random ops given none, so successive calls differ. */
  #nextSeed(): number {
    this.#seedCounter = (this.#seedCounter + 0x9e3779b9) >>> 0;
    return this.#seedCounter;
  }

  /** Checks a backward's indices: a live int32 tensor, never the null of an `indices: false` forward. */
  #indices(indices: unknown): PoolTensor<'int32'> {
    if (indices === null) {
      throw new PoolError('NO_INDICES', 'indices', null, 'came from a forward call with indices: false; run the forward with indices to take its gradient');
    }
    return this.#ctx.own(indices, 'indices', 'int32');
  }

  /** Checks the `out` of a gradient with respect to `x` (its shape and layout). */
  #gradOut(out: unknown, x: PoolTensor<'float32'>, inputs: PoolTensor<DType>[]): Out | undefined {
    return this.#ctx.checkOut(out, { output: result(x.shape, x.layout) }, [x, ...inputs]).output as Out | undefined;
  }

  /** A window mode's forward output (every mode but max, which also returns indices). */
  #windowOutput(mode: WindowMode, input: PoolTensor<'float32'>, options: unknown, out: unknown): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, mode, input, options);
    const o = this.#ctx.checkOut(out, { output: windowResults(x, spec).output }, [x]);
    return windowForward(this.#ctx, x, spec, 0, o as MaxPoolOut).output;
  }

  /** A window mode's gradient with respect to its input (every mode but max, which reads its indices). */
  #windowGradient(mode: WindowMode, gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: unknown, out: unknown): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, mode, input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    checkLikeOutput(g, 'gradOutput', x, spec);
    return windowBackward(this.#ctx, g, x, spec, null, this.#gradOut(out, x, [g]));
  }

  /** Whether the workgroup reductions (GeM's backward statistics) use subgroup operations on this device. */
  get subgroups(): boolean {
    return this.#ctx.subgroups;
  }

  /** Threads this engine's launches aim to keep in flight (PoolEngineOptions.parallelism, or the device's default). */
  get parallelism(): number {
    return this.#ctx.parallelism;
  }

  // ------------------------------------------------------------ global, adaptive

  /** Validates a global / adaptive call on a tensor of this engine; nothing is allocated yet. */
  #adaptive(input: unknown, spec: (spatial: number[]) => AdaptiveSpec): { x: PoolTensor<'float32'>; spec: AdaptiveSpec } {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    return { x, spec: spec(x.dims.spatial) };
  }

  #adaptiveRun(x: PoolTensor<'float32'>, spec: AdaptiveSpec, out: unknown) {
    const shape = spec.global ? reducedShape(x) : adaptiveShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, x.layout), indices: spec.indices ? result(shape, x.layout, 'int32') : null }, [x]) as MaxPoolOut;
    return spec.global ? reduceForward(this.#ctx, x, spec, o) : adaptiveForward(this.#ctx, x, spec, o);
  }

  /** An average call's single result: `out` is one tensor. */
  #adaptiveAvgRun(x: PoolTensor<'float32'>, spec: AdaptiveSpec, out: unknown) {
    const shape = spec.global ? reducedShape(x) : adaptiveShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, x.layout) }, [x]) as MaxPoolOut;
    return spec.global ? reduceForward(this.#ctx, x, spec, o) : adaptiveForward(this.#ctx, x, spec, o);
  }

  #adaptiveBackward(gradOutput: unknown, x: PoolTensor<'float32'>, spec: AdaptiveSpec, indices: unknown, out: unknown): PoolTensor<'float32'> {
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const shape = spec.global ? reducedShape(x) : adaptiveShape(x, spec);
    checkShape(g, 'gradOutput', shape, x.layout, 'the forward output shape');
    let idx: PoolTensor<'int32'> | null = null;
    if (spec.mode === 'max') {
      idx = this.#indices(indices);
      checkShape(idx, 'indices', shape, x.layout, 'the forward output shape');
    }
    const o = this.#gradOut(out, x, idx ? [g, idx] : [g]);
    return spec.global ? reduceBackward(this.#ctx, g, x, spec, idx, o) : adaptiveBackward(this.#ctx, g, x, spec, idx, o);
  }

  /** Global average pooling: one mean per (n, c), output [N, C, 1, …], as a parallel reduction. */
  globalAvgPool(input: PoolTensor<'float32'>, out?: Out): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('avg', s));
    return this.#adaptiveAvgRun(x, spec, out).output;
  }

  /** Gradient of global average pooling with respect to its input. */
  globalAvgPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, out?: Out): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('avg', s));
    return this.#adaptiveBackward(gradOutput, x, spec, null, out);
  }

  /** Global max pooling: one maximum per (n, c) and its flat plane index (first maximum wins, NaN propagates). `indices: false` writes none. */
  globalMaxPool<O extends GlobalMaxPoolOptions = {}>(input: PoolTensor<'float32'>, options?: O, out?: MaxPoolOut): MaxResults<O>;
  globalMaxPool(input: PoolTensor<'float32'>, options?: GlobalMaxPoolOptions, out?: MaxPoolOut): MaxPoolResult | MaxPoolOutput {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('max', s, options));
    return this.#adaptiveRun(x, spec, out) as MaxPoolResult | MaxPoolOutput;
  }

  /** Gradient of global max pooling: each winner gets its row's gradient. */
  globalMaxPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, indices: PoolTensor<'int32'>, out?: Out): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('max', s));
    return this.#adaptiveBackward(gradOutput, x, spec, indices, out);
  }

  /** Adaptive average pooling with PyTorch's bins; a 1 × … × 1 output runs as the global reduction. */
  adaptiveAvgPool(input: PoolTensor<'float32'>, options: AdaptivePoolOptions, out?: Out): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('avg', s, options));
    return this.#adaptiveAvgRun(x, spec, out).output;
  }

  /** Gradient of adaptive average pooling with respect to its input. */
  adaptiveAvgPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: AdaptivePoolOptions, out?: Out): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('avg', s, options));
    return this.#adaptiveBackward(gradOutput, x, spec, null, out);
  }

  /** Adaptive max pooling with PyTorch's bins and indices; a 1 × … × 1 output runs as the global reduction. `indices: false` writes none. */
  adaptiveMaxPool<O extends AdaptivePoolOptions>(input: PoolTensor<'float32'>, options: O, out?: MaxPoolOut): MaxResults<O>;
  adaptiveMaxPool(input: PoolTensor<'float32'>, options: AdaptivePoolOptions, out?: MaxPoolOut): MaxPoolResult | MaxPoolOutput {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('max', s, options));
    return this.#adaptiveRun(x, spec, out) as MaxPoolResult | MaxPoolOutput;
  }

  /** Gradient of adaptive max pooling: each winner collects the gradients of the bins it won. */
  adaptiveMaxPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'>,
    options: AdaptivePoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('max', s, options));
    return this.#adaptiveBackward(gradOutput, x, spec, indices, out);
  }

  // ------------------------------------------------------------ spatial pyramid

  /**
   * Spatial pyramid pooling (rank 2, either layout) in one launch: for each level l,
   * adaptive pooling to l × l, flattened in (C, l, l) order and concatenated, so the
   * output is [N, C · Σ l²] in layout 'NC'. Mode 'max' also returns indices (unless `indices: false`).
   */
  spatialPyramidPool(input: PoolTensor<'float32'>, options?: SpatialPyramidPoolOptions, out?: MaxPoolOut): SpatialPyramidPoolResult {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const spec = pyramidSpec(x.dims.spatial, options);
    const shape = pyramidShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, 'NC'), indices: spec.indices ? result(shape, 'NC', 'int32') : null }, [x]);
    return pyramidForward(this.#ctx, x, spec, o as MaxPoolOut);
  }

  /** Gradient of spatial pyramid pooling; `indices` is the forward's in mode 'max' and null in mode 'avg'. */
  spatialPyramidPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'> | null,
    options?: SpatialPyramidPoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const spec = pyramidSpec(x.dims.spatial, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const shape = pyramidShape(x, spec);
    checkShape(g, 'gradOutput', shape, 'NC', 'the forward output shape');
    let idx: PoolTensor<'int32'> | null = null;
    if (spec.mode === 'max') {
      if (indices === undefined) throw new PoolError('INVALID_OPTION', 'indices', indices, "must be the forward's indices in mode 'max'");
      idx = this.#indices(indices);
      checkShape(idx, 'indices', shape, 'NC', 'the forward output shape');
    }
    return pyramidBackward(this.#ctx, g, x, spec, idx, this.#gradOut(out, x, idx ? [g, idx] : [g]));
  }

  // ------------------------------------------------------------ strip pooling

  /** Strip pooling (rank 2, either layout): rows [N, C, H, 1] average over W, cols [N, C, 1, W] average over H. */
  stripPool(input: PoolTensor<'float32'>, out?: { rows?: PoolTensor<'float32'>; cols?: PoolTensor<'float32'> }): StripPoolResult {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const { height, width } = stripSpec(x.dims.spatial);
    const shapes = stripShapes(x.dims, x.layout);
    const o = this.#ctx.checkOut(out, { rows: result(shapes.rows, x.layout), cols: result(shapes.cols, x.layout) }, [x]);
    return stripReduce(this.#ctx, x, width, height, 'stripPool.forward', o as StripOut);
  }

  /** Gradient of strip pooling with respect to its input, from the gradients of both strips (`{ rows, cols }`, like the forward's result). */
  stripPoolBackward(gradOutput: StripPoolResult, input: PoolTensor<'float32'>, out?: Out): PoolTensor<'float32'> {
    this.#ctx.checkAlive();
    const { rows: gradRows, cols: gradCols } = stripGradients(gradOutput);
    const x = this.#ctx.own(input, 'input', 'float32');
    const { height, width } = stripSpec(x.dims.spatial);
    const gr = this.#ctx.own(gradRows, 'gradRows', 'float32');
    const gc = this.#ctx.own(gradCols, 'gradCols', 'float32');
    const shapes = stripShapes(x.dims, x.layout);
    checkShape(gr, 'gradRows', shapes.rows, x.layout, 'the row strip shape');
    checkShape(gc, 'gradCols', shapes.cols, x.layout, 'the column strip shape');
    return stripExpand(this.#ctx, gr, gc, x.dims, width, height, 'stripPool.backward', this.#gradOut(out, x, [gr, gc]));
  }

  /** Strip pooling's expand-and-add step: out[n, c, h, w] = rows[n, c, h] + cols[n, c, w], in the strips' layout. */
  stripPoolExpand(rows: PoolTensor<'float32'>, cols: PoolTensor<'float32'>, out?: Out): PoolTensor<'float32'> {
    this.#ctx.checkAlive();
    const r = this.#ctx.own(rows, 'rows', 'float32');
    const c = this.#ctx.own(cols, 'cols', 'float32');
    const dims = stripExpandDims(r, c);
    const o = this.#ctx.checkOut(out, { output: result(shapeOf(dims, r.layout), r.layout) }, [r, c]);
    return stripExpand(this.#ctx, r, c, dims, 1, 1, 'stripPoolExpand.forward', o.output as Out | undefined);
  }

  /** Gradient of the expand-and-add step: rows sum their row of the gradient, cols their column. */
  stripPoolExpandBackward(gradOutput: PoolTensor<'float32'>, out?: { rows?: PoolTensor<'float32'>; cols?: PoolTensor<'float32'> }): StripPoolResult {
    this.#ctx.checkAlive();
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    stripSpec(g.dims.spatial);
    const shapes = stripShapes(g.dims, g.layout);
    const o = this.#ctx.checkOut(out, { rows: result(shapes.rows, g.layout), cols: result(shapes.cols, g.layout) }, [g]);
    return stripReduce(this.#ctx, g, 1, 1, 'stripPoolExpand.backward', o as StripOut);
  }

  // ------------------------------------------------------------ GeM

  /** GeM pooling (global, rank 2, either layout): (mean(max(x, eps)ᵖ))^(1/p) per (n, c), output [N, C, 1, 1]. */
  gemPool(input: PoolTensor<'float32'>, options?: GemPoolOptions, out?: Out): PoolTensor<'float32'> {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const spec = gemSpec(x.dims.spatial, options);
    const o = this.#ctx.checkOut(out, { output: result(reducedShape(x), x.layout) }, [x]);
    return gemForward(this.#ctx, x, spec, o.output as Out | undefined);
  }

  /** Gradients of GeM pooling with respect to the input and to p (one p shared by every channel). */
  gemPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    options?: GemPoolOptions,
    out?: { gradInput?: PoolTensor<'float32'>; gradP?: PoolTensor<'float32'> },
  ): GemPoolGradients {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const spec = gemSpec(x.dims.spatial, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    checkShape(g, 'gradOutput', reducedShape(x), x.layout, 'the forward output shape');
    const o = this.#ctx.checkOut(out, { gradInput: result(x.shape, x.layout), gradP: result([1, 1], 'NC') }, [x, g]);
    return gemBackward(this.#ctx, g, x, spec, o as { gradInput?: Out; gradP?: Out });
  }

  // ------------------------------------------------------------ region pooling

  /** Validates a region call: the engine, x, then the options and every box (roiSpec); nothing is allocated yet. */
  #roi(op: RoiOp, input: unknown, rois: RoiBoxes, options: unknown): { x: PoolTensor<'float32'>; spec: RoiSpec } {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    return { x, spec: roiSpec(op, x.dims, rois, options) };
  }

  /** A region op's single output (every one but roiPool, which also returns indices). */
  #roiOutput(op: RoiOp, input: unknown, rois: RoiBoxes, options: unknown, out: unknown): PoolTensor<'float32'> {
    const { x, spec } = this.#roi(op, input, rois, options);
    const o = this.#ctx.checkOut(out, { output: result(roiShape(x, spec), batchedLayout(x.layout)) }, [x]);
    return roiForward(this.#ctx, x, spec, o as { output?: Out }).output;
  }

  /** A region op's gradient with respect to its input; `indices` only for roiPool. */
  #roiGradient(op: RoiOp, gradOutput: unknown, input: unknown, rois: RoiBoxes, indices: unknown, options: unknown, out: unknown): PoolTensor<'float32'> {
    const { x, spec } = this.#roi(op, input, rois, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const shape = roiShape(x, spec);
    checkShape(g, 'gradOutput', shape, batchedLayout(x.layout), "the forward output's shape");
    let idx: PoolTensor<'int32'> | null = null;
    if (op === 'roiPool') {
      idx = this.#indices(indices);
      checkShape(idx, 'indices', shape, batchedLayout(x.layout), "the forward output's shape");
    }
    return roiBackward(this.#ctx, g, x, spec, idx, this.#gradOut(out, x, idx ? [g, idx] : [g]));
  }

  /**
   * torchvision's roi_align (rank 2, NCHW or NHWC): for each box of `rois` (host data,
   * `[K, 5]` or `[K, 4]` with `batchIndices`), each bin averages bilinear samples on a
   * regular grid. Output `[K, C, outH, outW]` in x's layout. Bad boxes raise PoolError before any GPU work.
   */
  roiAlign(input: PoolTensor<'float32'>, rois: RoiBoxes, options: RoiAlignOptions, out?: Out): PoolTensor<'float32'> {
    return this.#roiOutput('roiAlign', input, rois, options, out);
  }

  /** Gradient of roiAlign with respect to its input, gathered per input element (deterministic). */
  roiAlignBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    rois: RoiBoxes,
    options: RoiAlignOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    return this.#roiGradient('roiAlign', gradOutput, input, rois, null, options, out);
  }

  /**
   * torchvision's roi_pool: the max of each rounded bin (first maximum on ties, NaN never wins; an
   * empty bin gives 0) and its index h · W + w in the input plane (−1: no winner).
   */
  roiPool(input: PoolTensor<'float32'>, rois: RoiBoxes, options: RoiPoolOptions, out?: MaxPoolOut): MaxPoolResult {
    const { x, spec } = this.#roi('roiPool', input, rois, options);
    const shape = roiShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, batchedLayout(x.layout)), indices: result(shape, batchedLayout(x.layout), 'int32') }, [x]);
    return roiForward(this.#ctx, x, spec, o as MaxPoolOut) as MaxPoolResult;
  }

  /** Gradient of roiPool: each bin's gradient to the cell its index names (the forward's indices). */
  roiPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    rois: RoiBoxes,
    indices: PoolTensor<'int32'>,
    options: RoiPoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    return this.#roiGradient('roiPool', gradOutput, input, rois, indices, options, out);
  }

  /** torchvision's ps_roi_align: position-sensitive roiAlign (always half-pixel aligned); output `[K, C / (outH · outW), outH, outW]`. */
  psRoiAlign(input: PoolTensor<'float32'>, rois: RoiBoxes, options: PsRoiAlignOptions, out?: Out): PoolTensor<'float32'> {
    return this.#roiOutput('psRoiAlign', input, rois, options, out);
  }

  /** Gradient of psRoiAlign with respect to its input. */
  psRoiAlignBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    rois: RoiBoxes,
    options: PsRoiAlignOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    return this.#roiGradient('psRoiAlign', gradOutput, input, rois, null, options, out);
  }

  /** torchvision's ps_roi_pool: the position-sensitive average of each rounded bin (0 when empty); output `[K, C / (outH · outW), outH, outW]`. */
  psRoiPool(input: PoolTensor<'float32'>, rois: RoiBoxes, options: PsRoiPoolOptions, out?: Out): PoolTensor<'float32'> {
    return this.#roiOutput('psRoiPool', input, rois, options, out);
  }

  /** Gradient of psRoiPool as torchvision computes it (bins clipped at H and W, where the forward clips at H − 1 and W − 1). */
  psRoiPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    rois: RoiBoxes,
    options: PsRoiPoolOptions,
    out?: Out,
  ): PoolTensor<'float32'> {
    return this.#roiGradient('psRoiPool', gradOutput, input, rois, null, options, out);
  }

  /** Releases every buffer the engine holds, and the device if the engine requested it. */
  destroy(): void {
    this.#ctx.destroy();
    if (this.#ownsDevice) this.#ctx.device.destroy();
  }
}

type StripOut = { rows?: PoolTensor<'float32'>; cols?: PoolTensor<'float32'> };

/** A result's shape, layout and dtype (float32 unless given). */
function result(shape: readonly number[], layout: Layout, dtype: DType = 'float32'): ResultSpec {
  return { shape, layout, dtype };
}

/**
 * A pooling engine on a device you already have, made at once (createPoolEngine
 * with `device` does the same, as a promise): for code that cannot wait, such as a
 * TF.js kernel making the engine on its first call. It loads no kernels: `await
 * loadKernels()` (or the families you use) once before.
 */
export function createPoolEngineOnDevice(
  device: GPUDevice,
  options: Omit<PoolEngineOptions, 'device' | 'gpu' | 'powerPreference' | 'kernels'> = {},
): PoolEngine {
  checkParallelism(options.parallelism);
  const ctx = new GpuContext(device, options.label ?? 'pool', options.subgroups !== false, parallelismOf(device, options.parallelism));
  return new PoolEngine(ctx, false);
}

/**
 * Creates a pooling engine on `options.device`, or on a device it requests
 * (asking for the adapter's largest buffer and binding limits).
 */
export async function createPoolEngine(options: PoolEngineOptions = {}): Promise<PoolEngine> {
  checkParallelism(options.parallelism);
  // Kernels first: a bad `kernels` option then refuses before a device is requested.
  await loadKernels(options.kernels);
  const device = await acquireDevice(options);
  const ctx = new GpuContext(device, options.label ?? 'pool', options.subgroups !== false, parallelismOf(device, options.parallelism));
  const engine = new PoolEngine(ctx, options.device === undefined);
  // Node's webgpu package frees its instance when the GPU object is collected,
  // taking the device with it: the engine keeps the GPU it was given alive.
  keepAlive.set(engine, options.gpu ?? null);
  return engine;
}

const keepAlive = new WeakMap<PoolEngine, GPU | null>();

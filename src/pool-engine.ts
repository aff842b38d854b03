import { acquireDevice, GpuContext, NeedsChunks, type PoolEngineOptions, type PoolStats } from './engine';
import { callInChunks, tensorArgs } from './chunked-call';
import type { Layout } from './layout';
import { checkLikeOutput, specFor, windowBackward, windowForward, windowResults } from './ops/window';
import type { DType, FloatDType, FloatTensor, PoolTensor } from './tensor';
import type { TensorData } from './tensor-data';
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

/** Options of `engine.tensor`: the layout, and the dtype to store ('float16': the data rounded to nearest even, or raw half bits from a Uint16Array). */
export interface TensorOptions<D extends DType = DType> {
  layout?: Layout;
  dtype?: D;
}

/** Max pooling's results: the pooled values and, for each, its winner's flat index in its spatial plane. */
export interface MaxPoolResult<F extends FloatDType = 'float32'> {
  output: PoolTensor<F>;
  indices: PoolTensor<'int32'>;
}

/** A max-style call's results under `indices: false` (inference): no index tensor. */
export interface MaxPoolOutput<F extends FloatDType = 'float32'> {
  output: PoolTensor<F>;
  indices: null;
}

/** Tensors to write a max-style call's results into (`out`); either may be left out. */
export interface MaxPoolOut<F extends FloatDType = 'float32'> {
  output?: PoolTensor<F>;
  indices?: PoolTensor<'int32'>;
}

/** The `out` of a call with one result: the tensor to write it into. */
export type Out<F extends FloatDType = 'float32'> = PoolTensor<F>;

/**
 * A max-style call's results for options of type O: `indices: null` where O says
 * `indices: false` (a literal), else the indices tensor.
 */
export type MaxResults<O, F extends FloatDType = 'float32'> = [O] extends [never]
  ? MaxPoolResult<F>
  : [O] extends [{ indices: false }]
    ? MaxPoolOutput<F>
    : MaxPoolResult<F>;

/** Spatial pyramid pooling's results: [N, C · Σ l²] features ('NC'), and in mode 'max' the winners' plane indices. */
export interface SpatialPyramidPoolResult<F extends FloatDType = 'float32'> {
  output: PoolTensor<F>;
  indices: PoolTensor<'int32'> | null;
}

/** Strip pooling's two strips, in the input's layout: rows [N, C, H, 1] and cols [N, C, 1, W]. */
export interface StripPoolResult<F extends FloatDType = 'float32'> {
  rows: PoolTensor<F>;
  cols: PoolTensor<F>;
}

/** GeM pooling's gradients: with respect to the input, and with respect to p (a [1, 1] 'NC' tensor, summed over all n, c). */
export interface GemPoolGradients<F extends FloatDType = 'float32'> {
  gradInput: PoolTensor<F>;
  gradP: PoolTensor<F>;
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
    // A call on a tensor past one storage binding runs in chunks (src/chunked-call.ts).
    for (const op of Object.keys(opFamilies)) {
      const call = ops[op];
      ops[op] = (...args) => {
        checkKernelsLoaded(op);
        if (!ctx.needsChunks(tensorArgs(args))) {
          try {
            return call.apply(this, args);
          } catch (e) {
            // Raised before anything is allocated: a result passes one binding.
            if (!(e instanceof NeedsChunks)) throw e;
          }
        }
        return callInChunks(ctx, op, call, this, args, () => this.#nextSeed());
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
   * `{ dtype: 'float16' }` stores halves: a Float32Array is rounded to nearest even,
   * a Uint16Array is taken as half bits, a Float16Array (where the runtime has one)
   * as is; a Float16Array alone also makes a float16 tensor.
   */
  tensor(data: Float32Array, shape: readonly number[], layout?: Layout | TensorOptions<'float32'>): PoolTensor<'float32'>;
  tensor(
    data: Float32Array | Uint16Array | ArrayBufferView,
    shape: readonly number[],
    options: TensorOptions<'float16'> & { dtype: 'float16' },
  ): PoolTensor<'float16'>;
  tensor(data: Int32Array, shape: readonly number[], layout?: Layout | TensorOptions<'int32'>): PoolTensor<'int32'>;
  tensor(data: Float32Array, shape: readonly number[], options: TensorOptions<FloatDType>): FloatTensor;
  tensor(data: TensorData, shape: readonly number[], options?: Layout | TensorOptions<DType>): PoolTensor<DType> {
    const { layout, dtype } = typeof options === 'object' && options !== null ? options : { layout: options, dtype: undefined };
    return this.#ctx.upload(data, shape, layout, dtype);
  }

  /**
   * A view of your GPUBuffer as a tensor, with no copy: ops read it in place, and
   * write into it when it is their `out`. The buffer needs STORAGE usage and room
   * for `offset + 4 · size` bytes; `offset` is a multiple of the device's
   * minStorageBufferOffsetAlignment. The engine never destroys the buffer;
   * `tensor.destroy()` only forgets it.
   */
  wrap(buffer: GPUBuffer, shape: readonly number[], options?: WrapOptions<'float32'>): PoolTensor<'float32'>;
  wrap(buffer: GPUBuffer, shape: readonly number[], options: WrapOptions<'float16'> & { dtype: 'float16' }): PoolTensor<'float16'>;
  wrap(buffer: GPUBuffer, shape: readonly number[], options: WrapOptions<FloatDType> & { dtype: FloatDType }): FloatTensor;
  wrap(buffer: GPUBuffer, shape: readonly number[], options: WrapOptions<'int32'> & { dtype: 'int32' }): PoolTensor<'int32'>;
  wrap(buffer: GPUBuffer, shape: readonly number[], options?: WrapOptions): PoolTensor<DType> {
    return wrapBuffer(this.#ctx, buffer, shape, options);
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
  maxPool<F extends FloatDType, O extends MaxPoolOptions>(input: PoolTensor<F>, options: O, out?: MaxPoolOut<F>): MaxResults<O, F>;
  maxPool(input: FloatTensor, options: MaxPoolOptions, out?: MaxPoolOut<FloatDType>): MaxPoolResult<FloatDType> | MaxPoolOutput<FloatDType> {
    const { x, spec } = specFor(this.#ctx, 'max', input, options);
    const o = this.#ctx.checkOut(out, windowResults(x, spec), [x]);
    return windowForward(this.#ctx, x, spec, 0, o as MaxPoolOut) as MaxPoolResult | MaxPoolOutput;
  }

  /** Gradient of max pooling with respect to its input: each winner collects its windows' gradients. */
  maxPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    indices: PoolTensor<'int32'>,
    options: MaxPoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  maxPoolBackward(gradOutput: FloatTensor, input: FloatTensor, indices: PoolTensor<'int32'>, options: MaxPoolOptions, out?: Out<FloatDType>): FloatTensor {
    const { x, spec } = specFor(this.#ctx, 'max', input, options);
    checkPlaneIndices(spec);
    const g = this.#ctx.own(gradOutput, 'gradOutput', x.dtype);
    const idx = this.#indices(indices);
    checkLikeOutput(g, 'gradOutput', x, spec);
    checkLikeOutput(idx, 'indices', x, spec);
    return windowBackward(this.#ctx, g, x, spec, idx, this.#gradOut(out, x, [g, idx]));
  }

  /** Average pooling with PyTorch's divisor rules (countIncludePad, ceil mode, divisorOverride). */
  avgPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, options: AvgPoolOptions, out?: Out<F>): PoolTensor<F>;
  avgPool(input: FloatTensor, options: AvgPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowOutput('avg', input, options, out);
  }

  /** Gradient of average pooling with respect to its input. */
  avgPoolBackward<F extends FloatDType = 'float32'>(gradOutput: PoolTensor<F>, input: PoolTensor<F>, options: AvgPoolOptions, out?: Out<F>): PoolTensor<F>;
  avgPoolBackward(gradOutput: FloatTensor, input: FloatTensor, options: AvgPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowGradient('avg', gradOutput, input, options, out);
  }

  /** Power-average pooling: (Σ xᵖ)^(1/p) over each window, as PyTorch's LPPool computes it. */
  lpPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, options: LpPoolOptions, out?: Out<F>): PoolTensor<F>;
  lpPool(input: FloatTensor, options: LpPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowOutput('lp', input, options, out);
  }

  /** Gradient of power-average pooling with respect to its input. */
  lpPoolBackward<F extends FloatDType = 'float32'>(gradOutput: PoolTensor<F>, input: PoolTensor<F>, options: LpPoolOptions, out?: Out<F>): PoolTensor<F>;
  lpPoolBackward(gradOutput: FloatTensor, input: FloatTensor, options: LpPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowGradient('lp', gradOutput, input, options, out);
  }

  /**
   * SoftPool (Stergiou et al. 2021): Σ e^{x_i}·x_i / Σ e^{x_i} over each window,
   * computed with the window maximum subtracted so inputs like 1e4 stay finite.
   */
  softPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, options: SoftPoolOptions, out?: Out<F>): PoolTensor<F>;
  softPool(input: FloatTensor, options: SoftPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowOutput('soft', input, options, out);
  }

  /** Gradient of SoftPool with respect to its input. */
  softPoolBackward<F extends FloatDType = 'float32'>(gradOutput: PoolTensor<F>, input: PoolTensor<F>, options: SoftPoolOptions, out?: Out<F>): PoolTensor<F>;
  softPoolBackward(gradOutput: FloatTensor, input: FloatTensor, options: SoftPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowGradient('soft', gradOutput, input, options, out);
  }

  /** Mixed pooling (Yu et al. 2014): λ·max + (1 − λ)·average over the same window (`lambda`, default 0.5). */
  mixedPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, options: MixedPoolOptions, out?: Out<F>): PoolTensor<F>;
  mixedPool(input: FloatTensor, options: MixedPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowOutput('mixed', input, options, out);
  }

  /** Gradient of mixed pooling: λ to each window's max (first maximum), (1 − λ)/count to every element. */
  mixedPoolBackward<F extends FloatDType = 'float32'>(gradOutput: PoolTensor<F>, input: PoolTensor<F>, options: MixedPoolOptions, out?: Out<F>): PoolTensor<F>;
  mixedPoolBackward(gradOutput: FloatTensor, input: FloatTensor, options: MixedPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowGradient('mixed', gradOutput, input, options, out);
  }

  /**
   * Stochastic pooling at evaluation (Zeiler & Fergus 2013): Σ a_i² / Σ a_i with
   * a = max(x, 0), the window average weighted by the training-time probabilities
   * p_i = a_i / Σ a; 0 where the window's weights sum to 0.
   */
  stochasticPoolEval<F extends FloatDType = 'float32'>(input: PoolTensor<F>, options: StochasticPoolOptions, out?: Out<F>): PoolTensor<F>;
  stochasticPoolEval(input: FloatTensor, options: StochasticPoolOptions, out?: Out<FloatDType>): FloatTensor {
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
  stochasticPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, options: StochasticPoolOptions, out?: MaxPoolOut<F>): MaxPoolResult<F>;
  stochasticPool(input: FloatTensor, options: StochasticPoolOptions, out?: MaxPoolOut<FloatDType>): MaxPoolResult<FloatDType> {
    const { x, spec } = specFor(this.#ctx, 'stochastic', input, options);
    const o = this.#ctx.checkOut(out, windowResults(x, spec), [x]);
    return windowForward(this.#ctx, x, spec, spec.seed ?? this.#nextSeed(), o as MaxPoolOut) as MaxPoolResult;
  }

  /** Gradient of stochastic pooling in training: each output's gradient goes to its picked element. */
  stochasticPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    indices: PoolTensor<'int32'>,
    options: StochasticPoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  stochasticPoolBackward(
    gradOutput: FloatTensor,
    input: FloatTensor,
    indices: PoolTensor<'int32'>,
    options: StochasticPoolOptions,
    out?: Out<FloatDType>,
  ): FloatTensor {
    const { x, spec } = specFor(this.#ctx, 'stochastic', input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', x.dtype);
    const idx = this.#indices(indices);
    checkLikeOutput(g, 'gradOutput', x, spec);
    checkLikeOutput(idx, 'indices', x, spec);
    // The picks are stored like max pooling's winners: its gather by indices applies.
    return windowBackward(this.#ctx, g, x, { ...spec, mode: 'max' }, idx, this.#gradOut(out, x, [g, idx]));
  }

  /** Gradient of stochastic pooling's evaluation rule with respect to its input. */
  stochasticPoolEvalBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    options: StochasticPoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  stochasticPoolEvalBackward(gradOutput: FloatTensor, input: FloatTensor, options: StochasticPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#windowGradient('stochasticEval', gradOutput, input, options, out);
  }

  /**
   * Max unpooling: values and their indices from `maxPool` back to a map of
   * `outputSize` (default PyTorch's (in − 1)·stride − 2·padding + kernel), zero
   * elsewhere. Where two values name one index, which one stays is unspecified
   * (max pooling's indices never do that with different values).
   */
  maxUnpool<F extends FloatDType = 'float32'>(values: PoolTensor<F>, indices: PoolTensor<'int32'>, options: MaxUnpoolOptions, out?: Out<F>): PoolTensor<F>;
  maxUnpool(values: FloatTensor, indices: PoolTensor<'int32'>, options: MaxUnpoolOptions, out?: Out<FloatDType>): FloatTensor {
    const { v, idx, spec } = this.#unpoolCall(values, indices, options);
    const shape = unpoolShape(v, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, v.layout, v.dtype) }, [v, idx]);
    if (!o.output) this.#ctx.checkFits('output', shape);
    return unpoolForward(this.#ctx, v, idx, spec, o.output as Out | undefined);
  }

  /** Gradient of max unpooling with respect to the values: the output gradient at each index. */
  maxUnpoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    values: PoolTensor<F>,
    indices: PoolTensor<'int32'>,
    options: MaxUnpoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  maxUnpoolBackward(gradOutput: FloatTensor, values: FloatTensor, indices: PoolTensor<'int32'>, options: MaxUnpoolOptions, out?: Out<FloatDType>): FloatTensor {
    const { v, idx, spec } = this.#unpoolCall(values, indices, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', v.dtype);
    checkShape(g, 'gradOutput', unpoolShape(v, spec), v.layout, 'the unpooled shape');
    const o = this.#ctx.checkOut(out, { output: result(v.shape, v.layout, v.dtype) }, [g, v, idx]);
    return unpoolBackward(this.#ctx, g, v, idx, spec, o.output as Out | undefined);
  }

  #unpoolCall(values: unknown, indices: unknown, options: unknown) {
    this.#ctx.checkAlive();
    const v = this.#ctx.ownFloat(values, 'values');
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
  fractionalMaxPool<F extends FloatDType = 'float32'>(
    input: PoolTensor<F>,
    options: FractionalMaxPoolOptions,
    out?: MaxPoolOut<F>,
  ): MaxPoolResult<F> & { samples: Float32Array };
  fractionalMaxPool(
    input: FloatTensor,
    options: FractionalMaxPoolOptions,
    out?: MaxPoolOut<FloatDType>,
  ): MaxPoolResult<FloatDType> & { samples: Float32Array } {
    const { x, spec, samples } = this.#fractionalCall(input, options, true);
    const shape = fractionalShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, x.layout, x.dtype), indices: result(shape, x.layout, 'int32') }, [x]);
    if (!o.output || !o.indices) this.#ctx.checkFits('output', shape);
    const s = this.#ctx.upload(samples, [samples.length, 1, 1], 'NCW') as FloatTensor;
    const { output, indices } = fractionalForward(this.#ctx, x, spec, s, o as MaxPoolOut);
    s.destroy();
    return { output, indices, samples };
  }

  /** Gradient of fractional max pooling; `options.samples` must be the ones the forward returned. */
  fractionalMaxPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    indices: PoolTensor<'int32'>,
    options: FractionalMaxPoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  fractionalMaxPoolBackward(
    gradOutput: FloatTensor,
    input: FloatTensor,
    indices: PoolTensor<'int32'>,
    options: FractionalMaxPoolOptions,
    out?: Out<FloatDType>,
  ): FloatTensor {
    const { x, spec, samples } = this.#fractionalCall(input, options, false);
    const g = this.#ctx.own(gradOutput, 'gradOutput', x.dtype);
    const idx = this.#indices(indices);
    const shape = fractionalShape(x, spec);
    checkShape(g, 'gradOutput', shape, x.layout, "the forward output's shape");
    checkShape(idx, 'indices', shape, x.layout, "the forward output's shape");
    const o = this.#gradOut(out, x, [g, idx]);
    const s = this.#ctx.upload(samples, [samples.length, 1, 1], 'NCW') as FloatTensor;
    const gradInput = fractionalBackward(this.#ctx, g, x, spec, s, idx, o);
    s.destroy();
    return gradInput;
  }

  #fractionalCall(input: unknown, options: FractionalMaxPoolOptions, mayDraw: boolean) {
    this.#ctx.checkAlive();
    const x = this.#ctx.ownFloat(input, 'input');
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
  #gradOut(out: unknown, x: FloatTensor, inputs: PoolTensor<DType>[]): Out | undefined {
    return this.#ctx.checkOut(out, { output: result(x.shape, x.layout, x.dtype) }, [x, ...inputs]).output as Out | undefined;
  }

  /** A window mode's forward output (every mode but max, which also returns indices). */
  #windowOutput(mode: WindowMode, input: FloatTensor, options: unknown, out: unknown): FloatTensor {
    const { x, spec } = specFor(this.#ctx, mode, input, options);
    const o = this.#ctx.checkOut(out, { output: windowResults(x, spec).output }, [x]);
    return windowForward(this.#ctx, x, spec, 0, o as MaxPoolOut).output;
  }

  /** A window mode's gradient with respect to its input (every mode but max, which reads its indices). */
  #windowGradient(mode: WindowMode, gradOutput: FloatTensor, input: FloatTensor, options: unknown, out: unknown): FloatTensor {
    const { x, spec } = specFor(this.#ctx, mode, input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', x.dtype);
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
  #adaptive(input: unknown, spec: (spatial: number[]) => AdaptiveSpec): { x: FloatTensor; spec: AdaptiveSpec } {
    this.#ctx.checkAlive();
    const x = this.#ctx.ownFloat(input, 'input');
    return { x, spec: spec(x.dims.spatial) };
  }

  #adaptiveRun(x: FloatTensor, spec: AdaptiveSpec, out: unknown) {
    const shape = spec.global ? reducedShape(x) : adaptiveShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, x.layout, x.dtype), indices: spec.indices ? result(shape, x.layout, 'int32') : null }, [
      x,
    ]) as MaxPoolOut;
    return spec.global ? reduceForward(this.#ctx, x, spec, o) : adaptiveForward(this.#ctx, x, spec, o);
  }

  /** An average call's single result: `out` is one tensor. */
  #adaptiveAvgRun(x: FloatTensor, spec: AdaptiveSpec, out: unknown) {
    const shape = spec.global ? reducedShape(x) : adaptiveShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, x.layout, x.dtype) }, [x]) as MaxPoolOut;
    return spec.global ? reduceForward(this.#ctx, x, spec, o) : adaptiveForward(this.#ctx, x, spec, o);
  }

  #adaptiveBackward(gradOutput: unknown, x: FloatTensor, spec: AdaptiveSpec, indices: unknown, out: unknown): FloatTensor {
    const g = this.#ctx.own(gradOutput, 'gradOutput', x.dtype);
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
  globalAvgPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, out?: Out<F>): PoolTensor<F>;
  globalAvgPool(input: FloatTensor, out?: Out<FloatDType>): FloatTensor {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('avg', s));
    return this.#adaptiveAvgRun(x, spec, out).output;
  }

  /** Gradient of global average pooling with respect to its input. */
  globalAvgPoolBackward<F extends FloatDType = 'float32'>(gradOutput: PoolTensor<F>, input: PoolTensor<F>, out?: Out<F>): PoolTensor<F>;
  globalAvgPoolBackward(gradOutput: FloatTensor, input: FloatTensor, out?: Out<FloatDType>): FloatTensor {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('avg', s));
    return this.#adaptiveBackward(gradOutput, x, spec, null, out);
  }

  /** Global max pooling: one maximum per (n, c) and its flat plane index (first maximum wins, NaN propagates). `indices: false` writes none. */
  globalMaxPool<F extends FloatDType, O extends GlobalMaxPoolOptions = {}>(input: PoolTensor<F>, options?: O, out?: MaxPoolOut<F>): MaxResults<O, F>;
  globalMaxPool(input: FloatTensor, options?: GlobalMaxPoolOptions, out?: MaxPoolOut<FloatDType>): MaxPoolResult<FloatDType> | MaxPoolOutput<FloatDType> {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('max', s, options));
    return this.#adaptiveRun(x, spec, out) as MaxPoolResult | MaxPoolOutput;
  }

  /** Gradient of global max pooling: each winner gets its row's gradient. */
  globalMaxPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    indices: PoolTensor<'int32'>,
    out?: Out<F>,
  ): PoolTensor<F>;
  globalMaxPoolBackward(gradOutput: FloatTensor, input: FloatTensor, indices: PoolTensor<'int32'>, out?: Out<FloatDType>): FloatTensor {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('max', s));
    return this.#adaptiveBackward(gradOutput, x, spec, indices, out);
  }

  /** Adaptive average pooling with PyTorch's bins; a 1 × … × 1 output runs as the global reduction. */
  adaptiveAvgPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, options: AdaptivePoolOptions, out?: Out<F>): PoolTensor<F>;
  adaptiveAvgPool(input: FloatTensor, options: AdaptivePoolOptions, out?: Out<FloatDType>): FloatTensor {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('avg', s, options));
    return this.#adaptiveAvgRun(x, spec, out).output;
  }

  /** Gradient of adaptive average pooling with respect to its input. */
  adaptiveAvgPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    options: AdaptivePoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  adaptiveAvgPoolBackward(gradOutput: FloatTensor, input: FloatTensor, options: AdaptivePoolOptions, out?: Out<FloatDType>): FloatTensor {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('avg', s, options));
    return this.#adaptiveBackward(gradOutput, x, spec, null, out);
  }

  /** Adaptive max pooling with PyTorch's bins and indices; a 1 × … × 1 output runs as the global reduction. `indices: false` writes none. */
  adaptiveMaxPool<F extends FloatDType, O extends AdaptivePoolOptions>(input: PoolTensor<F>, options: O, out?: MaxPoolOut<F>): MaxResults<O, F>;
  adaptiveMaxPool(input: FloatTensor, options: AdaptivePoolOptions, out?: MaxPoolOut<FloatDType>): MaxPoolResult<FloatDType> | MaxPoolOutput<FloatDType> {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('max', s, options));
    return this.#adaptiveRun(x, spec, out) as MaxPoolResult | MaxPoolOutput;
  }

  /** Gradient of adaptive max pooling: each winner collects the gradients of the bins it won. */
  adaptiveMaxPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    indices: PoolTensor<'int32'>,
    options: AdaptivePoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  adaptiveMaxPoolBackward(
    gradOutput: FloatTensor,
    input: FloatTensor,
    indices: PoolTensor<'int32'>,
    options: AdaptivePoolOptions,
    out?: Out<FloatDType>,
  ): FloatTensor {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('max', s, options));
    return this.#adaptiveBackward(gradOutput, x, spec, indices, out);
  }

  // ------------------------------------------------------------ spatial pyramid

  /**
   * Spatial pyramid pooling (rank 2, either layout) in one launch: for each level l,
   * adaptive pooling to l × l, flattened in (C, l, l) order and concatenated, so the
   * output is [N, C · Σ l²] in layout 'NC'. Mode 'max' also returns indices (unless `indices: false`).
   */
  spatialPyramidPool<F extends FloatDType = 'float32'>(
    input: PoolTensor<F>,
    options?: SpatialPyramidPoolOptions,
    out?: MaxPoolOut<F>,
  ): SpatialPyramidPoolResult<F>;
  spatialPyramidPool(input: FloatTensor, options?: SpatialPyramidPoolOptions, out?: MaxPoolOut<FloatDType>): SpatialPyramidPoolResult<FloatDType> {
    this.#ctx.checkAlive();
    const x = this.#ctx.ownFloat(input, 'input');
    const spec = pyramidSpec(x.dims.spatial, options);
    const shape = pyramidShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, 'NC', x.dtype), indices: spec.indices ? result(shape, 'NC', 'int32') : null }, [x]);
    return pyramidForward(this.#ctx, x, spec, o as MaxPoolOut);
  }

  /** Gradient of spatial pyramid pooling; `indices` is the forward's in mode 'max' and null in mode 'avg'. */
  spatialPyramidPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    indices: PoolTensor<'int32'> | null,
    options?: SpatialPyramidPoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  spatialPyramidPoolBackward(
    gradOutput: FloatTensor,
    input: FloatTensor,
    indices: PoolTensor<'int32'> | null,
    options?: SpatialPyramidPoolOptions,
    out?: Out<FloatDType>,
  ): FloatTensor {
    this.#ctx.checkAlive();
    const x = this.#ctx.ownFloat(input, 'input');
    const spec = pyramidSpec(x.dims.spatial, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', x.dtype);
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
  stripPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, out?: { rows?: PoolTensor<F>; cols?: PoolTensor<F> }): StripPoolResult<F>;
  stripPool(input: FloatTensor, out?: { rows?: FloatTensor; cols?: FloatTensor }): StripPoolResult<FloatDType> {
    this.#ctx.checkAlive();
    const x = this.#ctx.ownFloat(input, 'input');
    const { height, width } = stripSpec(x.dims.spatial);
    const shapes = stripShapes(x.dims, x.layout);
    const o = this.#ctx.checkOut(out, { rows: result(shapes.rows, x.layout, x.dtype), cols: result(shapes.cols, x.layout, x.dtype) }, [x]);
    return stripReduce(this.#ctx, x, width, height, 'stripPool.forward', o as StripOut);
  }

  /** Gradient of strip pooling with respect to its input, from the gradients of both strips (`{ rows, cols }`, like the forward's result). */
  stripPoolBackward<F extends FloatDType = 'float32'>(gradOutput: StripPoolResult<F>, input: PoolTensor<F>, out?: Out<F>): PoolTensor<F>;
  stripPoolBackward(gradOutput: StripPoolResult<FloatDType>, input: FloatTensor, out?: Out<FloatDType>): FloatTensor {
    this.#ctx.checkAlive();
    const { rows: gradRows, cols: gradCols } = stripGradients(gradOutput);
    const x = this.#ctx.ownFloat(input, 'input');
    const { height, width } = stripSpec(x.dims.spatial);
    const gr = this.#ctx.own(gradRows, 'gradRows', x.dtype);
    const gc = this.#ctx.own(gradCols, 'gradCols', x.dtype);
    const shapes = stripShapes(x.dims, x.layout);
    checkShape(gr, 'gradRows', shapes.rows, x.layout, 'the row strip shape');
    checkShape(gc, 'gradCols', shapes.cols, x.layout, 'the column strip shape');
    return stripExpand(this.#ctx, gr, gc, x.dims, width, height, 'stripPool.backward', this.#gradOut(out, x, [gr, gc]));
  }

  /** Strip pooling's expand-and-add step: out[n, c, h, w] = rows[n, c, h] + cols[n, c, w], in the strips' layout. */
  stripPoolExpand<F extends FloatDType = 'float32'>(rows: PoolTensor<F>, cols: PoolTensor<F>, out?: Out<F>): PoolTensor<F>;
  stripPoolExpand(rows: FloatTensor, cols: FloatTensor, out?: Out<FloatDType>): FloatTensor {
    this.#ctx.checkAlive();
    const r = this.#ctx.ownFloat(rows, 'rows');
    const c = this.#ctx.own(cols, 'cols', r.dtype);
    const dims = stripExpandDims(r, c);
    const o = this.#ctx.checkOut(out, { output: result(shapeOf(dims, r.layout), r.layout, r.dtype) }, [r, c]);
    return stripExpand(this.#ctx, r, c, dims, 1, 1, 'stripPoolExpand.forward', o.output as Out | undefined);
  }

  /** Gradient of the expand-and-add step: rows sum their row of the gradient, cols their column. */
  stripPoolExpandBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    out?: { rows?: PoolTensor<F>; cols?: PoolTensor<F> },
  ): StripPoolResult<F>;
  stripPoolExpandBackward(gradOutput: FloatTensor, out?: { rows?: FloatTensor; cols?: FloatTensor }): StripPoolResult<FloatDType> {
    this.#ctx.checkAlive();
    const g = this.#ctx.ownFloat(gradOutput, 'gradOutput');
    stripSpec(g.dims.spatial);
    const shapes = stripShapes(g.dims, g.layout);
    const o = this.#ctx.checkOut(out, { rows: result(shapes.rows, g.layout, g.dtype), cols: result(shapes.cols, g.layout, g.dtype) }, [g]);
    return stripReduce(this.#ctx, g, 1, 1, 'stripPoolExpand.backward', o as StripOut);
  }

  // ------------------------------------------------------------ GeM

  /** GeM pooling (global, rank 2, either layout): (mean(max(x, eps)ᵖ))^(1/p) per (n, c), output [N, C, 1, 1]. */
  gemPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, options?: GemPoolOptions, out?: Out<F>): PoolTensor<F>;
  gemPool(input: FloatTensor, options?: GemPoolOptions, out?: Out<FloatDType>): FloatTensor {
    this.#ctx.checkAlive();
    const x = this.#ctx.ownFloat(input, 'input');
    const spec = gemSpec(x.dims.spatial, options);
    const o = this.#ctx.checkOut(out, { output: result(reducedShape(x), x.layout, x.dtype) }, [x]);
    return gemForward(this.#ctx, x, spec, o.output as Out | undefined);
  }

  /** Gradients of GeM pooling with respect to the input and to p (one p shared by every channel). */
  gemPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    options?: GemPoolOptions,
    out?: { gradInput?: PoolTensor<F>; gradP?: PoolTensor<F> },
  ): GemPoolGradients<F>;
  gemPoolBackward(
    gradOutput: FloatTensor,
    input: FloatTensor,
    options?: GemPoolOptions,
    out?: { gradInput?: FloatTensor; gradP?: FloatTensor },
  ): GemPoolGradients<FloatDType> {
    this.#ctx.checkAlive();
    const x = this.#ctx.ownFloat(input, 'input');
    const spec = gemSpec(x.dims.spatial, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', x.dtype);
    checkShape(g, 'gradOutput', reducedShape(x), x.layout, 'the forward output shape');
    const o = this.#ctx.checkOut(out, { gradInput: result(x.shape, x.layout, x.dtype), gradP: result([1, 1], 'NC', x.dtype) }, [x, g]);
    return gemBackward(this.#ctx, g, x, spec, o as { gradInput?: Out; gradP?: Out });
  }

  // ------------------------------------------------------------ region pooling

  /** Validates a region call: the engine, x, then the options and every box (roiSpec); nothing is allocated yet. */
  #roi(op: RoiOp, input: unknown, rois: RoiBoxes, options: unknown): { x: FloatTensor; spec: RoiSpec } {
    this.#ctx.checkAlive();
    const x = this.#ctx.ownFloat(input, 'input');
    return { x, spec: roiSpec(op, x.dims, rois, options) };
  }

  /** A region op's single output (every one but roiPool, which also returns indices). */
  #roiOutput(op: RoiOp, input: unknown, rois: RoiBoxes, options: unknown, out: unknown): FloatTensor {
    const { x, spec } = this.#roi(op, input, rois, options);
    const o = this.#ctx.checkOut(out, { output: result(roiShape(x, spec), batchedLayout(x.layout), x.dtype) }, [x]);
    return roiForward(this.#ctx, x, spec, o as { output?: Out }).output;
  }

  /** A region op's gradient with respect to its input; `indices` only for roiPool. */
  #roiGradient(op: RoiOp, gradOutput: unknown, input: unknown, rois: RoiBoxes, indices: unknown, options: unknown, out: unknown): FloatTensor {
    const { x, spec } = this.#roi(op, input, rois, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', x.dtype);
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
  roiAlign<F extends FloatDType = 'float32'>(input: PoolTensor<F>, rois: RoiBoxes, options: RoiAlignOptions, out?: Out<F>): PoolTensor<F>;
  roiAlign(input: FloatTensor, rois: RoiBoxes, options: RoiAlignOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#roiOutput('roiAlign', input, rois, options, out);
  }

  /** Gradient of roiAlign with respect to its input, gathered per input element (deterministic). */
  roiAlignBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    rois: RoiBoxes,
    options: RoiAlignOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  roiAlignBackward(gradOutput: FloatTensor, input: FloatTensor, rois: RoiBoxes, options: RoiAlignOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#roiGradient('roiAlign', gradOutput, input, rois, null, options, out);
  }

  /**
   * torchvision's roi_pool: the max of each rounded bin (first maximum on ties, NaN never wins; an
   * empty bin gives 0) and its index h · W + w in the input plane (−1: no winner).
   */
  roiPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, rois: RoiBoxes, options: RoiPoolOptions, out?: MaxPoolOut<F>): MaxPoolResult<F>;
  roiPool(input: FloatTensor, rois: RoiBoxes, options: RoiPoolOptions, out?: MaxPoolOut<FloatDType>): MaxPoolResult<FloatDType> {
    const { x, spec } = this.#roi('roiPool', input, rois, options);
    const shape = roiShape(x, spec);
    const o = this.#ctx.checkOut(out, { output: result(shape, batchedLayout(x.layout), x.dtype), indices: result(shape, batchedLayout(x.layout), 'int32') }, [
      x,
    ]);
    return roiForward(this.#ctx, x, spec, o as MaxPoolOut) as MaxPoolResult;
  }

  /** Gradient of roiPool: each bin's gradient to the cell its index names (the forward's indices). */
  roiPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    rois: RoiBoxes,
    indices: PoolTensor<'int32'>,
    options: RoiPoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  roiPoolBackward(
    gradOutput: FloatTensor,
    input: FloatTensor,
    rois: RoiBoxes,
    indices: PoolTensor<'int32'>,
    options: RoiPoolOptions,
    out?: Out<FloatDType>,
  ): FloatTensor {
    return this.#roiGradient('roiPool', gradOutput, input, rois, indices, options, out);
  }

  /** torchvision's ps_roi_align: position-sensitive roiAlign (always half-pixel aligned); output `[K, C / (outH · outW), outH, outW]`. */
  psRoiAlign<F extends FloatDType = 'float32'>(input: PoolTensor<F>, rois: RoiBoxes, options: PsRoiAlignOptions, out?: Out<F>): PoolTensor<F>;
  psRoiAlign(input: FloatTensor, rois: RoiBoxes, options: PsRoiAlignOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#roiOutput('psRoiAlign', input, rois, options, out);
  }

  /** Gradient of psRoiAlign with respect to its input. */
  psRoiAlignBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    rois: RoiBoxes,
    options: PsRoiAlignOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  psRoiAlignBackward(gradOutput: FloatTensor, input: FloatTensor, rois: RoiBoxes, options: PsRoiAlignOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#roiGradient('psRoiAlign', gradOutput, input, rois, null, options, out);
  }

  /** torchvision's ps_roi_pool: the position-sensitive average of each rounded bin (0 when empty); output `[K, C / (outH · outW), outH, outW]`. */
  psRoiPool<F extends FloatDType = 'float32'>(input: PoolTensor<F>, rois: RoiBoxes, options: PsRoiPoolOptions, out?: Out<F>): PoolTensor<F>;
  psRoiPool(input: FloatTensor, rois: RoiBoxes, options: PsRoiPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#roiOutput('psRoiPool', input, rois, options, out);
  }

  /** Gradient of psRoiPool as torchvision computes it (bins clipped at H and W, where the forward clips at H − 1 and W − 1). */
  psRoiPoolBackward<F extends FloatDType = 'float32'>(
    gradOutput: PoolTensor<F>,
    input: PoolTensor<F>,
    rois: RoiBoxes,
    options: PsRoiPoolOptions,
    out?: Out<F>,
  ): PoolTensor<F>;
  psRoiPoolBackward(gradOutput: FloatTensor, input: FloatTensor, rois: RoiBoxes, options: PsRoiPoolOptions, out?: Out<FloatDType>): FloatTensor {
    return this.#roiGradient('psRoiPool', gradOutput, input, rois, null, options, out);
  }

  /** Releases every buffer the engine holds, and the device if the engine requested it. */
  destroy(): void {
    this.#ctx.destroy();
    if (this.#ownsDevice) this.#ctx.device.destroy();
  }
}

type StripOut = { rows?: FloatTensor; cols?: FloatTensor };

/** A result's shape, layout and dtype (float32 unless given). */
function result(shape: readonly number[], layout: Layout, dtype: DType): ResultSpec {
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

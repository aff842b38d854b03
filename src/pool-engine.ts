import { acquireDevice, GpuContext, type PoolEngineOptions } from './engine';
import type { Layout } from './layout';
import { checkLikeOutput, specFor, windowBackward, windowForward } from './ops/window';
import type { PoolTensor } from './tensor';
import type { AvgPoolOptions, LpPoolOptions, MaxPoolOptions, MixedPoolOptions, SoftPoolOptions, StochasticPoolOptions, WindowMode } from './window-spec';
import { PoolError } from './errors';
import {
  adaptiveSpec,
  gemSpec,
  globalSpec,
  pyramidSpec,
  stripExpandDims,
  stripSpec,
  type AdaptivePoolOptions,
  type AdaptiveSpec,
  type GemPoolOptions,
  type SpatialPyramidPoolOptions,
} from './binned-spec';
import { checkShape } from './ops/binned-common';
import { unpoolBackward, unpoolForward, unpoolShape } from './ops/unpool';
import { unpoolSpec, type MaxUnpoolOptions } from './unpool-spec';
import { checkSamples, drawSamples, fractionalSpec, type FractionalMaxPoolOptions } from './fractional-spec';
import { fractionalBackward, fractionalForward, fractionalShape } from './ops/fractional';
import { gemBackward, gemForward, reduceBackward, reducedShape, reduceForward } from './ops/reduce';
import { adaptiveBackward, adaptiveForward, adaptiveShape, pyramidBackward, pyramidForward, pyramidShape } from './ops/adaptive';
import { stripExpand, stripReduce, stripShapes } from './ops/strip';
import { checkParallelism, parallelismOf } from './parallelism';

/** Max pooling's results: the pooled values and, for each, its winner's flat index in its spatial plane. */
export interface MaxPoolResult {
  output: PoolTensor<'float32'>;
  indices: PoolTensor<'int32'>;
}

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
 * returns at once; `tensor.read()` is the only call that waits.
 */
export class PoolEngine {
  readonly #ctx: GpuContext;
  readonly #ownsDevice: boolean;

  /** @internal Use `createPoolEngine`. */
  constructor(ctx: GpuContext, ownsDevice: boolean) {
    this.#ctx = ctx;
    this.#ownsDevice = ownsDevice;
  }

  /** The device everything runs on. */
  get device(): GPUDevice {
    return this.#ctx.device;
  }

  /** Resolves when the device is lost; every call after that raises `DEVICE_LOST`. */
  get lost(): Promise<GPUDeviceLostInfo> {
    return this.#ctx.lost;
  }

  /** GPU buffers and bytes the engine holds now. */
  stats(): { buffers: number; bytes: number } {
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

  /** Max pooling with PyTorch's semantics (first maximum wins ties, NaN propagates, padding never wins). */
  maxPool(input: PoolTensor<'float32'>, options: MaxPoolOptions): MaxPoolResult {
    const { x, spec } = specFor(this.#ctx, 'max', input, options);
    const { output, indices } = windowForward(this.#ctx, x, spec);
    return { output, indices: indices as PoolTensor<'int32'> };
  }

  /** Gradient of max pooling with respect to its input: each winner collects its windows' gradients. */
  maxPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'>,
    options: MaxPoolOptions,
  ): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, 'max', input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const idx = this.#ctx.own(indices, 'indices', 'int32');
    checkLikeOutput(g, 'gradOutput', x, spec);
    checkLikeOutput(idx, 'indices', x, spec);
    return windowBackward(this.#ctx, g, x, spec, idx);
  }

  /** Average pooling with PyTorch's divisor rules (countIncludePad, ceil mode, divisorOverride). */
  avgPool(input: PoolTensor<'float32'>, options: AvgPoolOptions): PoolTensor<'float32'> {
    return this.#windowOutput('avg', input, options);
  }

  /** Gradient of average pooling with respect to its input. */
  avgPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: AvgPoolOptions): PoolTensor<'float32'> {
    return this.#windowGradient('avg', gradOutput, input, options);
  }

  /** Power-average pooling: (Σ xᵖ)^(1/p) over each window, as PyTorch's LPPool computes it. */
  lpPool(input: PoolTensor<'float32'>, options: LpPoolOptions): PoolTensor<'float32'> {
    return this.#windowOutput('lp', input, options);
  }

  /** Gradient of power-average pooling with respect to its input. */
  lpPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: LpPoolOptions): PoolTensor<'float32'> {
    return this.#windowGradient('lp', gradOutput, input, options);
  }

  /**
   * SoftPool (Stergiou et al. 2021): Σ e^{x_i}·x_i / Σ e^{x_i} over each window,
   * computed with the window maximum subtracted so inputs like 1e4 stay finite.
   */
  softPool(input: PoolTensor<'float32'>, options: SoftPoolOptions): PoolTensor<'float32'> {
    return this.#windowOutput('soft', input, options);
  }

  /** Gradient of SoftPool with respect to its input. */
  softPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: SoftPoolOptions): PoolTensor<'float32'> {
    return this.#windowGradient('soft', gradOutput, input, options);
  }

  /** Mixed pooling (Yu et al. 2014): λ·max + (1 − λ)·average over the same window (`lambda`, default 0.5). */
  mixedPool(input: PoolTensor<'float32'>, options: MixedPoolOptions): PoolTensor<'float32'> {
    return this.#windowOutput('mixed', input, options);
  }

  /** Gradient of mixed pooling: λ to each window's max (first maximum), (1 − λ)/count to every element. */
  mixedPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: MixedPoolOptions): PoolTensor<'float32'> {
    return this.#windowGradient('mixed', gradOutput, input, options);
  }

  /**
   * Stochastic pooling at evaluation (Zeiler & Fergus 2013): Σ a_i² / Σ a_i with
   * a = max(x, 0), the window average weighted by the training-time probabilities
   * p_i = a_i / Σ a; 0 where the window's weights sum to 0.
   */
  stochasticPoolEval(input: PoolTensor<'float32'>, options: StochasticPoolOptions): PoolTensor<'float32'> {
    return this.#windowOutput('stochasticEval', input, options);
  }

  /**
   * Stochastic pooling in training (Zeiler & Fergus 2013): in each window one
   * element, picked with probability a_i / Σ a (a = max(x, 0)), is the output and
   * its plane index is returned; a window whose weights sum to 0 outputs 0 and
   * picks its first element. Picks come from a counter-based hash of `seed` and
   * each output's logical position: the same on every device and layout and in the
   * CPU reference. Without a seed the engine advances its own, so calls differ.
   */
  stochasticPool(input: PoolTensor<'float32'>, options: StochasticPoolOptions): MaxPoolResult {
    const { x, spec } = specFor(this.#ctx, 'stochastic', input, options);
    const { output, indices } = windowForward(this.#ctx, x, spec, spec.seed ?? this.#nextSeed());
    return { output, indices: indices as PoolTensor<'int32'> };
  }

  /** Gradient of stochastic pooling in training: each output's gradient goes to its picked element. */
  stochasticPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, indices: PoolTensor<'int32'>, options: StochasticPoolOptions): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, 'stochastic', input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const idx = this.#ctx.own(indices, 'indices', 'int32');
    checkLikeOutput(g, 'gradOutput', x, spec);
    checkLikeOutput(idx, 'indices', x, spec);
    // The picks are stored like max pooling's winners: its gather by indices applies.
    return windowBackward(this.#ctx, g, x, { ...spec, mode: 'max' }, idx);
  }

  /** Gradient of stochastic pooling's evaluation rule with respect to its input. */
  stochasticPoolEvalBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: StochasticPoolOptions): PoolTensor<'float32'> {
    return this.#windowGradient('stochasticEval', gradOutput, input, options);
  }

  /**
   * Max unpooling: values and their indices from `maxPool` back to a map of
   * `outputSize` (default PyTorch's (in − 1)·stride − 2·padding + kernel), zero
   * elsewhere. Where two values name one index, which one stays is unspecified
   * (max pooling's indices never do that with different values).
   */
  maxUnpool(values: PoolTensor<'float32'>, indices: PoolTensor<'int32'>, options: MaxUnpoolOptions): PoolTensor<'float32'> {
    const { v, idx, spec } = this.#unpoolCall(values, indices, options);
    this.#ctx.checkFits('output', unpoolShape(v, spec));
    return unpoolForward(this.#ctx, v, idx, spec);
  }

  /** Gradient of max unpooling with respect to the values: the output gradient at each index. */
  maxUnpoolBackward(gradOutput: PoolTensor<'float32'>, values: PoolTensor<'float32'>, indices: PoolTensor<'int32'>, options: MaxUnpoolOptions): PoolTensor<'float32'> {
    const { v, idx, spec } = this.#unpoolCall(values, indices, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    checkShape(g, 'gradOutput', unpoolShape(v, spec), v.layout, 'the unpooled shape');
    return unpoolBackward(this.#ctx, g, v, idx, spec);
  }

  #unpoolCall(values: unknown, indices: unknown, options: unknown) {
    this.#ctx.checkAlive();
    const v = this.#ctx.own(values, 'values', 'float32');
    const idx = this.#ctx.own(indices, 'indices', 'int32');
    checkShape(idx, 'indices', v.shape, v.layout, "the values' shape");
    return { v, idx, spec: unpoolSpec(v.dims.spatial, options) };
  }

  /**
   * Fractional max pooling (Graham 2014), rank 2 and 3: windows of `kernel` placed
   * by PyTorch's sequence from per-(n, c, dimension) samples — the caller's, or
   * drawn from `seed`, or from the engine's own counter so successive calls
   * differ. Returns the samples used, which the backward needs.
   */
  fractionalMaxPool(input: PoolTensor<'float32'>, options: FractionalMaxPoolOptions): MaxPoolResult & { samples: Float32Array } {
    const { x, spec, samples } = this.#fractionalCall(input, options, true);
    this.#ctx.checkFits('output', fractionalShape(x, spec));
    const s = this.#ctx.upload(samples, [samples.length, 1, 1], 'NCW') as PoolTensor<'float32'>;
    const { output, indices } = fractionalForward(this.#ctx, x, spec, s);
    s.destroy();
    return { output, indices, samples };
  }

  /** Gradient of fractional max pooling; `options.samples` must be the ones the forward returned. */
  fractionalMaxPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, indices: PoolTensor<'int32'>, options: FractionalMaxPoolOptions): PoolTensor<'float32'> {
    const { x, spec, samples } = this.#fractionalCall(input, options, false);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const idx = this.#ctx.own(indices, 'indices', 'int32');
    const shape = fractionalShape(x, spec);
    checkShape(g, 'gradOutput', shape, x.layout, "the forward output's shape");
    checkShape(idx, 'indices', shape, x.layout, "the forward output's shape");
    const s = this.#ctx.upload(samples, [samples.length, 1, 1], 'NCW') as PoolTensor<'float32'>;
    const gradInput = fractionalBackward(this.#ctx, g, x, spec, s, idx);
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

  /** A window mode's forward output (every mode but max, which also returns indices). */
  #windowOutput(mode: WindowMode, input: PoolTensor<'float32'>, options: unknown): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, mode, input, options);
    return windowForward(this.#ctx, x, spec).output;
  }

  /** A window mode's gradient with respect to its input (every mode but max, which reads its indices). */
  #windowGradient(mode: WindowMode, gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: unknown): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, mode, input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    checkLikeOutput(g, 'gradOutput', x, spec);
    return windowBackward(this.#ctx, g, x, spec, null);
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

  #adaptiveRun(x: PoolTensor<'float32'>, spec: AdaptiveSpec) {
    return spec.global ? reduceForward(this.#ctx, x, spec) : adaptiveForward(this.#ctx, x, spec);
  }

  #adaptiveBackward(gradOutput: unknown, x: PoolTensor<'float32'>, spec: AdaptiveSpec, indices: unknown): PoolTensor<'float32'> {
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const shape = spec.global ? reducedShape(x) : adaptiveShape(x, spec);
    checkShape(g, 'gradOutput', shape, x.layout, 'the forward output shape');
    let idx: PoolTensor<'int32'> | null = null;
    if (spec.mode === 'max') {
      idx = this.#ctx.own(indices, 'indices', 'int32');
      checkShape(idx, 'indices', shape, x.layout, 'the forward output shape');
    }
    return spec.global ? reduceBackward(this.#ctx, g, x, spec, idx) : adaptiveBackward(this.#ctx, g, x, spec, idx);
  }

  /** Global average pooling: one mean per (n, c), output [N, C, 1, …], as a parallel reduction. */
  globalAvgPool(input: PoolTensor<'float32'>): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('avg', s));
    return reduceForward(this.#ctx, x, spec).output;
  }

  /** Gradient of global average pooling with respect to its input. */
  globalAvgPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('avg', s));
    return this.#adaptiveBackward(gradOutput, x, spec, null);
  }

  /** Global max pooling: one maximum per (n, c) and its flat plane index (first maximum wins, NaN propagates). */
  globalMaxPool(input: PoolTensor<'float32'>): MaxPoolResult {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('max', s));
    const { output, indices } = reduceForward(this.#ctx, x, spec);
    return { output, indices: indices! };
  }

  /** Gradient of global max pooling: each winner gets its row's gradient. */
  globalMaxPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, indices: PoolTensor<'int32'>): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => globalSpec('max', s));
    return this.#adaptiveBackward(gradOutput, x, spec, indices);
  }

  /** Adaptive average pooling with PyTorch's bins; a 1 × … × 1 output runs as the global reduction. */
  adaptiveAvgPool(input: PoolTensor<'float32'>, options: AdaptivePoolOptions): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('avg', s, options));
    return this.#adaptiveRun(x, spec).output;
  }

  /** Gradient of adaptive average pooling with respect to its input. */
  adaptiveAvgPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: AdaptivePoolOptions): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('avg', s, options));
    return this.#adaptiveBackward(gradOutput, x, spec, null);
  }

  /** Adaptive max pooling with PyTorch's bins and indices; a 1 × … × 1 output runs as the global reduction. */
  adaptiveMaxPool(input: PoolTensor<'float32'>, options: AdaptivePoolOptions): MaxPoolResult {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('max', s, options));
    const { output, indices } = this.#adaptiveRun(x, spec);
    return { output, indices: indices! };
  }

  /** Gradient of adaptive max pooling: each winner collects the gradients of the bins it won. */
  adaptiveMaxPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'>,
    options: AdaptivePoolOptions,
  ): PoolTensor<'float32'> {
    const { x, spec } = this.#adaptive(input, (s) => adaptiveSpec('max', s, options));
    return this.#adaptiveBackward(gradOutput, x, spec, indices);
  }

  // ------------------------------------------------------------ spatial pyramid

  /**
   * Spatial pyramid pooling (rank 2, either layout) in one launch: for each level l,
   * adaptive pooling to l × l, flattened in (C, l, l) order and concatenated, so the
   * output is [N, C · Σ l²] in layout 'NC'. Mode 'max' also returns indices.
   */
  spatialPyramidPool(input: PoolTensor<'float32'>, options?: SpatialPyramidPoolOptions): SpatialPyramidPoolResult {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const spec = pyramidSpec(x.dims.spatial, options);
    return pyramidForward(this.#ctx, x, spec);
  }

  /** Gradient of spatial pyramid pooling; `indices` is the forward's in mode 'max' and null in mode 'avg'. */
  spatialPyramidPoolBackward(
    gradOutput: PoolTensor<'float32'>,
    input: PoolTensor<'float32'>,
    indices: PoolTensor<'int32'> | null,
    options?: SpatialPyramidPoolOptions,
  ): PoolTensor<'float32'> {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const spec = pyramidSpec(x.dims.spatial, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    const shape = pyramidShape(x, spec);
    checkShape(g, 'gradOutput', shape, 'NC', 'the forward output shape');
    let idx: PoolTensor<'int32'> | null = null;
    if (spec.mode === 'max') {
      if (indices === null || indices === undefined) {
        throw new PoolError('INVALID_OPTION', 'indices', indices, "must be the forward's indices in mode 'max'");
      }
      idx = this.#ctx.own(indices, 'indices', 'int32');
      checkShape(idx, 'indices', shape, 'NC', 'the forward output shape');
    }
    return pyramidBackward(this.#ctx, g, x, spec, idx);
  }

  // ------------------------------------------------------------ strip pooling

  /** Strip pooling (rank 2, either layout): rows [N, C, H, 1] average over W, cols [N, C, 1, W] average over H. */
  stripPool(input: PoolTensor<'float32'>): StripPoolResult {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const { height, width } = stripSpec(x.dims.spatial);
    return stripReduce(this.#ctx, x, width, height, 'stripPool.forward');
  }

  /** Gradient of strip pooling with respect to its input, from the gradients of both strips. */
  stripPoolBackward(gradRows: PoolTensor<'float32'>, gradCols: PoolTensor<'float32'>, input: PoolTensor<'float32'>): PoolTensor<'float32'> {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const { height, width } = stripSpec(x.dims.spatial);
    const gr = this.#ctx.own(gradRows, 'gradRows', 'float32');
    const gc = this.#ctx.own(gradCols, 'gradCols', 'float32');
    const shapes = stripShapes(x.dims, x.layout);
    checkShape(gr, 'gradRows', shapes.rows, x.layout, 'the row strip shape');
    checkShape(gc, 'gradCols', shapes.cols, x.layout, 'the column strip shape');
    return stripExpand(this.#ctx, gr, gc, x.dims, width, height, 'stripPool.backward');
  }

  /** Strip pooling's expand-and-add step: out[n, c, h, w] = rows[n, c, h] + cols[n, c, w], in the strips' layout. */
  stripPoolExpand(rows: PoolTensor<'float32'>, cols: PoolTensor<'float32'>): PoolTensor<'float32'> {
    this.#ctx.checkAlive();
    const r = this.#ctx.own(rows, 'rows', 'float32');
    const c = this.#ctx.own(cols, 'cols', 'float32');
    const dims = stripExpandDims(r, c);
    return stripExpand(this.#ctx, r, c, dims, 1, 1, 'stripPoolExpand.forward');
  }

  /** Gradient of the expand-and-add step: rows sum their row of the gradient, cols their column. */
  stripPoolExpandBackward(gradOutput: PoolTensor<'float32'>): StripPoolResult {
    this.#ctx.checkAlive();
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    stripSpec(g.dims.spatial);
    return stripReduce(this.#ctx, g, 1, 1, 'stripPoolExpand.backward');
  }

  // ------------------------------------------------------------ GeM

  /** GeM pooling (global, rank 2, either layout): (mean(max(x, eps)ᵖ))^(1/p) per (n, c), output [N, C, 1, 1]. */
  gemPool(input: PoolTensor<'float32'>, options?: GemPoolOptions): PoolTensor<'float32'> {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    return gemForward(this.#ctx, x, gemSpec(x.dims.spatial, options));
  }

  /** Gradients of GeM pooling with respect to the input and to p (one p shared by every channel). */
  gemPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options?: GemPoolOptions): GemPoolGradients {
    this.#ctx.checkAlive();
    const x = this.#ctx.own(input, 'input', 'float32');
    const spec = gemSpec(x.dims.spatial, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    checkShape(g, 'gradOutput', reducedShape(x), x.layout, 'the forward output shape');
    return gemBackward(this.#ctx, g, x, spec);
  }

  /** Releases every buffer the engine holds, and the device if the engine requested it. */
  destroy(): void {
    this.#ctx.destroy();
    if (this.#ownsDevice) this.#ctx.device.destroy();
  }
}

/**
 * Creates a pooling engine on `options.device`, or on a device it requests
 * (asking for the adapter's largest buffer and binding limits).
 */
export async function createPoolEngine(options: PoolEngineOptions = {}): Promise<PoolEngine> {
  checkParallelism(options.parallelism);
  const device = await acquireDevice(options);
  const ctx = new GpuContext(device, options.label ?? 'pool', options.subgroups !== false, parallelismOf(device, options.parallelism));
  const engine = new PoolEngine(ctx, options.device === undefined);
  // Node's webgpu package frees its instance when the GPU object is collected,
  // taking the device with it: the engine keeps the GPU it was given alive.
  keepAlive.set(engine, options.gpu ?? null);
  return engine;
}

const keepAlive = new WeakMap<PoolEngine, GPU | null>();

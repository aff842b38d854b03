import { acquireDevice, GpuContext, type PoolEngineOptions } from './engine';
import type { Layout } from './layout';
import { checkLikeOutput, specFor, windowBackward, windowForward } from './ops/window';
import type { PoolTensor } from './tensor';
import type { AvgPoolOptions, LpPoolOptions, MaxPoolOptions } from './window-spec';

/** Max pooling's results: the pooled values and, for each, its winner's flat index in its spatial plane. */
export interface MaxPoolResult {
  output: PoolTensor<'float32'>;
  indices: PoolTensor<'int32'>;
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
    const { x, spec } = specFor(this.#ctx, 'avg', input, options);
    return windowForward(this.#ctx, x, spec).output;
  }

  /** Gradient of average pooling with respect to its input. */
  avgPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: AvgPoolOptions): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, 'avg', input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    checkLikeOutput(g, 'gradOutput', x, spec);
    return windowBackward(this.#ctx, g, x, spec, null);
  }

  /** Power-average pooling: (Σ xᵖ)^(1/p) over each window, as PyTorch's LPPool computes it. */
  lpPool(input: PoolTensor<'float32'>, options: LpPoolOptions): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, 'lp', input, options);
    return windowForward(this.#ctx, x, spec).output;
  }

  /** Gradient of power-average pooling with respect to its input. */
  lpPoolBackward(gradOutput: PoolTensor<'float32'>, input: PoolTensor<'float32'>, options: LpPoolOptions): PoolTensor<'float32'> {
    const { x, spec } = specFor(this.#ctx, 'lp', input, options);
    const g = this.#ctx.own(gradOutput, 'gradOutput', 'float32');
    checkLikeOutput(g, 'gradOutput', x, spec);
    return windowBackward(this.#ctx, g, x, spec, null);
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
  const device = await acquireDevice(options);
  return new PoolEngine(new GpuContext(device, options.label ?? 'pool'), options.device === undefined);
}

import type { Dims, Layout } from './layout';
import { PoolError } from './errors';

export type DType = 'float32' | 'int32';
export type HostArray<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

/** What a tensor needs from the engine that owns it. */
export interface TensorOwner {
  readBuffer(buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer>;
  releaseBuffer(buffer: GPUBuffer): void;
  checkAlive(): void;
}

/**
 * A tensor on the GPU: a storage buffer with a shape written in its layout's
 * order (NCHW: [N, C, H, W]; NHWC: [N, H, W, C]). Indices tensors are int32.
 */
export class PoolTensor<D extends DType = 'float32'> {
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly dims: Dims;
  readonly dtype: D;
  readonly size: number;
  /** @internal */
  readonly owner: TensorOwner;
  #buffer: GPUBuffer | null;

  /** @internal Tensors are made by the engine (`engine.tensor`) and by ops. */
  constructor(owner: TensorOwner, buffer: GPUBuffer, shape: readonly number[], layout: Layout, dims: Dims, dtype: D) {
    this.owner = owner;
    this.#buffer = buffer;
    this.shape = Object.freeze([...shape]);
    this.layout = layout;
    this.dims = dims;
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
  }

  get destroyed(): boolean {
    return this.#buffer === null;
  }

  /**
   * The storage buffer (usage STORAGE | COPY_SRC | COPY_DST, data in the layout's
   * memory order), for binding in your own kernels on the engine's device: read a
   * tensor, or write a tensor made by `engine.tensor` that an op then takes. The
   * tensor owns it: free it with `tensor.destroy()`, never `buffer.destroy()`.
   * Throws DESTROYED_TENSOR once the tensor is destroyed.
   */
  get buffer(): GPUBuffer {
    if (this.#buffer === null) {
      throw new PoolError('DESTROYED_TENSOR', 'tensor', `${this.dtype}[${this.shape.join(', ')}]`, 'was destroyed and cannot be used again');
    }
    return this.#buffer;
  }

  /** Copies the tensor back to the CPU. The only call that waits on the GPU. */
  async read(): Promise<HostArray<D>> {
    this.owner.checkAlive();
    const bytes = await this.owner.readBuffer(this.buffer, this.size * 4);
    return (this.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes)) as HostArray<D>;
  }

  /** Frees the GPU memory now; using the tensor afterwards raises DESTROYED_TENSOR. */
  destroy(): void {
    if (this.#buffer === null) return;
    this.owner.releaseBuffer(this.#buffer);
    this.#buffer = null;
  }
}

import type { Dims, Layout } from './layout';
import { PoolError } from './errors';
import { fromHalfBits } from './half';

/**
 * Element types: 'float32'; 'float16' (IEEE half, 2 bytes, packed two to a 32-bit
 * word; ops compute in float32 and round each result once); 'int32' (indices).
 */
export type DType = 'float32' | 'float16' | 'int32';
/** The float dtypes an op takes; one call takes one of them. */
export type FloatDType = 'float32' | 'float16';
/** A tensor of values (float32 or float16). */
export type FloatTensor = PoolTensor<FloatDType>;
/** What `read()` returns: float32 values for both float dtypes. */
export type HostArray<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

/** Bytes of one element. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'float16' ? 2 : 4;
}

/** Whether `dtype` is a float dtype an op takes. */
export function isFloatDType(dtype: unknown): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float16';
}

/** The bytes of a buffer that a tensor occupies. */
export interface BufferView {
  buffer: GPUBuffer;
  /** Byte offset of the first element. */
  offset: number;
  /**
   * Bytes the tensor may bind: its own elements for a wrapped view; the whole
   * buffer (its elements rounded up to whole vec4s) for a tensor the engine made.
   */
  size: number;
}

/** What a tensor needs from the engine that owns it. */
export interface TensorOwner {
  readView(view: BufferView, byteLength: number): Promise<ArrayBuffer>;
  releaseBuffer(buffer: GPUBuffer): void;
  checkAlive(): void;
  /** Throws IN_BATCH while a batch or encode records (its work is not submitted yet). */
  checkReadable(): void;
}

/**
 * A tensor on the GPU: a storage buffer (or a view into one, `engine.wrap`) with a
 * shape written in its layout's order (NCHW: [N, C, H, W]; NHWC: [N, H, W, C]).
 * Indices tensors are int32.
 */
export class PoolTensor<D extends DType = 'float32'> {
  readonly shape: readonly number[];
  readonly layout: Layout;
  readonly dims: Dims;
  readonly dtype: D;
  readonly size: number;
  /** Byte offset of the first element in `buffer`: 0 unless the tensor is a wrapped view. */
  readonly byteOffset: number;
  /** Whether the tensor views a caller's buffer (`engine.wrap`), which the engine never frees. */
  readonly wrapped: boolean;
  readonly label: string;
  /** @internal */
  readonly owner: TensorOwner;
  #buffer: GPUBuffer | null;

  /** @internal Tensors are made by the engine (`engine.tensor`, `engine.wrap`) and by ops. */
  constructor(
    owner: TensorOwner,
    buffer: GPUBuffer,
    shape: readonly number[],
    layout: Layout,
    dims: Dims,
    dtype: D,
    view: { offset: number; wrapped: boolean; label: string } = { offset: 0, wrapped: false, label: '' },
  ) {
    this.owner = owner;
    this.#buffer = buffer;
    this.shape = Object.freeze([...shape]);
    this.layout = layout;
    this.dims = dims;
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
    this.byteOffset = view.offset;
    this.wrapped = view.wrapped;
    this.label = view.label;
  }

  get destroyed(): boolean {
    return this.#buffer === null;
  }

  /** Bytes of the tensor's elements (4 per element; 2 for float16). */
  get byteLength(): number {
    return this.size * bytesPerElement(this.dtype);
  }

  /** Bytes a kernel binds of it: byteLength rounded up to whole 32-bit words (a float16 view of odd size ends mid-word). */
  get wordBytes(): number {
    return Math.ceil(this.byteLength / 4) * 4;
  }

  /**
   * The storage buffer (data in the layout's memory order, from `byteOffset`), for
   * binding in your own kernels on the engine's device. A tensor the engine made
   * owns its buffer (usage STORAGE | COPY_SRC | COPY_DST): free it with
   * `tensor.destroy()`, never `buffer.destroy()`. A wrapped tensor's buffer is the
   * caller's. Throws DESTROYED_TENSOR once the tensor is destroyed.
   */
  get buffer(): GPUBuffer {
    if (this.#buffer === null) {
      throw new PoolError('DESTROYED_TENSOR', 'tensor', `${this.dtype}[${this.shape.join(', ')}]`, 'was destroyed and cannot be used again');
    }
    return this.#buffer;
  }

  /** @internal The bytes a kernel may bind (see BufferView). */
  get view(): BufferView {
    const buffer = this.buffer;
    return { buffer, offset: this.byteOffset, size: this.wrapped ? this.wordBytes : buffer.size };
  }

  /**
   * Copies the tensor back to the CPU. The only call that waits on the GPU; not
   * allowed inside `engine.batch` or `engine.encode` (their work is not submitted yet).
   */
  read(): Promise<HostArray<D>> {
    // Checked before the promise: a read inside a batch throws at once instead of waiting forever.
    this.owner.checkAlive();
    this.owner.checkReadable();
    return this.owner.readView(this.view, this.wordBytes).then((bytes) => {
      if (this.dtype === 'int32') return new Int32Array(bytes) as HostArray<D>;
      if (this.dtype === 'float16') return fromHalfBits(new Uint16Array(bytes, 0, this.size)) as HostArray<D>;
      return new Float32Array(bytes) as HostArray<D>;
    });
  }

  /** A float16 tensor's raw half bits (IEEE binary16), as stored. */
  readBits(): Promise<Uint16Array> {
    if (this.dtype !== 'float16') {
      throw new PoolError(
        'INVALID_OPTION',
        'tensor',
        `${this.dtype}[${this.shape.join(', ')}]`,
        'has no half bits: readBits() reads float16 tensors; use read()',
      );
    }
    this.owner.checkAlive();
    this.owner.checkReadable();
    return this.owner.readView(this.view, this.wordBytes).then((bytes) => new Uint16Array(bytes, 0, this.size));
  }

  /**
   * Frees the GPU memory now (a wrapped tensor only forgets the caller's buffer);
   * using the tensor afterwards raises DESTROYED_TENSOR.
   */
  destroy(): void {
    if (this.#buffer === null) return;
    if (!this.wrapped) this.owner.releaseBuffer(this.#buffer);
    this.#buffer = null;
  }
}

import { PoolError } from './errors';
import { checkTensorData, dimsOf, type Layout } from './layout';
import { getPipeline, type OverrideConstants } from './pipelines';
import { halfVariant, type KernelFamily, type ShaderName } from './shaders';
import { bytesPerElement, PoolTensor, type DType, type FloatTensor, type TensorOwner } from './tensor';
import { storedData, type TensorData } from './tensor-data';
import { BindGroupCache } from './bind-groups';
import { finishRecording, Recording } from './recording';
import { storageBindings } from './shader-bindings';
import { checkOut, checkTensor, type BufferVerdict, type ResultSpec } from './validate';
import { BufferPool } from './buffer-pool';
import { BufferUsage, MapMode } from './gpu-constants';
import { HARDWARE_PARALLELISM } from './parallelism';

/** Options of `createPoolEngine`. */
export interface PoolEngineOptions {
  /** A device to use: a page's, or one from Node's `webgpu` package. Default: request one. */
  device?: GPUDevice;
  /** Where to request an adapter when no device is given. Default: `navigator.gpu`. */
  gpu?: GPU;
  /** Adapter preference when requesting one. */
  powerPreference?: GPUPowerPreference;
  /** Prefix of every GPU object's label. Default `'pool'`. */
  label?: string;
  /**
   * Use subgroup operations in the workgroup reductions (GeM's backward
   * statistics) where the device has the 'subgroups' feature (requested when the
   * engine requests the device). Default true; false forces the workgroup-memory
   * variant.
   */
  subgroups?: boolean;
  /**
   * Threads the device should have in flight, which kernels that can make more
   * outputs per thread size their launches to. Default: 256 per CPU core
   * (navigator.hardwareConcurrency, else 8 cores) on software adapters
   * (SwiftShader, llvmpipe, WARP), 131072 on GPUs.
   */
  parallelism?: number;
  /**
   * The kernel families to load (createPoolEngine only; each is a chunk of WGSL
   * fetched once): `'window'`, `'global'`, `'adaptive'`, `'unpool'`, `'fractional'`,
   * `'region'`. Default: all. An op of a family not loaded raises KERNELS_NOT_LOADED.
   */
  kernels?: readonly KernelFamily[];
}

const MAX_WORKGROUPS_PER_DIM = 65535;
const WORKGROUP_SIZE = 64;

/**
 * What a kernel binding is given: a tensor (its view), a whole engine buffer
 * (scratch), or null for a binding the call does not use, which the engine fills
 * with a placeholder of the binding's access.
 */
export type BufferRef = PoolTensor<DType> | GPUBuffer | null;

/**
 * Raised (and caught by the op's chunked-call wrapper, src/chunked-call.ts) where a
 * tensor of a call passes one storage binding: the call then runs in chunks.
 */
export class NeedsChunks extends Error {
  constructor() {
    super('a tensor of this call passes one storage binding: the call runs in chunks');
  }
}

/** One kernel launch, as the ops describe it. */
export interface Dispatch {
  shader: ShaderName;
  constants: OverrideConstants;
  uniforms: ArrayBuffer;
  /**
   * Storage bindings by the name the kernel's WGSL gives them, without the vec4
   * variants' `4` (`x` binds `x4`). A binding left out (or null) gets a placeholder.
   */
  bindings: Record<string, BufferRef | undefined>;
  /** Number of threads; one per element written. */
  threads: number;
  /** Workgroups to launch instead of one 64-wide group per 64 threads (kernels with their own workgroup size). */
  workgroups?: number;
  /** Tensors or buffers to fill with zeros before the kernel runs (in the same pass). */
  clear?: (PoolTensor<DType> | GPUBuffer)[];
  label: string;
}

/** A block-strided slice to copy (GpuContext.copySlice), in elements. */
export interface SliceCopy {
  outer: number;
  inner: number;
  srcStride: number;
  dstStride: number;
  srcStart: number;
  dstStart: number;
  /** float16 elements, two to a word. */
  halves: boolean;
  /** Add the source to the destination as floats instead of copying bits. */
  add?: boolean;
}

const roundUp16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * The kernel a launch runs: its float16 variant where it has one and every float
 * binding is a float16 tensor (a call has one float dtype), else the kernel itself,
 * whose float16 tensors the engine then stages through float32 words.
 */
export function launchKernel(d: Dispatch): ShaderName {
  const half = halfVariant(d.shader);
  if (!half) return d.shader;
  const floats = storageBindings(d.shader).filter((b) => b.float && d.bindings[b.name]);
  if (floats.length === 0 || !floats.every((b) => isHalf(d.bindings[b.name]))) return d.shader;
  // The variants store whole vec4s, 4 halves: a result that ends inside one would have the
  // halves after it written, which belong to whatever follows the view. Such a launch is
  // staged, whose packing keeps them (half_convert.wgsl).
  const whole = floats.every((b) => !b.writable || (d.bindings[b.name] as PoolTensor<DType>).size % 4 === 0);
  return whole ? half : d.shader;
}

/** Whether a binding or clear target is a float16 tensor. */
export function isHalf(ref: BufferRef | undefined): boolean {
  return !!ref && isTensor(ref) && ref.dtype === 'float16';
}

function isTensor(ref: BufferRef): ref is PoolTensor<DType> {
  return ref instanceof PoolTensor;
}

/**
 * The GPU half of the library: owns a device, its tensors and its pipelines.
 * Ops record their dispatches; a recording is encoded and submitted when the op
 * (or the batch) ends. Only `tensor.read()` waits.
 */
export class GpuContext implements TensorOwner {
  readonly device: GPUDevice;
  /** Resolves when the device is lost (or destroyed). */
  readonly lost: Promise<GPUDeviceLostInfo>;
  readonly label: string;
  /** Whether the reductions use subgroup operations (the device has them and they were not turned off). */
  readonly subgroups: boolean;
  /** Threads to keep in flight (PoolEngineOptions.parallelism). */
  readonly parallelism: number;
  #live = new Map<GPUBuffer, number>();
  /** Released tensor buffers and used uniform buffers, kept for reuse. */
  #storagePool = new BufferPool(256 << 20);
  #uniformPool = new BufferPool(1 << 20);
  /** Buffers bound where a kernel declares a binding the call does not use, one per access and binding. */
  #placeholders = new Map<string, GPUBuffer>();
  #bindGroups = new BindGroupCache();
  /** The recording ops add to: a batch's, an encode's, or null (each op records and submits alone). */
  #recording: Recording | null = null;
  /** Buffers used in commands the caller submits (encode): never pooled again, as their commands may not have run. */
  #encoded = new WeakSet<GPUBuffer>();
  #destroyed = false;
  #lostInfo: GPUDeviceLostInfo | null = null;

  constructor(device: GPUDevice, label: string, subgroups = true, parallelism = HARDWARE_PARALLELISM) {
    this.device = device;
    this.label = label;
    this.subgroups = subgroups && device.features.has('subgroups');
    this.parallelism = parallelism;
    this.lost = device.lost.then((info) => {
      this.#lostInfo = info;
      return info;
    });
  }

  checkAlive(): void {
    if (this.#destroyed) throw new PoolError('DESTROYED_ENGINE', 'engine', this.label, 'was destroyed; create a new engine');
    if (this.#lostInfo) {
      throw new PoolError(
        'DEVICE_LOST',
        'device',
        this.#lostInfo.reason,
        `was lost (${this.#lostInfo.message || 'no message'}); create a new engine on a new device`,
      );
    }
  }

  /**
   * Buffers and bytes in use now (tensors and scratch; wrapped buffers are the
   * caller's and not counted), and those released and kept for reuse
   * (`pooledBuffers`, `pooledBytes`; freed by `destroy()`).
   */
  stats(): PoolStats {
    let bytes = 0;
    for (const size of this.#live.values()) bytes += size;
    const a = this.#storagePool.stats();
    const b = this.#uniformPool.stats();
    return { buffers: this.#live.size, bytes, pooledBuffers: a.buffers + b.buffers, pooledBytes: a.bytes + b.bytes };
  }

  /**
   * The largest tensor, in bytes, that one storage binding of this device can
   * hold, in whole 16-byte vec4s: every buffer is rounded up to them, so that
   * kernels may read any tensor as vec4s up to its last element. A call on a
   * larger tensor runs in chunks that each fit (src/chunked-call.ts).
   */
  get maxTensorBytes(): number {
    return Math.floor(this.#bindingLimit / 16) * 16;
  }

  get #bindingLimit(): number {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
  }

  /** The largest tensor, in bytes, that one buffer of this device can hold, in whole vec4s. */
  get maxBufferBytes(): number {
    return Math.floor(this.device.limits.maxBufferSize / 16) * 16;
  }

  /**
   * Checks, before anything is allocated, that every tensor an op will create
   * fits in one buffer (TOO_LARGE naming both limits if not), and signals
   * (NeedsChunks) that the call must run in chunks where one, or the float32
   * words a float16 one is staged through, passes one storage binding.
   */
  checkFits(param: string, ...shapes: (readonly number[])[]): void {
    this.#checkFits(param, shapes, 'float32', !this.#dry && !this.#chunking);
  }

  #checkFits(param: string, shapes: readonly (readonly number[])[], dtype: DType, chunkable: boolean): void {
    for (const shape of shapes) {
      const elements = shape.reduce((a, b) => a * b, 1);
      const bytes = elements * bytesPerElement(dtype);
      if (bytes > this.maxBufferBytes) {
        throw new PoolError(
          'TOO_LARGE',
          param,
          shape,
          `needs ${bytes} bytes, more than one buffer of this device holds (maxBufferSize ${this.device.limits.maxBufferSize} bytes, in whole 16-byte vec4s); ` +
            `past maxStorageBufferBindingSize (${this.device.limits.maxStorageBufferBindingSize} bytes) calls run in chunks, but a tensor is one buffer: ` +
            `split the batch or channels into tensors of at most ${this.maxBufferBytes} bytes`,
        );
      }
      if (chunkable && elements * 4 > this.maxTensorBytes) throw new NeedsChunks();
    }
  }

  /** Whether a call on `tensors` must run in chunks: one of them (or its float32 staging words) passes one storage binding. */
  needsChunks(tensors: readonly PoolTensor<DType>[]): boolean {
    return !this.#dry && !this.#chunking && tensors.some((t) => t.size * 4 > this.maxTensorBytes);
  }

  /** Whether this context only plans (prepare: tensors share one placeholder buffer, launches are noted). */
  get planning(): boolean {
    return false;
  }

  /** The first (n, c) plane of the chunk a chunked call runs now (src/chunked-call.ts): random ops draw by their place in the whole call. */
  planeBase = 0;

  #dry = false;
  #dryMemory: GPUBuffer | null = null;
  #chunking = false;

  /**
   * Runs `fn` (an op) without GPU work: buffers are one placeholder, launches are
   * dropped, and tensors may be as large as one buffer. The op validates its
   * arguments and returns results of the right shapes (a chunked call's plan).
   */
  dryRun<T>(fn: () => T): T {
    const was = this.#dry;
    this.#dry = true;
    try {
      return fn();
    } finally {
      this.#dry = was;
    }
  }

  /** Runs `fn` (a chunked call's sub-calls, each on tensors that fit) with NeedsChunks off. */
  inChunks<T>(fn: () => T): T {
    const was = this.#chunking;
    this.#chunking = true;
    try {
      return fn();
    } finally {
      this.#chunking = was;
    }
  }

  createBuffer(byteLength: number, label: string, data?: ArrayBufferView): GPUBuffer {
    if (this.#dry) {
      this.#dryMemory ??= this.device.createBuffer({ label: `${this.label}.dry`, size: 16, usage: BufferUsage.STORAGE });
      return this.#dryMemory;
    }
    // Whole vec4s (within maxBufferBytes, which checkFits enforces).
    const size = Math.max(16, roundUp16(byteLength));
    const reused = data === undefined ? this.#storagePool.take(size) : undefined;
    if (reused) {
      reused.label = `${this.label}.${label}`;
      this.#live.set(reused, size);
      return reused;
    }
    const buffer = this.device.createBuffer({
      label: `${this.label}.${label}`,
      size,
      usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
      mappedAtCreation: data !== undefined,
    });
    if (data) {
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      buffer.unmap();
    }
    this.#live.set(buffer, size);
    this.#recording?.fresh.add(buffer);
    return buffer;
  }

  releaseBuffer(buffer: GPUBuffer): void {
    const size = this.#live.get(buffer);
    if (size === undefined) return;
    this.#live.delete(buffer);
    // Commands the caller submits later may still use it: leave it to the garbage collector.
    if (this.#encoded.has(buffer) || this.#recording?.encoder) {
      this.#encoded.add(buffer);
      return;
    }
    if (!this.#destroyed && this.#storagePool.give(buffer, size)) return;
    // Steps recorded but not yet submitted may use it: destroy it after the submit.
    if (!this.#destroyed && this.#recording) this.#recording.released.push(buffer);
    else buffer.destroy();
  }

  /**
   * A small read-only buffer of constant data (spatial pyramid levels), made once per
   * content and kept until destroy(): a call that needs it neither creates nor maps a buffer.
   */
  constantBuffer(data: Uint32Array): GPUBuffer {
    const key = data.join(',');
    let buffer = this.#constants.get(key);
    if (!buffer) {
      buffer = this.device.createBuffer({
        label: `${this.label}.constants[${key}]`,
        size: Math.max(16, roundUp16(data.byteLength)),
        usage: BufferUsage.STORAGE,
        mappedAtCreation: true,
      });
      new Uint32Array(buffer.getMappedRange()).set(data);
      buffer.unmap();
      this.#constants.set(key, buffer);
    }
    return buffer;
  }

  #constants = new Map<string, GPUBuffer>();

  /** A placeholder for an unused binding: 16 bytes (room for one vec4), one per access and binding number, so writable ones never alias. */
  #placeholder(binding: number, writable: boolean): GPUBuffer {
    const key = writable ? `w${binding}` : 'r';
    let buffer = this.#placeholders.get(key);
    if (!buffer) {
      buffer = this.device.createBuffer({ label: `${this.label}.placeholder.${key}`, size: 16, usage: BufferUsage.STORAGE });
      this.#placeholders.set(key, buffer);
    }
    return buffer;
  }

  makeTensor<D extends DType>(
    buffer: GPUBuffer,
    shape: readonly number[],
    layout: Layout,
    dtype: D,
    view?: { offset: number; wrapped: boolean; label: string },
  ): PoolTensor<D> {
    const tensor = new PoolTensor(this, buffer, shape, layout, dimsOf(shape, layout), dtype, view);
    if (!view?.wrapped && !this.#dry) this.#recording?.tensors.push(tensor);
    return tensor;
  }

  /** A new tensor of `shape` in `layout`, uninitialized (every op writes all of its output). */
  empty<D extends DType>(shape: readonly number[], layout: Layout, dtype: D, label: string): PoolTensor<D> {
    this.#checkFits('output', [shape], dtype, !this.#dry && !this.#chunking);
    const size = shape.reduce((a, b) => a * b, 1);
    return this.makeTensor(this.createBuffer(size * bytesPerElement(dtype), label), shape, layout, dtype);
  }

  /** A new tensor that may pass one storage binding (up to one buffer): a chunked call's whole results, prepare's inputs. */
  emptyWhole<D extends DType>(shape: readonly number[], layout: Layout, dtype: D, label: string): PoolTensor<D> {
    this.#checkFits('output', [shape], dtype, false);
    const size = shape.reduce((a, b) => a * b, 1);
    return this.makeTensor(this.createBuffer(size * bytesPerElement(dtype), label), shape, layout, dtype);
  }

  /** `out` where the caller gave one (checked by the op's facade), else a new tensor. */
  output<D extends DType>(out: PoolTensor<D> | undefined, shape: readonly number[], layout: Layout, dtype: D, label: string): PoolTensor<D> {
    return out ?? this.empty(shape, layout, dtype, label);
  }

  upload(data: TensorData, shape: readonly number[], layout: unknown, dtype?: unknown): PoolTensor<DType> {
    this.checkAlive();
    const resolved = checkTensorData(data, shape, layout, true);
    const { dtype: kind, bytes } = storedData(data, dtype);
    this.#checkFits('shape', [shape], kind, false);
    return this.makeTensor(this.createBuffer(bytes.byteLength, `tensor[${shape.join('x')}]`, bytes), shape, resolved, kind);
  }

  /** Checks that `t` is a live tensor of this engine with the expected dtype. */
  own<D extends DType>(t: unknown, param: string, dtype: D): PoolTensor<D> {
    return checkTensor(this, t, param, dtype, (buffer) => this.badBuffers.get(buffer));
  }

  /** Checks that `t` is a live float tensor of this engine (float32 or float16): a call's input, whose dtype its other tensors then take. */
  ownFloat(t: unknown, param: string): FloatTensor {
    return this.own(t, param, t instanceof PoolTensor && t.dtype === 'float16' ? 'float16' : 'float32');
  }

  /** `checkOut` (src/validate.ts) with this engine's `own`. */
  checkOut<K extends string>(out: unknown, want: Record<K, ResultSpec | null>, inputs: readonly PoolTensor<DType>[]) {
    return checkOut((t, param, dtype) => this.own(t, param, dtype), out, want, inputs);
  }

  /** Wrapped buffers a check found unusable (src/wrap.ts): another device's, or destroyed. */
  readonly badBuffers = new WeakMap<GPUBuffer, BufferVerdict>();

  /** Whether a batch or an encode is recording. */
  get recording(): boolean {
    return this.#recording !== null;
  }

  /**
   * Runs `fn` with every op it issues recorded into one recording, then encodes it
   * into `encoder` (the caller submits) or into one submission of the engine's.
   * If `fn` throws, nothing is encoded and what it made is released.
   */
  record<T>(encoder: GPUCommandEncoder | null, fn: () => T): T {
    this.checkAlive();
    if (typeof fn !== 'function') throw new PoolError('INVALID_OPTION', 'fn', fn, 'must be a function that issues ops');
    if (this.#recording) {
      if (encoder && encoder !== this.#recording.encoder) {
        throw new PoolError(
          'IN_BATCH',
          'encoder',
          encoder.label ?? 'encoder',
          'cannot be recorded into inside another batch or encode; nest calls without an encoder, or end the outer one first',
        );
      }
      return fn(); // Nested: joins the outer recording.
    }
    const rec = new Recording(encoder);
    this.#recording = rec;
    let result: T;
    try {
      result = fn();
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        throw new PoolError(
          'INVALID_OPTION',
          'fn',
          'an async function',
          'must be synchronous: ops are recorded until it returns (await reads after the batch)',
        );
      }
    } catch (e) {
      this.#recording = null;
      this.#abandon(rec);
      throw e;
    }
    this.#recording = null;
    this.#finish(rec);
    return result;
  }

  #finish(rec: Recording): void {
    finishRecording(this.device, rec, this.#uniformPool, this.#bindGroups, this.label);
    if (rec.encoder) for (const step of rec.steps) for (const v of step.views) this.#encoded.add(v.buffer);
    for (const buffer of rec.released) buffer.destroy();
  }

  /** Releases what an abandoned recording made: its tensors, then every buffer it created. */
  #abandon(rec: Recording): void {
    for (const t of rec.tensors) t.destroy();
    for (const buffer of rec.released) buffer.destroy();
    for (const buffer of rec.fresh) {
      this.#live.delete(buffer);
      this.#storagePool.remove(buffer);
      buffer.destroy();
    }
  }

  /** Records one kernel launch (and submits it at once outside a batch); does not wait. */
  run(d: Dispatch): void {
    if (this.#dry) return;
    const rec = this.#recording ?? new Recording(null);
    const shader = launchKernel(d);
    const half = shader !== d.shader;
    // A float16 target staged through float32 words (below) is cleared there, in its words.
    const staged = (t: BufferRef) => !half && isHalf(t);
    for (const target of d.clear ?? []) if (!staged(target)) this.#zero(rec, target);
    const pipeline = getPipeline(this.device, shader, d.constants);
    const decls = storageBindings(shader);
    const unknown = Object.keys(d.bindings).filter((name) => d.bindings[name] && !decls.some((b) => b.name === name));
    if (unknown.length) throw new Error(`kernel ${d.shader} has no binding ${unknown.join(', ')} (it has ${decls.map((b) => b.name).join(', ')})`);
    const refs = decls.map((decl) => d.bindings[decl.name] ?? null);
    const written = new Set<GPUBuffer>();
    decls.forEach((decl, i) => {
      const ref = refs[i];
      if (decl.writable && ref) written.add(this.#viewOf(ref).buffer);
    });
    const after: (() => void)[] = [];
    const releases: GPUBuffer[] = [];
    const views = decls.map((decl, i) => {
      const ref = refs[i];
      if (ref === null) return { buffer: this.#placeholder(decl.binding, decl.writable), offset: 0, size: 16 };
      // A kernel without a float16 variant computes on float32 words: a float16 tensor is
      // staged through them (unpacked before, and packed back after where it is written).
      if (isTensor(ref) && staged(ref)) {
        const scratch = this.createBuffer(ref.size * 4, `${d.label}.float32`);
        const words = { buffer: scratch, offset: 0, size: scratch.size };
        // Every op writes all of its output or clears it first (no kernel reads what it writes),
        // so a written tensor is not unpacked: its words are zeroed where the op clears it.
        if (!decl.writable) this.#halves(rec, 'unpack', ref.view, words, ref.size, d.label);
        else if (d.clear?.includes(ref)) this.#words(rec, true, { buffer: this.#placeholder(1, false), offset: 0, size: 16 }, words, ref.size, 'clear');
        if (decl.writable) after.push(() => this.#halves(rec, 'pack', words, ref.view, ref.size, d.label));
        releases.push(scratch);
        return words;
      }
      const view = this.#viewOf(ref);
      const bytes = isTensor(ref) ? ref.wordBytes : view.size;
      // WebGPU forbids a buffer read and written in one dispatch, even in disjoint ranges: read a copy.
      const sharesWritten = !decl.writable && written.has(view.buffer);
      // A vec4 element: 16 bytes, or 8 of a float16 variant's float binding (4 halves).
      const unit = half && decl.float ? 8 : 16;
      const partialVec4 = decl.vec4 && view.size % unit !== 0;
      if (!sharesWritten && !partialVec4) return view;
      // A read-only vec4 binding may read past a view into its own buffer (the kernels mask those lanes).
      const whole = Math.ceil(view.size / unit) * unit;
      if (!sharesWritten && !decl.writable && view.offset + whole <= view.buffer.size) return { ...view, size: whole };
      const scratch = this.createBuffer(bytes, `${d.label}.staged`);
      this.#copy(rec, view, { buffer: scratch, offset: 0, size: scratch.size }, bytes, d.label);
      if (decl.writable) after.push(() => this.#copy(rec, { buffer: scratch, offset: 0, size: scratch.size }, view, bytes, d.label));
      releases.push(scratch);
      return { buffer: scratch, offset: 0, size: scratch.size };
    });
    const groups = d.workgroups ?? Math.ceil(d.threads / WORKGROUP_SIZE);
    const x = Math.min(groups, MAX_WORKGROUPS_PER_DIM);
    rec.steps.push({ pipeline, views, uniforms: d.uniforms, groups: [x, Math.ceil(groups / x)], label: d.label });
    for (const f of after) f();
    if (!this.#recording) this.#finish(rec);
    // Released after this launch's submit (or into the batch, which destroys what the pool does not keep after its own).
    for (const buffer of releases) this.releaseBuffer(buffer);
  }

  #viewOf(ref: Exclude<BufferRef, null>): GPUBufferBinding & { offset: number; size: number } {
    return isTensor(ref) ? ref.view : { buffer: ref, offset: 0, size: ref.size };
  }

  /** Records a copy of `bytes` (a multiple of 4) between two views, as a kernel: it needs only STORAGE usage. */
  #copy(rec: Recording, from: GPUBufferBinding, to: GPUBufferBinding, bytes: number, label: string): void {
    const words = bytes / 4;
    this.#words(rec, false, { ...from, size: Math.max(4, bytes) }, { ...to, size: Math.max(4, bytes) }, words, `${label}.copy`);
  }

  /**
   * Records a float16 conversion (shaders/half_convert.wgsl) of `count` halves:
   * unpack a float16 view into float32 words, pack float32 words into one, or zero one.
   */
  #halves(rec: Recording, mode: 'unpack' | 'pack' | 'zero', from: GPUBufferBinding, to: GPUBufferBinding, count: number, label: string): void {
    const uniforms = new Uint32Array([count, 0, 0, 0]).buffer;
    const groups = Math.ceil((mode === 'unpack' ? count : Math.ceil(count / 2)) / WORKGROUP_SIZE);
    const x = Math.min(groups, MAX_WORKGROUPS_PER_DIM);
    const pipeline = getPipeline(this.device, 'halfConvert', { PACK: mode === 'unpack' ? 0 : 1, ZERO: mode === 'zero' ? 1 : 0 });
    rec.steps.push({ pipeline, views: [from, to], uniforms, groups: [x, Math.ceil(groups / x)], label: `${label}.${mode}` });
  }

  #zero(rec: Recording, target: PoolTensor<DType> | GPUBuffer): void {
    if (isTensor(target) && target.dtype === 'float16') {
      this.#halves(rec, 'zero', { buffer: this.#placeholder(1, false), offset: 0, size: 16 }, target.view, target.size, 'clear');
      return;
    }
    const view = this.#viewOf(target);
    const bytes = isTensor(target) ? target.byteLength : view.size;
    const from = { buffer: this.#placeholder(1, false), offset: 0, size: 16 };
    this.#words(rec, true, from, { ...view, size: bytes }, bytes / 4, 'clear');
  }

  #words(rec: Recording, zero: boolean, from: GPUBufferBinding, to: GPUBufferBinding, words: number, label: string): void {
    const uniforms = new Uint32Array([words, 0, 0, 0]).buffer;
    const groups = Math.ceil(words / WORKGROUP_SIZE);
    const x = Math.min(groups, MAX_WORKGROUPS_PER_DIM);
    const pipeline = getPipeline(this.device, 'copyWords', { ZERO: zero ? 1 : 0 });
    rec.steps.push({ pipeline, views: [from, to], uniforms, groups: [x, Math.ceil(groups / x)], label });
  }

  /**
   * Records a copy of a block-strided slice (shaders/slice_copy.wgsl): element
   * (o, j) of `s` goes from element `srcStart + o·srcStride + j` of `from` to
   * element `dstStart + o·dstStride + j` of `to` (elements counted from each view's
   * offset), bits as they are, or added as floats (`add`). The copy is split into
   * pieces whose bound ranges start on the binding alignment and fit one binding,
   * so either side may be a buffer larger than one binding.
   */
  copySlice(from: GPUBufferBinding & { offset: number }, to: GPUBufferBinding & { offset: number }, s: SliceCopy, label: string): void {
    if (this.#dry || s.outer === 0 || s.inner === 0) return;
    const rec = this.#recording ?? new Recording(null);
    const eb = s.halves ? 2 : 4;
    const align = this.device.limits.minStorageBufferOffsetAlignment;
    const room = this.maxTensorBytes - 2 * align;
    // A single block longer than a piece is cut into runs of whole words.
    if (s.outer === 1 && s.inner * eb > room) {
      const run = Math.floor(room / 4) * (4 / eb);
      for (let j = 0; j < s.inner; j += run) {
        const inner = Math.min(run, s.inner - j);
        this.copySlice(from, to, { ...s, inner, srcStart: s.srcStart + j, dstStart: s.dstStart + j }, label);
      }
      return;
    }
    const rows = Math.max(1, Math.floor((room - s.inner * eb) / (Math.max(s.srcStride, s.dstStride) * eb)) + 1);
    const pipeline = getPipeline(this.device, 'sliceCopy', { HALVES: s.halves ? 1 : 0, ADD: s.add ? 1 : 0 });
    const quadPipeline = getPipeline(this.device, 'sliceCopyVec4', {});
    const bind = (view: GPUBufferBinding & { offset: number }, first: number, span: number) => {
      const start = view.offset + first * eb;
      const offset = Math.floor(start / align) * align;
      const size = Math.ceil((start + span * eb - offset) / 4) * 4;
      return { view: { buffer: view.buffer, offset, size }, base: (start - offset) / eb };
    };
    for (let o = 0; o < s.outer; o += rows) {
      const outer = Math.min(rows, s.outer - o);
      const src = bind(from, s.srcStart + o * s.srcStride, (outer - 1) * s.srcStride + s.inner);
      const dstSpan = (outer - 1) * s.dstStride + s.inner;
      const dst = bind(to, s.dstStart + o * s.dstStride, dstSpan);
      // Whole vec4s everywhere (float32 or int32 bits, starts on 16 bytes): sliceCopyVec4, a quarter of the threads.
      const quad = (v: { view: { buffer: GPUBuffer; offset: number; size: number }; base: number }) => {
        const size = roundUp16(v.view.size);
        return v.base % 4 === 0 && v.view.offset + size <= v.view.buffer.size ? { ...v.view, size } : null;
      };
      const [srcQuad, dstQuad] = [quad(src), quad(dst)];
      const vec4 = !s.halves && !s.add && [s.inner, s.srcStride, s.dstStride].every((n) => n % 4 === 0) && srcQuad && dstQuad;
      const words = vec4 ? dstSpan / 4 : s.halves ? Math.floor((dst.base + dstSpan - 1) / 2) - Math.floor(dst.base / 2) + 1 : dstSpan;
      const q = vec4 ? 4 : 1;
      const uniforms = new Uint32Array([words, outer, s.inner / q, s.srcStride / q, s.dstStride / q, src.base / q, dst.base / q, 0]).buffer;
      const groups = Math.ceil(words / WORKGROUP_SIZE);
      const x = Math.min(groups, MAX_WORKGROUPS_PER_DIM);
      const views = vec4 ? [srcQuad!, dstQuad!] : [src.view, dst.view];
      rec.steps.push({ pipeline: vec4 ? quadPipeline : pipeline, views, uniforms, groups: [x, Math.ceil(groups / x)], label: `${label}.slice` });
    }
    if (!this.#recording) this.#finish(rec);
  }

  /** Copies a view back to the CPU (tensor.read()). */
  checkReadable(): void {
    if (this.#recording) {
      throw new PoolError(
        'IN_BATCH',
        'read',
        'inside batch/encode',
        'would wait for work that is not submitted yet; read after the batch returns (after your own submit, for encode)',
      );
    }
  }

  async readView(view: GPUBufferBinding & { offset: number }, byteLength: number): Promise<ArrayBuffer> {
    this.checkReadable();
    let source = view;
    let scratch: GPUBuffer | null = null;
    if (!(view.buffer.usage & BufferUsage.COPY_SRC)) {
      // A wrapped buffer without COPY_SRC: copy it by a kernel into one that has it.
      scratch = this.createBuffer(byteLength, 'readback.staged');
      const rec = new Recording(null);
      this.#copy(rec, view, { buffer: scratch, offset: 0, size: scratch.size }, byteLength, 'read');
      this.#finish(rec);
      source = { buffer: scratch, offset: 0 };
    }
    const staging = this.device.createBuffer({
      label: `${this.label}.readback`,
      size: Math.max(4, byteLength),
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    });
    try {
      const encoder = this.device.createCommandEncoder({ label: `${this.label}.readback.encoder` });
      encoder.copyBufferToBuffer(source.buffer, source.offset, staging, 0, Math.max(4, byteLength));
      this.device.queue.submit([encoder.finish()]);
      if (scratch) this.releaseBuffer(scratch);
      try {
        await staging.mapAsync(MapMode.READ);
      } catch (e) {
        // A lost device rejects the map; say so in the library's terms.
        const info = await Promise.race([this.lost, new Promise<null>((r) => setTimeout(() => r(null), 0))]);
        if (info) this.checkAlive();
        throw e;
      }
      return staging.getMappedRange(0, byteLength).slice(0);
    } finally {
      staging.destroy();
    }
  }

  destroy(): void {
    if (this.#destroyed) return;
    for (const buffer of this.#live.keys()) buffer.destroy();
    this.#live.clear();
    this.#storagePool.clear();
    this.#uniformPool.clear();
    for (const buffer of this.#placeholders.values()) buffer.destroy();
    this.#placeholders.clear();
    this.#dryMemory?.destroy();
    for (const buffer of this.#constants.values()) buffer.destroy();
    this.#constants.clear();
    this.#bindGroups.clear();
    this.#destroyed = true;
  }
}

/** What `engine.stats()` returns. */
export interface PoolStats {
  /** Engine buffers in use: tensors and scratch (not wrapped buffers, not placeholders). */
  buffers: number;
  bytes: number;
  /** Released buffers kept for reuse (storage and uniforms); `destroy()` frees them. */
  pooledBuffers: number;
  pooledBytes: number;
}

/** Gets a device: the one given, or one requested with the adapter's largest buffer limits. */
export async function acquireDevice(options: PoolEngineOptions): Promise<GPUDevice> {
  if (options.device) return options.device;
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) {
    throw new PoolError(
      'NO_WEBGPU',
      'gpu',
      undefined,
      'WebGPU is not available here: use a browser with WebGPU enabled, or pass `gpu` (Node: the webgpu package) or `device`',
    );
  }
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
  if (!adapter) throw new PoolError('NO_WEBGPU', 'adapter', null, 'requestAdapter() found no WebGPU adapter');
  return adapter.requestDevice({
    label: `${options.label ?? 'pool'}.device`,
    requiredFeatures: adapter.features.has('subgroups') ? ['subgroups'] : [],
    requiredLimits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
    },
  });
}

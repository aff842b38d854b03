import { PoolError } from './errors';
import { checkTensorData, dimsOf, type Layout } from './layout';
import { getPipeline, type OverrideConstants } from './pipelines';
import type { ShaderName } from './shaders';
import { PoolTensor, type DType, type TensorOwner } from './tensor';
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
}

const MAX_WORKGROUPS_PER_DIM = 65535;
const WORKGROUP_SIZE = 64;

/** One kernel launch, as the ops describe it. */
export interface Dispatch {
  shader: ShaderName;
  constants: OverrideConstants;
  uniforms: ArrayBuffer;
  /** Storage buffers for bindings 1, 2, … in order. */
  buffers: GPUBuffer[];
  /** Number of threads; one per element written. */
  threads: number;
  /** Workgroups to launch instead of one 64-wide group per 64 threads (kernels with their own workgroup size). */
  workgroups?: number;
  /** Buffers to clear to zero before the kernel runs (in the same command buffer). */
  clear?: GPUBuffer[];
  label: string;
}

/**
 * The GPU half of the library: owns a device, its tensors and its pipelines.
 * Ops encode and submit without waiting; only `tensor.read()` waits.
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
  #placeholder: GPUBuffer | null = null;
  #secondPlaceholder: GPUBuffer | null = null;
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
      throw new PoolError('DEVICE_LOST', 'device', this.#lostInfo.reason, `was lost (${this.#lostInfo.message || 'no message'}); create a new engine on a new device`);
    }
  }

  /**
   * Buffers and bytes in use now (tensors, placeholders), and those released and
   * kept for reuse (`pooledBuffers`, `pooledBytes`; freed by `destroy()`).
   */
  stats(): { buffers: number; bytes: number; pooledBuffers: number; pooledBytes: number } {
    let bytes = 0;
    for (const size of this.#live.values()) bytes += size;
    const a = this.#storagePool.stats();
    const b = this.#uniformPool.stats();
    return { buffers: this.#live.size, bytes, pooledBuffers: a.buffers + b.buffers, pooledBytes: a.bytes + b.bytes };
  }

  /**
   * The largest tensor, in bytes, that one storage binding of this device can
   * hold, in whole 16-byte vec4s: every buffer is rounded up to them, so that
   * kernels may read any tensor as vec4s up to its last element.
   */
  get maxTensorBytes(): number {
    return Math.floor(this.#bindingLimit / 16) * 16;
  }

  get #bindingLimit(): number {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
  }

  /**
   * Checks, before anything is allocated, that every tensor an op will create fits
   * in one storage binding; raises TOO_LARGE naming the limit and the size.
   */
  checkFits(param: string, ...shapes: (readonly number[])[]): void {
    for (const shape of shapes) {
      const bytes = shape.reduce((a, b) => a * b, 1) * 4;
      if (bytes > this.maxTensorBytes) {
        const rounded = this.maxTensorBytes < this.#bindingLimit ? ', in whole 16-byte vec4s' : '';
        throw new PoolError('TOO_LARGE', param, shape, `needs ${bytes} bytes, more than this device's storage binding limit of ${this.maxTensorBytes} bytes (maxStorageBufferBindingSize${rounded}); split the batch or channels`);
      }
    }
  }

  createBuffer(byteLength: number, label: string, data?: ArrayBufferView): GPUBuffer {
    // Whole vec4s (within maxTensorBytes, which checkFits enforces).
    const size = Math.max(16, Math.ceil(byteLength / 16) * 16);
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
    return buffer;
  }

  releaseBuffer(buffer: GPUBuffer): void {
    const size = this.#live.get(buffer);
    if (size === undefined) return;
    this.#live.delete(buffer);
    if (this.#destroyed || !this.#storagePool.give(buffer, size)) buffer.destroy();
  }

  /** A 16-byte buffer (room for one vec4) bound where a kernel declares a binding its mode does not use. */
  placeholder(): GPUBuffer {
    if (!this.#placeholder) this.#placeholder = this.createBuffer(16, 'placeholder');
    return this.#placeholder;
  }

  /** Another placeholder, for a kernel with two unused writable bindings (writable bindings may not alias). */
  secondPlaceholder(): GPUBuffer {
    if (!this.#secondPlaceholder) this.#secondPlaceholder = this.createBuffer(4, 'placeholder2');
    return this.#secondPlaceholder;
  }

  makeTensor<D extends DType>(buffer: GPUBuffer, shape: readonly number[], layout: Layout, dtype: D): PoolTensor<D> {
    return new PoolTensor(this, buffer, shape, layout, dimsOf(shape, layout), dtype);
  }

  /** A new tensor of `shape` in `layout`, uninitialized (every op writes all of its output). */
  empty<D extends DType>(shape: readonly number[], layout: Layout, dtype: D, label: string): PoolTensor<D> {
    this.checkFits('output', shape);
    const size = shape.reduce((a, b) => a * b, 1);
    return this.makeTensor(this.createBuffer(size * 4, label), shape, layout, dtype);
  }

  upload(data: Float32Array | Int32Array, shape: readonly number[], layout: unknown): PoolTensor<DType> {
    this.checkAlive();
    const resolved = checkTensorData(data, shape, layout);
    this.checkFits('shape', shape);
    const size = shape.reduce((a, b) => a * b, 1);
    const dtype: DType = data instanceof Int32Array ? 'int32' : 'float32';
    return this.makeTensor(this.createBuffer(size * 4, `tensor[${shape.join('x')}]`, data), shape, resolved, dtype);
  }

  /** Checks that `t` is a live tensor of this engine with the expected dtype. */
  own<D extends DType>(t: unknown, param: string, dtype: D): PoolTensor<D> {
    if (!(t instanceof PoolTensor)) throw new PoolError('INVALID_OPTION', param, t, 'must be a tensor made by this engine');
    if (t.owner !== this) throw new PoolError('FOREIGN_TENSOR', param, `${t.dtype}[${t.shape.join(', ')}]`, 'belongs to another engine; upload it to this one');
    if (t.destroyed) throw new PoolError('DESTROYED_TENSOR', param, `${t.dtype}[${t.shape.join(', ')}]`, 'was destroyed and cannot be used again');
    if (t.dtype !== dtype) throw new PoolError('INVALID_OPTION', param, t.dtype, `must be a tensor of dtype ${dtype}`);
    return t as PoolTensor<D>;
  }

  /** Encodes and submits one kernel launch; does not wait. */
  run(d: Dispatch): void {
    const device = this.device;
    const pipeline = getPipeline(device, d.shader, d.constants);
    const uniform =
      this.#uniformPool.take(d.uniforms.byteLength) ??
      device.createBuffer({
        label: `${this.label}.uniforms`,
        size: d.uniforms.byteLength,
        usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
      });
    device.queue.writeBuffer(uniform, 0, d.uniforms);
    const bindGroup = device.createBindGroup({
      label: `${this.label}.${d.label}.bindGroup`,
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniform, ...d.buffers].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const groups = d.workgroups ?? Math.ceil(d.threads / WORKGROUP_SIZE);
    const x = Math.min(groups, MAX_WORKGROUPS_PER_DIM);
    const y = Math.ceil(groups / x);
    const encoder = device.createCommandEncoder({ label: `${this.label}.${d.label}.encoder` });
    for (const buffer of d.clear ?? []) encoder.clearBuffer(buffer);
    const pass = encoder.beginComputePass({ label: `${this.label}.${d.label}.pass` });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    device.queue.submit([encoder.finish()]);
    if (!this.#uniformPool.give(uniform, d.uniforms.byteLength)) uniform.destroy();
  }

  async readBuffer(buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({
      label: `${this.label}.readback`,
      size: Math.max(4, byteLength),
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    });
    try {
      const encoder = this.device.createCommandEncoder({ label: `${this.label}.readback.encoder` });
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, Math.max(4, byteLength));
      this.device.queue.submit([encoder.finish()]);
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
    this.#placeholder = null;
    this.#secondPlaceholder = null;
    this.#destroyed = true;
  }
}

/** Gets a device: the one given, or one requested with the adapter's largest buffer limits. */
export async function acquireDevice(options: PoolEngineOptions): Promise<GPUDevice> {
  if (options.device) return options.device;
  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) {
    throw new PoolError('NO_WEBGPU', 'gpu', undefined, 'WebGPU is not available here: use a browser with WebGPU enabled, or pass `gpu` (Node: the webgpu package) or `device`');
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

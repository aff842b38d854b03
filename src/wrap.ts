// engine.wrap: a caller's GPUBuffer as a tensor, with no copy. What can be checked
// at once is (usage, size, alignment); whether the buffer belongs to another
// device or was destroyed only the device can say, asynchronously, so a probe
// asks it once per buffer and its verdict refuses later calls (and
// `engine.verify` awaits it).
import { PoolError } from './errors';
import type { GpuContext } from './engine';
import { BufferUsage } from './gpu-constants';
import { checkTensorShape, type Layout } from './layout';
import { getPipeline } from './pipelines';
import { bytesPerElement, type DType, type PoolTensor } from './tensor';

/** Options of `engine.wrap`. */
export interface WrapOptions<D extends DType = DType> {
  /** The tensor's layout; default channels-first of the shape's rank. */
  layout?: Layout;
  /** Element type: 'float32' (default), 'float16' (halves packed two to a 32-bit word) or 'int32' (indices). */
  dtype?: D;
  /** Byte offset of the first element: a multiple of the device's minStorageBufferOffsetAlignment. Default 0. */
  offset?: number;
  /** A name for error messages and GPU labels. */
  label?: string;
}

const OPTIONS = ['layout', 'dtype', 'offset', 'label'];

function isBuffer(value: unknown): value is GPUBuffer {
  return typeof value === 'object' && value !== null && typeof (value as GPUBuffer).size === 'number' && typeof (value as GPUBuffer).usage === 'number';
}

/** Validates a wrap call and makes the view; starts the device's check of the buffer. */
export function wrapBuffer<D extends DType>(ctx: GpuContext, buffer: unknown, shape: readonly number[], options: WrapOptions<D> = {}): PoolTensor<D> {
  ctx.checkAlive();
  if (!isBuffer(buffer)) throw new PoolError('INVALID_BUFFER', 'buffer', buffer, 'must be a GPUBuffer');
  if (options === null || typeof options !== 'object') throw new PoolError('INVALID_OPTION', 'options', options, `must be an object (${OPTIONS.join(', ')})`);
  for (const key of Object.keys(options)) {
    if ((options as Record<string, unknown>)[key] !== undefined && !OPTIONS.includes(key)) {
      throw new PoolError('INVALID_OPTION', key, (options as Record<string, unknown>)[key], `is not an option of wrap (options: ${OPTIONS.join(', ')})`);
    }
  }
  const layout = checkTensorShape(shape, options.layout);
  const dtype = (options.dtype ?? 'float32') as D;
  if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'int32')
    throw new PoolError('INVALID_OPTION', 'dtype', dtype, "must be 'float32', 'float16' or 'int32'");
  const label = options.label ?? '';
  const offset = options.offset ?? 0;
  const align = ctx.device.limits.minStorageBufferOffsetAlignment;
  if (!Number.isInteger(offset) || offset < 0 || offset % align !== 0) {
    throw new PoolError(
      'INVALID_BUFFER',
      'offset',
      offset,
      `must be a non-negative multiple of this device's minStorageBufferOffsetAlignment (${align} bytes); place the view at an aligned offset`,
    );
  }
  if (!(buffer.usage & BufferUsage.STORAGE)) {
    throw new PoolError(
      'INVALID_BUFFER',
      'buffer.usage',
      buffer.usage,
      'lacks GPUBufferUsage.STORAGE; create the buffer with STORAGE in its usage to pool it in place',
    );
  }
  // Kernels bind whole 32-bit words: a float16 view of an odd count binds the half after it too (and never writes it).
  const bytes = Math.ceil((shape.reduce((a, b) => a * b, 1) * bytesPerElement(dtype)) / 4) * 4;
  if (offset + bytes > buffer.size) {
    const words = dtype === 'float16' ? ' (float16 views bind whole 4-byte words)' : '';
    throw new PoolError(
      'INVALID_BUFFER',
      'buffer.size',
      buffer.size,
      `is too small for the view: offset ${offset} + ${bytes} bytes of [${shape.join(', ')}] ${dtype}${words} = ${offset + bytes}; use a larger buffer or a smaller shape`,
    );
  }
  // Past one storage binding, calls on the view run in chunks; one buffer is the limit.
  ctx.checkFits('shape', [Math.ceil(bytes / 4)]);
  const bad = ctx.badBuffers.get(buffer);
  if (bad) throw new PoolError(bad.code, 'buffer', label || buffer.label, bad.rule);
  probe(ctx, buffer);
  return ctx.makeTensor(buffer, shape, layout, dtype, { offset, wrapped: true, label });
}

/** Each engine's probes, by buffer. */
const probes = new WeakMap<GpuContext, WeakMap<GPUBuffer, Promise<void>>>();

/**
 * Asks the device, once per buffer, whether it can bind `buffer`: a bind group
 * fails for another device's buffer, a submit (of a dispatch of zero
 * workgroups, which runs nothing) for a destroyed one. Errors stay in the
 * probe's own error scopes.
 */
function probe(ctx: GpuContext, buffer: GPUBuffer): Promise<void> {
  let mine = probes.get(ctx);
  if (!mine) probes.set(ctx, (mine = new WeakMap()));
  let done = mine.get(buffer);
  if (done) return done;
  const device = ctx.device;
  const pipeline = getPipeline(device, 'probe', {});
  device.pushErrorScope('validation');
  const group = device.createBindGroup({
    label: `${ctx.label}.probe`,
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 1, resource: { buffer, offset: 0, size: 4 } }],
  });
  const bound = device.popErrorScope();
  device.pushErrorScope('validation');
  const encoder = device.createCommandEncoder({ label: `${ctx.label}.probe` });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(0);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const submitted = device.popErrorScope();
  done = Promise.all([bound, submitted]).then(([b, s]) => {
    if (b) {
      ctx.badBuffers.set(buffer, {
        code: 'FOREIGN_BUFFER',
        rule: `cannot be bound on this engine's device (${b.message.split('\n')[0]}); wrap only buffers created on engine.device`,
      });
    } else if (s) {
      ctx.badBuffers.set(buffer, { code: 'INVALID_BUFFER', rule: `cannot be used on this device (${s.message.split('\n')[0]}); was it destroyed?` });
    }
  });
  mine.set(buffer, done);
  return done;
}

/** Resolves once the device has checked `tensor`'s buffer; rejects with the PoolError a call with it would raise. */
export async function verifyWrapped(ctx: GpuContext, tensor: PoolTensor<DType>): Promise<void> {
  if (!tensor.wrapped) return;
  await probe(ctx, tensor.buffer);
  ctx.own(tensor, 'tensor', tensor.dtype);
}

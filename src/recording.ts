// The commands of one submission: every op's dispatches are recorded as steps and
// encoded together when the recording finishes, in one compute pass, with every
// step's uniforms in one buffer written once. A single op outside `batch` is a
// recording of its own; `engine.batch` and `engine.encode` make one of many ops.
import { BindGroupCache, createBindGroup } from './bind-groups';
import { BufferPool } from './buffer-pool';
import { BufferUsage } from './gpu-constants';
import type { PoolTensor, DType } from './tensor';

/** One dispatch, ready to encode. */
export interface Step {
  pipeline: GPUComputePipeline;
  /** Storage bindings 1, 2, … (binding 0 is the step's uniforms). */
  views: GPUBufferBinding[];
  uniforms: ArrayBuffer;
  groups: [number, number];
  label: string;
}

export class Recording {
  readonly steps: Step[] = [];
  /** Tensors made while recording: released if the recording is abandoned. */
  readonly tensors: PoolTensor<DType>[] = [];
  /** Buffers created while recording: destroyed if it is abandoned, so stats() end where they began. */
  readonly fresh = new Set<GPUBuffer>();
  /** Buffers released while recording that the pool did not keep: destroyed once the steps are submitted, which may still use them. */
  readonly released: GPUBuffer[] = [];

  /** `encoder`: the caller's (engine.encode), or null where the engine submits. */
  constructor(readonly encoder: GPUCommandEncoder | null) {}
}

/**
 * Encodes `rec`'s steps into its encoder (or a new one, then submitted). Uniforms
 * go into one pooled buffer, a slot per step at the device's uniform offset
 * alignment, written with one writeBuffer before the commands run. Where the
 * caller submits (encode), that buffer and the bind groups are not reused: the
 * engine cannot know when the caller's commands have run.
 */
export function finishRecording(device: GPUDevice, rec: Recording, uniformPool: BufferPool, bindGroups: BindGroupCache, label: string): void {
  const steps = rec.steps;
  if (steps.length === 0) return;
  const slot = Math.max(device.limits.minUniformBufferOffsetAlignment, 256);
  const used = steps.length * slot;
  // Powers of two, so that batches of similar length share pooled buffers.
  const size = 2 ** Math.ceil(Math.log2(used));
  const pooled = rec.encoder === null;
  const arena =
    (pooled ? uniformPool.take(size) : undefined) ??
    device.createBuffer({ label: `${label}.uniforms`, size, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
  const data = new Uint8Array(used);
  steps.forEach((s, k) => data.set(new Uint8Array(s.uniforms), k * slot));
  device.queue.writeBuffer(arena, 0, data);

  const encoder = rec.encoder ?? device.createCommandEncoder({ label: `${label}.encoder` });
  const pass = encoder.beginComputePass({ label: `${label}.pass` });
  let current: GPUComputePipeline | null = null;
  steps.forEach((s, k) => {
    const views = [{ buffer: arena, offset: k * slot, size: s.uniforms.byteLength }, ...s.views];
    const group = pooled ? bindGroups.get(device, s.pipeline, views, `${label}.${s.label}`) : createBindGroup(device, s.pipeline, views, `${label}.${s.label}`);
    if (s.pipeline !== current) pass.setPipeline((current = s.pipeline));
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(s.groups[0], s.groups[1]);
  });
  pass.end();
  if (rec.encoder === null) {
    device.queue.submit([encoder.finish()]);
    if (!uniformPool.give(arena, size)) arena.destroy();
  }
}

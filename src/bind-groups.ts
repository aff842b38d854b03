/**
 * Bind groups kept for reuse, keyed by pipeline and the exact buffer ranges bound:
 * a loop that runs the same ops on the same buffers (an inference pipeline's
 * frames) creates none after its first pass. Uniforms sit in a pooled buffer at a
 * slot per op, so repeated single calls and repeated batches hit too. Bounded:
 * the least recently used entry goes first.
 */
export class BindGroupCache {
  readonly #groups = new Map<string, GPUBindGroup>();
  readonly #ids = new WeakMap<object, number>();
  #nextId = 1;

  constructor(readonly limit = 1024) {}

  #id(o: object): number {
    let id = this.#ids.get(o);
    if (id === undefined) this.#ids.set(o, (id = this.#nextId++));
    return id;
  }

  /** The bind group of `pipeline` with entries 0, 1, … bound to `views`, created on a miss. */
  get(device: GPUDevice, pipeline: GPUComputePipeline, views: readonly GPUBufferBinding[], label: string): GPUBindGroup {
    const key = `${this.#id(pipeline)}|${views.map((v) => `${this.#id(v.buffer)}@${v.offset}+${v.size}`).join(',')}`;
    let group = this.#groups.get(key);
    if (group) {
      // Most recently used last.
      this.#groups.delete(key);
      this.#groups.set(key, group);
      return group;
    }
    group = createBindGroup(device, pipeline, views, label);
    this.#groups.set(key, group);
    if (this.#groups.size > this.limit) this.#groups.delete(this.#groups.keys().next().value!);
    return group;
  }

  get size(): number {
    return this.#groups.size;
  }

  clear(): void {
    this.#groups.clear();
  }
}

export function createBindGroup(device: GPUDevice, pipeline: GPUComputePipeline, views: readonly GPUBufferBinding[], label: string): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: views.map((resource, binding) => ({ binding, resource })),
  });
}

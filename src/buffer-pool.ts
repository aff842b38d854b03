/**
 * Released GPU buffers of one usage, kept for reuse by exact size so that a loop
 * of ops does not create and destroy a buffer per call. Reuse is safe without
 * waiting: the queue runs submissions and writes in order, so work already
 * submitted with a buffer finishes before work that reuses it.
 */
export class BufferPool {
  readonly #free = new Map<number, GPUBuffer[]>();
  #buffers = 0;
  #bytes = 0;

  /** `limitBytes`: released buffers beyond this total are destroyed instead of kept. */
  constructor(readonly limitBytes: number) {}

  take(size: number): GPUBuffer | undefined {
    const list = this.#free.get(size);
    const buffer = list?.pop();
    if (buffer) {
      this.#buffers--;
      this.#bytes -= size;
    }
    return buffer;
  }

  /** Keeps `buffer` for reuse; returns false (and keeps nothing) when the pool is full. */
  give(buffer: GPUBuffer, size: number): boolean {
    if (this.#bytes + size > this.limitBytes) return false;
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    list.push(buffer);
    this.#buffers++;
    this.#bytes += size;
    return true;
  }

  /** Takes `buffer` out of the pool if it is there (an abandoned batch destroys what it created). */
  remove(buffer: GPUBuffer): void {
    const list = this.#free.get(buffer.size);
    const at = list ? list.indexOf(buffer) : -1;
    if (at < 0) return;
    list!.splice(at, 1);
    this.#buffers--;
    this.#bytes -= buffer.size;
  }

  stats(): { buffers: number; bytes: number } {
    return { buffers: this.#buffers, bytes: this.#bytes };
  }

  clear(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#buffers = 0;
    this.#bytes = 0;
  }
}

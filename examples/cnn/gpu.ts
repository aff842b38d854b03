// The example network on the GPU. The convolutions, the dense layer and the
// softmax are the example's own kernels (shaders/*.wgsl); every pooling step is
// the engine's. Activations stay on the GPU from the input upload to the class
// probabilities, which are the only thing read back.
import type { PoolEngine, PoolTensor } from '../../src/index';
import { ARCHITECTURE, POOL1, type LayerWeights, type Weights } from './network';
import conv2dSource from './shaders/conv2d.wgsl?raw';
import denseSource from './shaders/dense.wgsl?raw';
import softmaxSource from './shaders/softmax.wgsl?raw';

const WORKGROUP_SIZE = 64;

/** One layer's GPU time. */
export interface LayerTiming {
  layer: string;
  /** The layer's output shape. */
  shape: number[];
  ms: number;
}

/** How layer times are measured: on the GPU's clock, or on the page's clock around each layer's submission. */
export type TimingMethod = 'timestamp-query' | 'wall-clock';

export interface Classification {
  /** [n, classes] softmax outputs. */
  probabilities: Float32Array;
  /** Per-layer times when asked for (`timing: true`), else null. */
  timings: LayerTiming[] | null;
}

/** Global average pooling on the engine's parallel reduction: [N, C, H, W] → [N, C, 1, 1]. */
export function globalAvgPool(engine: PoolEngine, x: PoolTensor): PoolTensor {
  return engine.globalAvgPool(x);
}

/** A layer as the forward pass runs it: `run` submits its GPU work. */
interface Step {
  layer: string;
  run(): void;
  shape: number[];
}

/** One of the example's kernels, and the member names of its `struct Params` in order. */
interface Kernel {
  pipeline: GPUComputePipeline;
  params: string[];
}

/** The members of `struct Params` in WGSL source, in order (all u32). */
function paramsOf(source: string): string[] {
  const body = /struct\s+Params\s*\{([^}]*)\}/.exec(source)?.[1];
  if (body === undefined) throw new Error('shader has no struct Params');
  return body
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .map((m) => m.split(':')[0].trim());
}

/**
 * The network's weights on the engine's device and its pipelines, made once;
 * `classify` runs a batch; `destroy` frees what `create` made.
 */
export class CnnGpu {
  readonly engine: PoolEngine;
  readonly device: GPUDevice;
  /** How `classify({ timing: true })` measures: timestamp queries when the device has them. */
  readonly timingMethod: TimingMethod;
  readonly #kernels: Record<'conv' | 'dense' | 'softmax', Kernel>;
  readonly #weights: Record<keyof Weights, { weight: GPUBuffer; bias: GPUBuffer }>;

  private constructor(engine: PoolEngine, weights: Weights) {
    this.engine = engine;
    this.device = engine.device;
    this.timingMethod = this.device.features.has('timestamp-query') ? 'timestamp-query' : 'wall-clock';
    const kernel = (name: string, code: string, constants: Record<string, number> = {}): Kernel => ({
      pipeline: this.device.createComputePipeline({
        label: `cnn.${name}.pipeline`,
        layout: 'auto',
        compute: {
          module: this.device.createShaderModule({ label: `cnn.${name}.module`, code }),
          entryPoint: 'main',
          constants: { WORKGROUP_SIZE, ...constants },
        },
      }),
      params: paramsOf(code),
    });
    this.#kernels = {
      conv: kernel('conv2d', conv2dSource, { KERNEL: ARCHITECTURE.kernel, RELU: 1 }),
      dense: kernel('dense', denseSource),
      softmax: kernel('softmax', softmaxSource),
    };
    const upload = (name: string, layer: LayerWeights) => ({
      weight: this.#buffer(`cnn.${name}.weight`, layer.weight),
      bias: this.#buffer(`cnn.${name}.bias`, layer.bias),
    });
    this.#weights = { conv1: upload('conv1', weights.conv1), conv2: upload('conv2', weights.conv2), dense: upload('dense', weights.dense) };
  }

  /** Puts the weights on the engine's device and builds the pipelines. */
  static create(engine: PoolEngine, weights: Weights): CnnGpu {
    return new CnnGpu(engine, weights);
  }

  #buffer(label: string, data: Float32Array | null, byteLength = data?.byteLength ?? 0, usage = GPUBufferUsage.STORAGE): GPUBuffer {
    const buffer = this.device.createBuffer({ label, size: Math.max(4, byteLength), usage, mappedAtCreation: data !== null });
    if (data) {
      new Float32Array(buffer.getMappedRange()).set(data);
      buffer.unmap();
    }
    return buffer;
  }

  /**
   * Submits one launch of one of the example's kernels, one thread per element.
   * `params` names every member of the kernel's `struct Params`; they are packed
   * in the struct's order, read from the WGSL.
   */
  #dispatch(name: 'conv' | 'dense' | 'softmax', label: string, params: Record<string, number>, buffers: GPUBuffer[], threads: number): void {
    const { pipeline, params: members } = this.#kernels[name];
    const extra = Object.keys(params).filter((k) => !members.includes(k));
    if (extra.length) throw new Error(`cnn.${label}: ${extra.join(', ')} not in struct Params (${members.join(', ')})`);
    const packed = new Uint32Array(Math.ceil(members.length / 4) * 4);
    members.forEach((member, i) => {
      if (params[member] === undefined) throw new Error(`cnn.${label}: struct Params member ${member} has no value`);
      packed[i] = params[member];
    });
    const uniforms = this.device.createBuffer({ label: `cnn.${label}.uniforms`, size: packed.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(uniforms, 0, packed);
    const bindGroup = this.device.createBindGroup({
      label: `cnn.${label}.bindGroup`,
      layout: pipeline.getBindGroupLayout(0),
      entries: [uniforms, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const groups = Math.ceil(threads / WORKGROUP_SIZE);
    const x = Math.min(groups, this.device.limits.maxComputeWorkgroupsPerDimension);
    const encoder = this.device.createCommandEncoder({ label: `cnn.${label}.encoder` });
    const pass = encoder.beginComputePass({ label: `cnn.${label}.pass` });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    uniforms.destroy();
  }

  /**
   * Classifies `n` images [n, 1, 16, 16] (channels-first). With `timing`, each
   * layer's GPU time is measured too (see `timingMethod`).
   */
  async classify(images: Float32Array, n: number, options: { timing?: boolean } = {}): Promise<Classification> {
    const { imageSize: s, inChannels, conv1, conv2, classes } = ARCHITECTURE;
    const engine = this.engine;
    const made: { destroy(): void }[] = [];
    const keep = <T extends { destroy(): void }>(t: T): T => {
      made.push(t);
      return t;
    };
    // Outputs of the example's own kernels are engine tensors too (zero-filled,
    // written through `tensor.buffer`), so the pooling steps can take them.
    const zeros = (shape: number[]) => keep(engine.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape));
    const x = keep(engine.tensor(images.subarray(0, n * inChannels * s * s), [n, inChannels, s, s]));
    const w = this.#weights;
    let a1!: PoolTensor;
    let p1!: PoolTensor;
    let a2!: PoolTensor;
    let g!: PoolTensor;
    const ph = Math.floor(s / 2);
    const logits = keep(this.#buffer('cnn.logits', null, n * classes * 4));
    const probabilities = keep(this.#buffer('cnn.probabilities', null, n * classes * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC));
    const steps: Step[] = [
      {
        layer: 'conv1 3×3 + ReLU',
        shape: [n, conv1, s, s],
        run: () => {
          a1 = zeros([n, conv1, s, s]);
          this.#dispatch('conv', 'conv1', { batch: n, in_channels: inChannels, out_channels: conv1, height: s, width: s }, [x.buffer, w.conv1.weight, w.conv1.bias, a1.buffer], a1.size);
        },
      },
      {
        layer: 'max pool 2×2 (engine)',
        shape: [n, conv1, ph, ph],
        run: () => {
          const pooled = engine.maxPool(a1, POOL1);
          if (pooled.indices) keep(pooled.indices);
          p1 = keep(pooled.output);
        },
      },
      {
        layer: 'conv2 3×3 + ReLU',
        shape: [n, conv2, ph, ph],
        run: () => {
          a2 = zeros([n, conv2, ph, ph]);
          this.#dispatch('conv', 'conv2', { batch: n, in_channels: conv1, out_channels: conv2, height: ph, width: ph }, [p1.buffer, w.conv2.weight, w.conv2.bias, a2.buffer], a2.size);
        },
      },
      {
        layer: 'global average pool (engine)',
        shape: [n, conv2, 1, 1],
        run: () => {
          g = keep(globalAvgPool(engine, a2));
        },
      },
      {
        layer: 'dense',
        shape: [n, classes],
        run: () => this.#dispatch('dense', 'dense', { batch: n, in_features: conv2, out_features: classes }, [g.buffer, w.dense.weight, w.dense.bias, logits], n * classes),
      },
      {
        layer: 'softmax',
        shape: [n, classes],
        run: () => this.#dispatch('softmax', 'softmax', { batch: n, classes }, [logits, probabilities], n),
      },
    ];
    try {
      let timings: LayerTiming[] | null = null;
      if (!options.timing) {
        for (const step of steps) step.run();
      } else if (this.timingMethod === 'timestamp-query') {
        timings = await this.#timeWithTimestamps(steps, keep);
      } else {
        timings = await this.#timeWithWallClock(steps);
      }
      return { probabilities: await this.#read(probabilities, n * classes), timings };
    } finally {
      for (const t of made) t.destroy();
    }
  }

  /** Runs the steps with a timestamp written between each two (an empty pass each), on the GPU's clock. */
  async #timeWithTimestamps(steps: Step[], keep: <T extends { destroy(): void }>(t: T) => T): Promise<LayerTiming[]> {
    const count = steps.length + 1;
    const querySet = keep(this.device.createQuerySet({ label: 'cnn.timestamps', type: 'timestamp', count }));
    const mark = (index: number, then?: (encoder: GPUCommandEncoder) => void) => {
      const encoder = this.device.createCommandEncoder({ label: `cnn.timestamp${index}.encoder` });
      encoder.beginComputePass({ label: `cnn.timestamp${index}.pass`, timestampWrites: { querySet, beginningOfPassWriteIndex: index } }).end();
      then?.(encoder);
      this.device.queue.submit([encoder.finish()]);
    };
    const resolved = keep(this.#buffer('cnn.timestamps.resolved', null, count * 8, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC));
    mark(0);
    steps.forEach((step, i) => {
      step.run();
      mark(i + 1, i + 1 === steps.length ? (encoder) => encoder.resolveQuerySet(querySet, 0, count, resolved, 0) : undefined);
    });
    // Nanoseconds; a browser that rounds them may report two layers' bounds as equal, never reversed.
    const ticks = new BigUint64Array(await this.#readBytes(resolved, count * 8));
    return steps.map((step, i) => ({ layer: step.layer, shape: step.shape, ms: Math.max(0, Number(ticks[i + 1] - ticks[i])) / 1e6 }));
  }

  /** Runs the steps one at a time, each timed from its submission until the queue is idle again. */
  async #timeWithWallClock(steps: Step[]): Promise<LayerTiming[]> {
    await this.device.queue.onSubmittedWorkDone();
    const timings: LayerTiming[] = [];
    for (const step of steps) {
      const started = performance.now();
      step.run();
      await this.device.queue.onSubmittedWorkDone();
      timings.push({ layer: step.layer, shape: step.shape, ms: performance.now() - started });
    }
    return timings;
  }

  async #read(buffer: GPUBuffer, length: number): Promise<Float32Array> {
    return new Float32Array(await this.#readBytes(buffer, length * 4));
  }

  async #readBytes(buffer: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ label: `${buffer.label}.staging`, size: byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder({ label: `${buffer.label}.readback` });
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, byteLength);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      return staging.getMappedRange().slice(0);
    } finally {
      staging.destroy();
    }
  }

  /** Frees the weights (the engine and its device stay). */
  destroy(): void {
    for (const layer of Object.values(this.#weights)) {
      layer.weight.destroy();
      layer.bias.destroy();
    }
  }
}

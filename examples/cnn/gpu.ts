// The example network on the GPU, as a showcase of the engine's integration API.
// The convolutions, the dense layer and the softmax are the example's own kernels
// (shaders/*.wgsl); every pooling step is the engine's. Every activation lives in
// one of the example's own GPUBuffers, made once per batch size and reused by
// every run; the engine pools views of them (`engine.wrap`) and writes its results
// into views of them (`out`), so nothing is uploaded just to have somewhere to
// write. A forward pass is one command encoder and one queue.submit: the example
// records its own compute passes, `engine.encode` records the pooling between
// them, and the copy of the class probabilities to a staging buffer ends it.
// Every pipeline is compiled at load (`engine.prepare` and
// createComputePipelineAsync; float16 calls with `dtype: 'float16'`), so no run
// compiles anything.
//
// In float16 (`precision: 'float16'`) every activation between layers is stored as
// IEEE halves packed two to a 32-bit word (element 2k in the low 16 bits of word k)
// in the example's buffers, half the bytes of float32: the engine pools float16
// views of them, and the example's kernels, with float16 storage prepended
// (shaders/load_f16.wgsl, store_f16.wgsl), unpack their inputs, compute in float32
// and write packed halves, each thread a whole word (two consecutive
// outputs; the last thread of an odd count keeps the word's other half), so no two
// threads write one u32. The weights, the input images and the probabilities stay
// float32.
import type { FloatTensor, MaxPoolOptions, PoolEngine, PrepareCall } from '../../src/index';
import halfSource from '../../shaders/half.wgsl?raw';
import { ARCHITECTURE, POOL1, type LayerWeights, type Weights } from './network';
import conv2dSource from './shaders/conv2d.wgsl?raw';
import denseSource from './shaders/dense.wgsl?raw';
import softmaxSource from './shaders/softmax.wgsl?raw';
import loadF32 from './shaders/load_f32.wgsl?raw';
import loadF16 from './shaders/load_f16.wgsl?raw';
import storeF32 from './shaders/store_f32.wgsl?raw';
import storeF16 from './shaders/store_f16.wgsl?raw';

const WORKGROUP_SIZE = 64;

/**
 * How the activations between layers are stored: 'float32', or 'float16' (IEEE
 * halves packed two to a 32-bit word; every kernel still computes in float32 and
 * rounds each result to half once).
 */
export type Precision = 'float32' | 'float16';

export const PRECISIONS: readonly Precision[] = ['float32', 'float16'];

/** Bytes of `elements` activations in `precision` (float16: whole 32-bit words, two halves each). */
export function activationBytes(elements: number, precision: Precision): number {
  return precision === 'float16' ? Math.ceil(elements / 2) * 4 : elements * 4;
}

/** The max pooling step at inference: POOL1 without the winners' indices (no index bytes written). */
export const POOL1_INFERENCE: MaxPoolOptions & { indices: false } = { ...POOL1, indices: false };

/** One layer's GPU time. */
export interface LayerTiming {
  layer: string;
  /** The layer's output shape. */
  shape: number[];
  ms: number;
}

/**
 * How `classify({ timing: true })` measures layer times: 'timestamp-query' writes a
 * GPU timestamp between each two layers inside the one submission of the forward
 * pass; 'wall-clock' (devices without timestamp-query) runs a separate per-layer
 * mode, one submission per layer, each timed on the page's clock from its submit
 * until queue.onSubmittedWorkDone() resolves.
 */
export type TimingMethod = 'timestamp-query' | 'wall-clock';

export interface Classification {
  /** The activations' precision of this run. */
  precision: Precision;
  /** [n, classes] softmax outputs (float32 in both precisions). */
  probabilities: Float32Array;
  /** Per-layer times when asked for (`timing: true`), else null. */
  timings: LayerTiming[] | null;
  /** Page-clock milliseconds from the first submit until the probabilities were on the host. */
  ms: number;
}

/** What `CnnGpu.create` compiled before the first run. */
export interface Prepared {
  /** Milliseconds from the start of compilation until every pipeline was ready. */
  ms: number;
  /** Pipelines the engine compiled for the pooling calls (`engine.prepare`). */
  enginePipelines: number;
  /**
   * The example's own pipelines (createComputePipelineAsync): conv, dense, softmax
   * for float32; conv1 (float32 images in), conv2, dense, softmax for float16.
   */
  examplePipelines: number;
  /** The batch sizes whose pooling calls were prepared and whose activation buffers were made. */
  batchSizes: number[];
  /** The precisions prepared (`engine.prepare` takes each call's dtype). */
  precisions: Precision[];
}

/** The pooling calls a batch of `n` makes, for `engine.prepare`. */
export function poolingCalls(n: number, dtype: Precision = 'float32'): PrepareCall[] {
  const { imageSize: s, conv1, conv2 } = ARCHITECTURE;
  const ph = Math.floor(s / 2);
  return [
    { op: 'maxPool', shape: [n, conv1, s, s], layout: 'NCHW', options: POOL1_INFERENCE, dtype },
    { op: 'globalAvgPool', shape: [n, conv2, ph, ph], layout: 'NCHW', dtype },
  ];
}

/** One of the example's kernels, and the member names of its `struct Params` in order. */
interface Kernel {
  name: string;
  pipeline: GPUComputePipeline;
  params: string[];
}

/** The kernels of one precision, by layer (float32's conv1 and conv2 are one pipeline). */
interface KernelSet {
  conv1: Kernel;
  conv2: Kernel;
  dense: Kernel;
  softmax: Kernel;
}

/**
 * A layer of the forward pass, ready to record: one of the example's dispatches
 * (its uniforms and bind group made once per batch size), or the engine's pooling
 * on wrapped views (`pool`, called inside `engine.encode`).
 */
type Step = { layer: string; shape: number[] } & (
  { kind: 'kernel'; pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; groups: [number, number] } | { kind: 'pool'; pool(): void }
);

/** Everything a batch of `n` needs, made once and reused by every run of that size. */
interface BatchResources {
  n: number;
  precision: Precision;
  /** The example's buffers: images, activations, probabilities, uniforms, staging. */
  buffers: GPUBuffer[];
  /** The engine's views of the activation buffers. */
  views: FloatTensor[];
  input: GPUBuffer;
  probabilities: GPUBuffer;
  staging: GPUBuffer;
  steps: Step[];
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

/** The key of a batch in `CnnGpu`'s maps. */
function batchKey(n: number, precision: Precision): string {
  return `${precision}:${n}`;
}

/**
 * Compiles one precision's kernels without blocking (createComputePipelineAsync):
 * float32's three, or float16's four (the same kernels with float16 storage,
 * shaders/load_f16.wgsl and store_f16.wgsl, after the engine's shaders/half.wgsl
 * conversions). Resolves to the set and how many it compiled.
 */
async function compileKernels(device: GPUDevice, precision: Precision): Promise<{ kernels: KernelSet; count: number }> {
  const kernel = async (name: string, code: string, constants: Record<string, number> = {}): Promise<Kernel> => ({
    name,
    pipeline: await device.createComputePipelineAsync({
      label: `cnn.${name}.pipeline`,
      layout: 'auto',
      compute: {
        module: device.createShaderModule({ label: `cnn.${name}.module`, code }),
        entryPoint: 'main',
        constants: { WORKGROUP_SIZE, ...constants },
      },
    }),
    params: paramsOf(code),
  });
  // A kernel with its input's and output's storage: float32, or float16 (after the engine's half conversions).
  const source = (kernel: string, input: Precision, output: Precision | null) => {
    const parts = [input === 'float16' ? loadF16 : loadF32, ...(output ? [output === 'float16' ? storeF16 : storeF32] : []), kernel];
    return [...(input === 'float16' || output === 'float16' ? [halfSource] : []), ...parts].join('\n');
  };
  const convolution = { KERNEL: ARCHITECTURE.kernel, RELU: 1 };
  if (precision === 'float16') {
    const [conv1, conv2, dense, softmax] = await Promise.all([
      // conv1 reads the float32 images; conv2 reads conv1's pooled halves.
      kernel('conv2d.f32-f16', source(conv2dSource, 'float32', 'float16'), convolution),
      kernel('conv2d.f16', source(conv2dSource, 'float16', 'float16'), convolution),
      kernel('dense.f16', source(denseSource, 'float16', 'float16')),
      kernel('softmax.f16', source(softmaxSource, 'float16', null)),
    ]);
    return { kernels: { conv1, conv2, dense, softmax }, count: 4 };
  }
  const [conv, dense, softmax] = await Promise.all([
    kernel('conv2d', source(conv2dSource, 'float32', 'float32'), convolution),
    kernel('dense', source(denseSource, 'float32', 'float32')),
    kernel('softmax', source(softmaxSource, 'float32', null)),
  ]);
  return { kernels: { conv1: conv, conv2: conv, dense, softmax }, count: 3 };
}

/**
 * The network's weights on the engine's device, its pipelines and its activation
 * buffers, made once (`create`); `classify` runs a batch; `destroy` frees what
 * the model made.
 */
export class CnnGpu {
  readonly engine: PoolEngine;
  readonly device: GPUDevice;
  /** How `classify({ timing: true })` measures (see TimingMethod). */
  readonly timingMethod: TimingMethod;
  /** What was compiled at load, and how long it took. */
  readonly prepared: Prepared;
  readonly #kernels: Map<Precision, KernelSet>;
  readonly #weights: Record<keyof Weights, { weight: GPUBuffer; bias: GPUBuffer }>;
  /** By batchKey(n, precision). */
  readonly #batches = new Map<string, Promise<BatchResources>>();
  /** The batches made so far, for `destroy`. */
  readonly #ready = new Set<BatchResources>();
  #timestamps: { querySet: GPUQuerySet; resolved: GPUBuffer; staging: GPUBuffer } | null = null;
  /** Runs one at a time: a batch's buffers (staging included) serve one run at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  #destroyed = false;

  private constructor(engine: PoolEngine, weights: Weights, kernels: Map<Precision, KernelSet>, prepared: Prepared) {
    this.engine = engine;
    this.device = engine.device;
    this.timingMethod = this.device.features.has('timestamp-query') ? 'timestamp-query' : 'wall-clock';
    this.#kernels = kernels;
    this.prepared = prepared;
    const upload = (name: string, layer: LayerWeights) => ({
      weight: this.#buffer(`cnn.${name}.weight`, layer.weight.byteLength, GPUBufferUsage.STORAGE, layer.weight),
      bias: this.#buffer(`cnn.${name}.bias`, layer.bias.byteLength, GPUBufferUsage.STORAGE, layer.bias),
    });
    this.#weights = { conv1: upload('conv1', weights.conv1), conv2: upload('conv2', weights.conv2), dense: upload('dense', weights.dense) };
  }

  /**
   * Puts the weights on the engine's device and compiles every pipeline a run
   * uses: the example's kernels of each of `precisions` (default ['float32'];
   * createComputePipelineAsync) and, for each of `batchSizes` (default [1]), the
   * engine's pooling (`engine.prepare`); then makes those batch sizes' activation
   * buffers and views in each precision. Other batch sizes are prepared on
   * their first run (or ahead, with `prepareBatch`); a precision not given here
   * cannot run.
   */
  static async create(engine: PoolEngine, weights: Weights, options: { batchSizes?: number[]; precisions?: Precision[] } = {}): Promise<CnnGpu> {
    const batchSizes = [...new Set(options.batchSizes ?? [1])];
    const precisions = [...new Set<Precision>(options.precisions ?? ['float32'])];
    for (const p of precisions) if (!PRECISIONS.includes(p)) throw new Error(`cnn: precision must be one of ${PRECISIONS.join(', ')}, got ${p}`);
    const started = performance.now();
    const [compiled, enginePipelines] = await Promise.all([
      Promise.all(precisions.map((p) => compileKernels(engine.device, p))),
      engine.prepare(precisions.flatMap((p) => batchSizes.flatMap((n) => poolingCalls(n, p)))),
    ]);
    const kernels = new Map(precisions.map((p, i) => [p, compiled[i].kernels]));
    const examplePipelines = compiled.reduce((sum, c) => sum + c.count, 0);
    const prepared: Prepared = { ms: 0, enginePipelines, examplePipelines, batchSizes, precisions };
    const model = new CnnGpu(engine, weights, kernels, prepared);
    try {
      await Promise.all(precisions.flatMap((p) => batchSizes.map((n) => model.prepareBatch(n, p))));
    } catch (e) {
      model.destroy();
      throw e;
    }
    // Until every pipeline was ready and every buffer made.
    prepared.ms = performance.now() - started;
    return model;
  }

  /** The precisions this model can run (those given to `create`). */
  get precisions(): Precision[] {
    return [...this.#kernels.keys()];
  }

  /**
   * Makes ready a batch size in a precision (default float32): compiles its
   * pooling pipelines (a no-op for those `create` prepared) and makes its buffers
   * and views, once. Resolves to the number of pipelines `engine.prepare` compiled.
   */
  async prepareBatch(n: number, precision: Precision = 'float32'): Promise<number> {
    if (!Number.isInteger(n) || n < 1) throw new Error(`cnn: batch size must be a positive integer, got ${n}`);
    if (this.#destroyed) throw new Error('cnn: the model was destroyed');
    if (!this.#kernels.has(precision)) {
      throw new Error(
        `cnn: precision ${precision} was not prepared (create with precisions: [${[...this.#kernels.keys(), precision].map((p) => `'${p}'`).join(', ')}])`,
      );
    }
    const key = batchKey(n, precision);
    const known = this.#batches.get(key);
    if (known) {
      await known;
      return 0;
    }
    let compiled = 0;
    const made = (async () => {
      compiled = await this.engine.prepare(poolingCalls(n, precision));
      return this.#makeBatch(n, precision);
    })();
    this.#batches.set(key, made);
    made.catch(() => this.#batches.delete(key));
    await made;
    return compiled;
  }

  #buffer(label: string, byteLength: number, usage: GPUBufferUsageFlags, data?: Float32Array | Uint32Array): GPUBuffer {
    // Whole vec4s, as the engine's kernels may read a view in vec4s.
    const size = Math.max(16, Math.ceil(byteLength / 16) * 16);
    const buffer = this.device.createBuffer({ label, size, usage, mappedAtCreation: data !== undefined });
    if (data) {
      new (data.constructor as Float32ArrayConstructor | Uint32ArrayConstructor)(buffer.getMappedRange()).set(data);
      buffer.unmap();
    }
    return buffer;
  }

  /** The buffers, the engine's views and the recorded steps of a batch of `n` in `precision`. */
  async #makeBatch(n: number, precision: Precision): Promise<BatchResources> {
    const { imageSize: s, inChannels, conv1, conv2, classes } = ARCHITECTURE;
    const ph = Math.floor(s / 2);
    const engine = this.engine;
    const half = precision === 'float16';
    const kernels = this.#kernels.get(precision)!;
    const buffers: GPUBuffer[] = [];
    const views: FloatTensor[] = [];
    const label = half ? `cnn.n${n}.f16` : `cnn.n${n}`;
    const buffer = (name: string, bytes: number, usage: GPUBufferUsageFlags = GPUBufferUsage.STORAGE) => {
      const b = this.#buffer(`${label}.${name}`, bytes, usage);
      buffers.push(b);
      return b;
    };
    /** An activation: the example's buffer (float16: packed halves), and the engine's view of it in NCHW. */
    const activation = (name: string, shape: number[]) => {
      const b = buffer(
        name,
        activationBytes(
          shape.reduce((a, c) => a * c, 1),
          precision,
        ),
      );
      const options = { layout: 'NCHW', label: `${label}.${name}` } as const;
      const view: FloatTensor = half ? engine.wrap(b, shape, { ...options, dtype: 'float16' }) : engine.wrap(b, shape, options);
      views.push(view);
      return { buffer: b, view };
    };
    try {
      // The images stay float32 in both precisions (float16's conv1 reads them as such).
      const input = buffer('input', n * inChannels * s * s * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
      const a1 = activation('a1', [n, conv1, s, s]);
      const p1 = activation('p1', [n, conv1, ph, ph]);
      const a2 = activation('a2', [n, conv2, ph, ph]);
      const g = activation('g', [n, conv2, 1, 1]);
      const logits = buffer('logits', activationBytes(n * classes, precision));
      const probabilities = buffer('probabilities', n * classes * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
      const staging = buffer('staging', n * classes * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
      const w = this.#weights;
      /** Threads of a layer of `count` outputs: one per output in float32, one per word (two outputs) in float16. */
      const perOutput = (count: number) => (half ? Math.ceil(count / 2) : count);

      /** One of the example's dispatches: uniforms packed in `struct Params` order (read from the WGSL). */
      const kernel = (which: Kernel, layer: string, shape: number[], params: Record<string, number>, bound: GPUBuffer[], threads: number): Step => {
        const { name, pipeline, params: members } = which;
        const extra = Object.keys(params).filter((k) => !members.includes(k));
        if (extra.length) throw new Error(`cnn.${name}: ${extra.join(', ')} not in struct Params (${members.join(', ')})`);
        const packed = new Uint32Array(Math.ceil(members.length / 4) * 4);
        members.forEach((member, i) => {
          if (params[member] === undefined) throw new Error(`cnn.${name}: struct Params member ${member} has no value`);
          packed[i] = params[member];
        });
        const uniforms = this.#buffer(`${label}.${name}.${layer}.uniforms`, packed.byteLength, GPUBufferUsage.UNIFORM, packed);
        buffers.push(uniforms);
        const bindGroup = this.device.createBindGroup({
          label: `${label}.${layer}.bindGroup`,
          layout: pipeline.getBindGroupLayout(0),
          entries: [uniforms, ...bound].map((b, binding) => ({ binding, resource: { buffer: b } })),
        });
        const groups = Math.ceil(threads / WORKGROUP_SIZE);
        // Dispatches wider than the per-dimension limit are folded into rows of workgroups.
        const x = Math.min(groups, this.device.limits.maxComputeWorkgroupsPerDimension);
        return { kind: 'kernel', layer, shape, pipeline, bindGroup, groups: [x, Math.ceil(groups / x)] };
      };

      const steps: Step[] = [
        kernel(
          kernels.conv1,
          'conv1 3×3 + ReLU',
          [n, conv1, s, s],
          { batch: n, in_channels: inChannels, out_channels: conv1, height: s, width: s },
          [input, w.conv1.weight, w.conv1.bias, a1.buffer],
          perOutput(n * conv1 * s * s),
        ),
        {
          kind: 'pool',
          layer: 'max pool 2×2 (engine)',
          shape: [n, conv1, ph, ph],
          // Inference: no winners' indices; the output is written into p1's buffer.
          pool: () => engine.maxPool(a1.view, POOL1_INFERENCE, { output: p1.view }),
        },
        kernel(
          kernels.conv2,
          'conv2 3×3 + ReLU',
          [n, conv2, ph, ph],
          { batch: n, in_channels: conv1, out_channels: conv2, height: ph, width: ph },
          [p1.buffer, w.conv2.weight, w.conv2.bias, a2.buffer],
          perOutput(n * conv2 * ph * ph),
        ),
        {
          kind: 'pool',
          layer: 'global average pool (engine)',
          shape: [n, conv2, 1, 1],
          pool: () => engine.globalAvgPool(a2.view, g.view),
        },
        kernel(
          kernels.dense,
          'dense',
          [n, classes],
          { batch: n, in_features: conv2, out_features: classes },
          [g.buffer, w.dense.weight, w.dense.bias, logits],
          perOutput(n * classes),
        ),
        // One thread per row; the probabilities are float32 in both precisions.
        kernel(kernels.softmax, 'softmax', [n, classes], { batch: n, classes }, [logits, probabilities], n),
      ];
      // The device checks each wrapped buffer once (asynchronously); wait for its verdict here, not in a run.
      await Promise.all(views.map((v) => engine.verify(v)));
      if (this.#destroyed) throw new Error('cnn: the model was destroyed');
      const batch: BatchResources = { n, precision, buffers, views, input, probabilities, staging, steps };
      this.#ready.add(batch);
      return batch;
    } catch (e) {
      for (const v of views) v.destroy();
      for (const b of buffers) b.destroy();
      throw e;
    }
  }

  /**
   * Records `steps` into `encoder`: the example's dispatches into its own compute
   * pass (consecutive ones share it), each pooling step through `engine.encode`
   * between passes (the example's pass is ended before it and a new one begun
   * after). With `marks`, an empty pass writes a timestamp before each step and
   * after the last.
   */
  #record(encoder: GPUCommandEncoder, steps: Step[], marks?: GPUQuerySet): void {
    let pass: GPUComputePassEncoder | null = null;
    const endPass = () => {
      pass?.end();
      pass = null;
    };
    const mark = (index: number) => {
      endPass();
      encoder.beginComputePass({ label: `cnn.timestamp${index}`, timestampWrites: { querySet: marks!, beginningOfPassWriteIndex: index } }).end();
    };
    steps.forEach((step, i) => {
      if (marks) mark(i);
      if (step.kind === 'kernel') {
        pass ??= encoder.beginComputePass({ label: 'cnn.pass' });
        pass.setPipeline(step.pipeline);
        pass.setBindGroup(0, step.bindGroup);
        pass.dispatchWorkgroups(step.groups[0], step.groups[1]);
      } else {
        endPass();
        this.engine.encode(encoder, step.pool);
      }
    });
    if (marks) mark(steps.length);
    endPass();
  }

  /**
   * Classifies `n` images [n, 1, 16, 16] (channels-first) in one submission, its
   * activations in `precision` (default float32; float16 must have been given to
   * `create`). With `timing`, each layer's time is measured too, as
   * `timingMethod` says: with timestamp queries inside that one submission;
   * without, in a separate per-layer mode (one submission per layer).
   */
  classify(images: Float32Array, n: number, options: { timing?: boolean; precision?: Precision } = {}): Promise<Classification> {
    const run = this.#queue.then(() => this.#classify(images, n, options.timing === true, options.precision ?? 'float32'));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #classify(images: Float32Array, n: number, timing: boolean, precision: Precision): Promise<Classification> {
    const { imageSize: s, inChannels, classes } = ARCHITECTURE;
    const elements = n * inChannels * s * s;
    if (images.length < elements) throw new Error(`cnn: ${n} images need ${elements} values, got ${images.length}`);
    await this.prepareBatch(n, precision);
    const batch = (await this.#batches.get(batchKey(n, precision)))!;
    const device = this.device;
    device.queue.writeBuffer(batch.input, 0, images, 0, elements);
    if (!(timing && this.timingMethod === 'wall-clock')) return this.#forward(batch, timing);

    // Per-layer mode: each layer its own submission, timed until the queue is idle again.
    const bytes = n * classes * 4;
    await device.queue.onSubmittedWorkDone();
    const timings: LayerTiming[] = [];
    const started = performance.now();
    for (const step of batch.steps) {
      const begun = performance.now();
      const encoder = device.createCommandEncoder({ label: `cnn.n${n}.${step.layer}` });
      this.#record(encoder, [step]);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      timings.push({ layer: step.layer, shape: step.shape, ms: performance.now() - begun });
    }
    // The probabilities' copy out, after the last layer's time was taken.
    const encoder = device.createCommandEncoder({ label: `cnn.n${n}.readback` });
    encoder.copyBufferToBuffer(batch.probabilities, 0, batch.staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    const probabilities = await this.#map(batch.staging, bytes);
    return { precision, probabilities: new Float32Array(probabilities), timings, ms: performance.now() - started };
  }

  /**
   * The forward pass of `batch` on what its input buffer holds: one encoder, one
   * submission, ending with the copy of the probabilities to the staging buffer;
   * with `timing`, timestamps between the layers inside it (timestamp-query only).
   */
  async #forward(batch: BatchResources, timing: boolean): Promise<Classification> {
    const { n, precision } = batch;
    const device = this.device;
    const bytes = n * ARCHITECTURE.classes * 4;
    const encoder = device.createCommandEncoder({ label: `cnn.n${n}.${precision}.forward` });
    const stamps = timing ? this.#timestampResources() : null;
    this.#record(encoder, batch.steps, stamps?.querySet);
    encoder.copyBufferToBuffer(batch.probabilities, 0, batch.staging, 0, bytes);
    const count = batch.steps.length + 1;
    if (stamps) {
      encoder.resolveQuerySet(stamps.querySet, 0, count, stamps.resolved, 0);
      encoder.copyBufferToBuffer(stamps.resolved, 0, stamps.staging, 0, count * 8);
    }
    const started = performance.now();
    device.queue.submit([encoder.finish()]);
    const [probabilities, ticks] = await Promise.all([this.#map(batch.staging, bytes), stamps ? this.#map(stamps.staging, count * 8) : null]);
    const ms = performance.now() - started;
    let timings: LayerTiming[] | null = null;
    if (ticks) {
      // Nanoseconds; a browser that rounds them may report two layers' bounds as equal, never reversed.
      const t = new BigUint64Array(ticks);
      timings = batch.steps.map((step, i) => ({ layer: step.layer, shape: step.shape, ms: Math.max(0, Number(t[i + 1] - t[i])) / 1e6 }));
    }
    return { precision, probabilities: new Float32Array(probabilities), timings, ms };
  }

  /** The query set and buffers of the timestamps, made on first use (one run at a time uses them). */
  #timestampResources(): { querySet: GPUQuerySet; resolved: GPUBuffer; staging: GPUBuffer } {
    if (!this.#timestamps) {
      const count = 7; // before each of the 6 layers, and after the last
      this.#timestamps = {
        querySet: this.device.createQuerySet({ label: 'cnn.timestamps', type: 'timestamp', count }),
        resolved: this.#buffer('cnn.timestamps.resolved', count * 8, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC),
        staging: this.#buffer('cnn.timestamps.staging', count * 8, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST),
      };
    }
    return this.#timestamps;
  }

  /** Maps a staging buffer (already written by a submitted copy), copies `byteLength` bytes out and unmaps it for the next run. */
  async #map(staging: GPUBuffer, byteLength: number): Promise<ArrayBuffer> {
    await staging.mapAsync(GPUMapMode.READ, 0, byteLength);
    try {
      return staging.getMappedRange(0, byteLength).slice(0);
    } finally {
      staging.unmap();
    }
  }

  /** Frees the weights, every batch's buffers and views (the engine and its device stay). */
  destroy(): void {
    this.#destroyed = true;
    for (const layer of Object.values(this.#weights)) {
      layer.weight.destroy();
      layer.bias.destroy();
    }
    for (const batch of this.#ready) {
      for (const v of batch.views) v.destroy();
      for (const b of batch.buffers) b.destroy();
    }
    this.#ready.clear();
    this.#batches.clear();
    if (this.#timestamps) {
      this.#timestamps.querySet.destroy();
      this.#timestamps.resolved.destroy();
      this.#timestamps.staging.destroy();
      this.#timestamps = null;
    }
  }
}

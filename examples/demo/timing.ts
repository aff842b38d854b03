// The main panel's timings, made fair: every figure is the median of several warm
// runs (a first run, which compiles any pipeline prepare did not, is not counted),
// at a size the visitor picks, from the 64 × 64 picture up to a realistic feature
// map. The GPU time of an op is from the call until the device has finished its
// work (no read back); the CPU reference runs the same op on host tensors; TF.js's
// WebGPU backend, loaded only when first asked for, runs on the engine's device.
import { reference, type Layout, type PoolEngine } from '../../src/index';
import type { ModeSpec } from './modes';
import type { TfHandle } from './tf-on-device';
import { tracked } from './tracked';

export interface TimingSize {
  id: string;
  label: string;
  /** Channels-first [N, C, H, W]. */
  shape: number[];
}

export const TIMING_SIZES: TimingSize[] = [
  { id: 'picture', label: 'the 64 × 64 picture (1×3×64×64)', shape: [1, 3, 64, 64] },
  { id: 'fm56', label: 'a feature map 1×64×56×56', shape: [1, 64, 56, 56] },
  { id: 'fm112', label: 'a feature map 1×64×112×112', shape: [1, 64, 112, 112] },
];

export interface Timings {
  size: string;
  gpuForward: number | null;
  gpuBackward: number | null;
  cpuForward: number;
  cpuBackward: number;
  tfForward: number | null;
  /** Why TF.js has no figure (a mode or an option it lacks), or what it ran. */
  tfNote: string;
}

export const WARM_RUNS = 5;
const CPU_RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Deterministic values in [-1, 1) for the feature-map sizes. */
function featureMap(size: number): Float32Array {
  let s = 12345;
  return Float32Array.from({ length: size }, () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 31 - 1);
}

/** The input of a size in a layout: the picture itself at its own size. */
export function timingInput(size: TimingSize, picture: Float32Array, layout: Layout): { data: Float32Array; shape: number[] } {
  const [n, c, h, w] = size.shape;
  const first = size.id === 'picture' ? picture : featureMap(n * c * h * w);
  if (layout !== 'NHWC') return { data: first, shape: size.shape };
  const data = new Float32Array(first.length);
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) data[i * c + k] = first[k * h * w + i];
  return { data, shape: [n, h, w, c] };
}

/** Median ms of `runs` timed calls of `once` after one untimed call. */
async function warm(once: () => Promise<number>, runs: number): Promise<number> {
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return median(times);
}

/** One pass of a mode on an API (engine or reference): the forward's result, and the backward of ones. */
function passes(api: any, mode: ModeSpec, x: any, o: Record<string, unknown>, ones: (t: any) => any) {
  const forward = () => mode.forward(api, x, o);
  const backward = (f: ReturnType<typeof forward>) => mode.backward(api, ones(f.output), x, f, o);
  return { forward, backward };
}

async function gpuTimes(engine: PoolEngine, mode: ModeSpec, o: Record<string, unknown>, data: Float32Array, shape: number[], layout: Layout) {
  const done = () => engine.device.queue.onSubmittedWorkDone();
  const { api, free } = tracked(engine);
  try {
    const x = api.tensor(data, shape, layout);
    const ones = (t: any) => api.tensor(new Float32Array(t.size).fill(1), t.shape, t.layout);
    const { forward, backward } = passes(api, mode, x, o, ones);
    const forwardMs = await warm(async () => {
      const t0 = performance.now();
      forward();
      await done();
      return performance.now() - t0;
    }, WARM_RUNS);
    const f = forward();
    const backwardMs = await warm(async () => {
      const g = ones(f.output);
      await done();
      const t0 = performance.now();
      mode.backward(api, g, x, f, o);
      await done();
      return performance.now() - t0;
    }, WARM_RUNS);
    return { forwardMs, backwardMs };
  } finally {
    free();
  }
}

function cpuTimes(mode: ModeSpec, o: Record<string, unknown>, data: Float32Array, shape: number[], layout: Layout) {
  const x = reference.hostTensor(data, shape, layout);
  const ones = (t: any) => reference.hostTensor(new Float32Array(t.data.length).fill(1), t.shape, t.layout);
  const { forward, backward } = passes(reference, mode, x, o, ones);
  const time = (fn: () => unknown) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  const f = forward();
  const fwd: number[] = [];
  const bwd: number[] = [];
  for (let i = 0; i < CPU_RUNS; i++) {
    fwd.push(time(forward));
    bwd.push(time(() => backward(f)));
  }
  return { forwardMs: median(fwd), backwardMs: median(bwd) };
}

/** TF.js's forward of the modes it has, channels-last (its only layout), or why not. */
function tfCall(handle: TfHandle, mode: ModeSpec, o: Record<string, unknown>): ((x: any) => any) | string {
  const { tf } = handle;
  if (mode.id === 'globalAvg') return (x) => tf.mean(x, [1, 2], true);
  if (mode.id === 'globalMax') return (x) => tf.max(x, [1, 2], true);
  if (mode.id !== 'max' && mode.id !== 'avg') return 'TF.js has no such pooling';
  if (o.ceilMode || o.countIncludePad === false || (o.dilation ?? 1) !== 1) return 'an option TF.js lacks';
  const k = Number(o.kernel);
  const s = Number(o.stride ?? k);
  const pad = o.padding === undefined ? 0 : o.padding;
  // TF.js pads symmetrically with a number, or 'same'/'valid'.
  const p = typeof pad === 'number' ? pad : (pad as 'same' | 'valid');
  return (x) => (mode.id === 'max' ? tf.maxPool(x, k, s, p as never) : tf.avgPool(x, k, s, p as never));
}

let tfLoading: Promise<TfHandle> | null = null;

/** TF.js's WebGPU backend on the engine's device, loaded on first use (a chunk of its own in the static site). */
export function loadTfjs(engine: PoolEngine): Promise<TfHandle> {
  tfLoading ??= import('./tf-on-device').then((m) => m.tfOnDevice(engine.device));
  return tfLoading;
}

async function tfTime(handle: TfHandle, engine: PoolEngine, mode: ModeSpec, o: Record<string, unknown>, data: Float32Array, shape: number[]) {
  const call = tfCall(handle, mode, o);
  if (typeof call === 'string') return { ms: null, note: call };
  const { tf, flush } = handle;
  const x = tf.tensor(data, shape as [number, number, number, number]);
  try {
    const ms = await warm(async () => {
      const t0 = performance.now();
      const y = call(x);
      flush();
      await engine.device.queue.onSubmittedWorkDone();
      const elapsed = performance.now() - t0;
      y.dispose();
      return elapsed;
    }, WARM_RUNS);
    return { ms, note: 'TF.js forward, channels-last' };
  } finally {
    x.dispose();
  }
}

/** Times a mode at a size: GPU (when there is an engine) and CPU forward and backward, and TF.js's forward where it has the mode. */
export async function timeMode(
  engine: PoolEngine | null,
  mode: ModeSpec,
  o: Record<string, unknown>,
  size: TimingSize,
  picture: Float32Array,
  layout: Layout,
  withTfjs: boolean,
): Promise<Timings> {
  const { data, shape } = timingInput(size, picture, layout);
  const gpu = engine ? await gpuTimes(engine, mode, o, data, shape, layout) : null;
  const cpu = cpuTimes(mode, o, data, shape, layout);
  let tf: { ms: number | null; note: string } = { ms: null, note: engine ? 'off' : 'no WebGPU' };
  if (engine && withTfjs) {
    try {
      const last = timingInput(size, picture, 'NHWC');
      tf = await tfTime(await loadTfjs(engine), engine, mode, o, last.data, last.shape);
    } catch (e) {
      tf = { ms: null, note: `TF.js failed: ${(e as Error).message}` };
    }
  }
  return {
    size: size.id,
    gpuForward: gpu?.forwardMs ?? null,
    gpuBackward: gpu?.backwardMs ?? null,
    cpuForward: cpu.forwardMs,
    cpuBackward: cpu.backwardMs,
    tfForward: tf.ms,
    tfNote: tf.note,
  };
}

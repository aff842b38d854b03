// Calls on tensors past one storage binding (160 MiB on a device with the default
// 128 MiB binding), which the engine runs in chunks (src/chunked-call.ts), checked
// against the CPU reference on sampled blocks: single (n, c) planes for per-plane
// ops (at the chunks' edges), a batch item for the spatial pyramid (whose flat
// output is per item), a channel of every item for region ops (boxes name items).
// A block's reference is the op on that block alone: every op computes each plane
// on its own. Stochastic pooling's picks hash their index in the whole tensor, so
// its forward is checked whole.
import type { PoolEngine, PoolTensor } from '../../src/index';
import { createPoolEngine } from '../../src/index';
import { offsetOf, shapeOf, layoutInfo, type Layout } from '../../src/layout';
import * as reference from '../../src/reference/index';
import { withErrorScope } from '../support/error-scope';
import { roundToHalf } from '../../src/half';

export interface LargeCase {
  name: string;
  op: string;
  shape: number[];
  layout: Layout;
  options?: Record<string, unknown>;
  /** 'float16': every tensor of the call in halves, against the reference in float16 semantics. */
  dtype?: 'float16';
  /** Run the forward inside engine.batch (a chunked call joins the batch's one submission). */
  inBatch?: boolean;
  /** Blocks compared: [n0, n1, c0, c1] (c in the op's output channels). */
  blocks: [number, number, number, number][];
}

export interface LargeReport {
  /** Per result: elements compared and mismatches (the first described). */
  results: Record<string, { count: number; bad: number; first: string | null }>;
  limits: { binding: number; buffer: number };
  bytes: number;
  dtypes: string[];
}

type Api = Record<string, (...args: any[]) => any>;
type Host = reference.HostTensor<Float32Array | Int32Array>;

const ROIS = { data: [0, 3.5, 2.25, 120.5, 99.75, 9, 100.5, 40, 250, 255.5, 4, 0, 0, 255, 255], shape: [3, 5] };
const REGION = ['roiAlign', 'roiPool', 'psRoiAlign', 'psRoiPool'];
const WITH_INDICES = ['maxPool', 'stochasticPool', 'adaptiveMaxPool', 'globalMaxPool', 'fractionalMaxPool', 'roiPool'];

let engine: Promise<PoolEngine> | null = null;

/** One engine on a device requested with no limits: the default 128 MiB binding and 256 MiB buffer, as one another library created. */
function defaultLimitsEngine(): Promise<PoolEngine> {
  engine ??= (async () => {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('requestAdapter() returned null: no WebGPU adapter');
    const device = await adapter.requestDevice();
    return createPoolEngine({ device });
  })();
  return engine;
}

/** Values that are distinct within any window (no ties), from a cheap hash. */
function values(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let h = seed >>> 0;
  for (let i = 0; i < length; i++) {
    h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + 0x297a2d39) >>> 0;
    out[i] = (h >>> 8) / 16777216 + 0.25;
  }
  return out;
}

/** The block [n0, n1) × [c0, c1) of a tensor (channels scaled by `perUnit`), as a host tensor of its own. */
function block(t: Host, n: [number, number], c: [number, number], perUnit: number): Host {
  const dims = t.dims;
  const last = layoutInfo(t.layout).channelsLast;
  const plane = dims.spatial.reduce((a, b) => a * b, 1);
  const c0 = c[0] * perUnit;
  const channels = (c[1] - c[0]) * perUnit;
  const sub = { batch: n[1] - n[0], channels, spatial: dims.spatial };
  const out = new (t.data.constructor as Float32ArrayConstructor)(sub.batch * channels * plane);
  for (let i = 0; i < sub.batch; i++)
    for (let k = 0; k < channels; k++) for (let s = 0; s < plane; s++) out[offsetOf(sub, last, i, k, s)] = t.data[offsetOf(dims, last, n[0] + i, c0 + k, s)];
  return reference.hostTensor(out as Float32Array, shapeOf(sub, t.layout), t.layout);
}

/** Runs one case: the op and its backward on the large tensor, then the reference on each block. */
export async function runLargeCase(c: LargeCase): Promise<LargeReport> {
  const e = await defaultLimitsEngine();
  return withErrorScope(e.device, async () => {
    const api = e as unknown as Api;
    const half = c.dtype === 'float16';
    const plain = reference as unknown as Api;
    // The reference in float16 semantics: inputs rounded to half, the op, results rounded.
    const ref: Api = half ? new Proxy(plain, { get: (target, name: string) => reference.inFloat16(target[name]) }) : plain;
    const upload = (v: Float32Array, shape: readonly number[], layout: Layout): PoolTensor<any> =>
      e.tensor(v, shape, { layout, dtype: half ? 'float16' : 'float32' });
    const made: PoolTensor<any>[] = [];
    const keep = <T>(t: T): T => {
      if (t && typeof t === 'object')
        for (const v of 'dtype' in t ? [t] : Object.values(t)) if (v && typeof v === 'object' && 'dtype' in v) made.push(v as never);
      return t;
    };
    const dtypes = new Set<string>();
    const host = async (t: PoolTensor<any>): Promise<Host> => {
      dtypes.add(t.dtype);
      return reference.hostTensor(await t.read(), t.shape, t.layout);
    };
    const size = c.shape.reduce((a, b) => a * b, 1);
    const data = half ? roundToHalf(values(size, 7)) : values(size, 7);
    const x = keep(upload(data, c.shape, c.layout));
    const hx = reference.hostTensor(data, c.shape, c.layout);
    const rois = REGION.includes(c.op) ? [ROIS] : [];
    const opts = c.options ? [c.options] : [];
    let options = c.options;

    // Forward (unpool and strip-expand pool first, to have their inputs).
    let fwd: any;
    let inputs: Host[] = [hx];
    let backwardInputs: any[] = [x];
    if (c.op === 'maxUnpool') {
      const pooled = keep(e.maxPool(x, options as never));
      fwd = keep(e.maxUnpool(pooled.output, pooled.indices, options as never));
      inputs = [await host(pooled.output), await host(pooled.indices)];
      backwardInputs = [pooled.output, pooled.indices];
    } else if (c.op === 'stripPoolExpand') {
      const strips = keep(e.stripPool(x));
      fwd = keep(e.stripPoolExpand(strips.rows, strips.cols));
      inputs = [await host(strips.rows), await host(strips.cols)];
    } else {
      const call = () => api[c.op].call(e, x, ...rois, ...opts);
      fwd = keep(c.inBatch ? e.batch(call) : call());
      if (c.op === 'fractionalMaxPool') options = { ...options, samples: fwd.samples };
    }
    const main: PoolTensor<any> = fwd.output ?? fwd.rows ?? fwd;

    // Backward, of a gradient shaped like each result.
    const gradOf = (t: PoolTensor<any>, seed: number) => keep(upload(half ? roundToHalf(values(t.size, seed)) : values(t.size, seed), t.shape, t.layout));
    let back: any;
    let grads: Record<string, PoolTensor<any>> = {};
    if (c.op === 'maxUnpool') {
      grads = { g: gradOf(main, 11) };
      back = keep(e.maxUnpoolBackward(grads.g, backwardInputs[0], backwardInputs[1], options as never));
    } else if (c.op === 'stripPoolExpand') {
      grads = { g: gradOf(main, 11) };
      back = keep(e.stripPoolExpandBackward(grads.g));
    } else if (c.op === 'stripPool') {
      grads = { rows: gradOf(fwd.rows, 11), cols: gradOf(fwd.cols, 12) };
      back = keep(e.stripPoolBackward({ rows: grads.rows, cols: grads.cols }, x));
    } else {
      grads = { g: gradOf(main, 11) };
      const idx = WITH_INDICES.includes(c.op) || (c.op === 'spatialPyramidPool' && fwd.indices) ? [fwd.indices] : [];
      const args =
        c.op === 'roiPool'
          ? [grads.g, x, ...rois, ...idx, ...opts]
          : c.op === 'spatialPyramidPool'
            ? [grads.g, x, fwd.indices ?? null, options]
            : [grads.g, x, ...rois, ...idx, ...(options ? [options] : [])];
      back = keep(api[`${c.op}Backward`].call(e, ...args));
    }

    // Everything back to the host, then the reference block by block.
    const got: Record<string, Host> = {};
    for (const [key, t] of Object.entries(fwd.output ? fwd : fwd.rows ? fwd : { output: fwd }))
      if (t && typeof t === 'object' && 'dtype' in (t as object)) got[key] = await host(t as never);
    for (const [key, t] of Object.entries(back.dtype ? { gradInput: back } : back))
      if (t && typeof t === 'object' && 'dtype' in (t as object)) got[`back.${key}`] = await host(t as never);
    const hostGrads: Record<string, Host> = {};
    for (const [key, t] of Object.entries(grads)) hostGrads[key] = await host(t);
    for (const t of made) t.destroy();

    const report: LargeReport = {
      results: {},
      limits: { binding: e.device.limits.maxStorageBufferBindingSize, buffer: e.device.limits.maxBufferSize },
      bytes: size * 4,
      dtypes: [...dtypes].sort(),
    };
    const compare = (key: string, g: Host, w: Host, tolerance: number) => {
      const r = (report.results[key] ??= { count: 0, bad: 0, first: null });
      if (g.data.length !== w.data.length) {
        r.bad++;
        r.first ??= `${key}: ${g.data.length} elements, want ${w.data.length}`;
        return;
      }
      for (let i = 0; i < g.data.length; i++) {
        const a = g.data[i];
        const b = w.data[i];
        r.count++;
        if (!(a === b || Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b)))) {
          r.bad++;
          r.first ??= `${key}[${i}] got ${a}, want ${b}`;
        }
      }
    };
    const exact = WITH_INDICES.includes(c.op) || c.op === 'maxUnpool' || (c.op === 'spatialPyramidPool' && options?.mode === 'max');
    // float16: one half ulp (2^-11 relative) of the rounding, and one more where the GPU's float32 sum rounds across a tie.
    const tol = exact ? 0 : half ? 2 ** -10 : 2e-5;
    const region = REGION.includes(c.op);

    // Stochastic pooling's forward: whole (its picks hash the index in the whole tensor).
    if (c.op === 'stochasticPool') {
      const want = ref.stochasticPool(hx, options);
      compare('output', got.output, want.output, 0);
      compare('indices', got.indices, want.indices, 0);
    }
    for (const [n0, n1, c0, c1] of c.blocks) {
      const n: [number, number] = [n0, n1];
      const ch: [number, number] = [c0, c1];
      // Input channels per output channel: position-sensitive ops take outH·outW.
      const perUnit = c.op.startsWith('psRoi') ? hx.dims.channels / main.dims.channels : 1;
      const inBlock = (t: Host, scale = 1) => block(t, region ? [0, t.dims.batch] : n, ch, scale);
      const outBlock = (t: Host) => (c.op === 'spatialPyramidPool' ? block(t, n, [0, t.dims.channels], 1) : inBlock(t));
      const bx = inBlock(hx, perUnit);
      const bInputs = inputs.map((t) => inBlock(t));
      let want: any;
      let bOptions = options;
      if (c.op === 'fractionalMaxPool') {
        const rank = hx.dims.spatial.length;
        const C = hx.dims.channels;
        bOptions = { ...options, samples: (options!.samples as Float32Array).slice((n0 * C + c0) * rank, ((n1 - 1) * C + c1) * rank) };
      }
      const bOpts = bOptions ? [bOptions] : [];
      if (c.op === 'maxUnpool') want = ref.maxUnpool(bInputs[0], bInputs[1], bOptions);
      else if (c.op === 'stripPoolExpand') want = ref.stripPoolExpand(bInputs[0], bInputs[1]);
      else if (c.op !== 'stochasticPool') want = ref[c.op](bx, ...rois, ...bOpts);
      if (want) {
        const wants: Record<string, Host> = want.output || want.rows ? want : { output: want };
        for (const [key, w] of Object.entries(wants)) if (w && got[key]) compare(key, outBlock(got[key]), w as Host, tol);
      }
      // Backward on the block, with the GPU's own indices of the block.
      const bIdx = got.indices ? outBlock(got.indices) : null;
      let wantBack: any;
      if (c.op === 'maxUnpool') wantBack = ref.maxUnpoolBackward(inBlock(hostGrads.g), bInputs[0], bInputs[1], bOptions);
      else if (c.op === 'stripPoolExpand') wantBack = ref.stripPoolExpandBackward(inBlock(hostGrads.g));
      else if (c.op === 'stripPool') wantBack = ref.stripPoolBackward({ rows: inBlock(hostGrads.rows), cols: inBlock(hostGrads.cols) }, bx);
      else {
        const bg = outBlock(hostGrads.g);
        const idx = WITH_INDICES.includes(c.op) ? [bIdx] : [];
        if (c.op === 'roiPool') wantBack = ref.roiPoolBackward(bg, bx, ROIS, bIdx, bOptions);
        else if (c.op === 'spatialPyramidPool') wantBack = ref.spatialPyramidPoolBackward(bg, bx, bIdx, bOptions);
        else wantBack = ref[`${c.op}Backward`](bg, bx, ...rois, ...idx, ...bOpts);
      }
      const backs: Record<string, Host> = wantBack.data ? { gradInput: wantBack } : wantBack;
      for (const [key, w] of Object.entries(backs)) {
        if (key === 'gradP') continue; // a sum over every plane: checked whole below
        const g = got[`back.${key}`];
        const scale = key === 'gradInput' ? perUnit : 1;
        // Gradients sum over overlapping windows, in another order than the reference's: never exact.
        compare(`back.${key}`, block(g, region ? [0, g.dims.batch] : n, ch, scale), w, half ? 2 ** -10 : 2e-5);
      }
    }
    if (c.op === 'gemPool') {
      const want = ref.gemPoolBackward(hostGrads.g, hx, options);
      compare('back.gradP', got['back.gradP'], want.gradP, 1e-4);
    }
    return report;
  });
}

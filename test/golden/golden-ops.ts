// Golden cases (../shared/golden, format in its README) run through the CPU
// reference or the GPU engine, in channels-first or channels-last. Each op is one
// entry of GOLDEN_OPS; ops the engine lacks are listed in PENDING_OPS. Used by the
// golden runner (CPU in Node, GPU in the page) and the Node tests.
import type { PoolEngine, PoolTensor } from '../../src/index';
import { dimsOf, layoutFor, relayout, shapeOf, type Layout, type SpatialRank } from '../../src/layout';
import * as reference from '../../src/reference/index';
import type { HostTensor } from '../../src/reference/index';
import { alignBox, roiSpec, type RoiBoxes, type RoiOp } from '../../src/roi-spec';
import { mismatches, sumTolerance, tighter, type Tolerance } from '../support/compare';
import { absOf, gemMagnitudes, windowMagnitudes, type Magnitude } from '../support/magnitude';

/** Ops the engine does not have yet: their cases count as pending. One list, here. */
export const PENDING_OPS: readonly string[] = [];

/** JSON numbers, with non-finite values written as the strings "NaN", "Infinity", "-Infinity". */
export type GoldenNumber = number | string;

export interface GoldenTensor {
  shape: number[];
  data: GoldenNumber[];
}

export interface GoldenCase {
  id: string;
  op: string;
  rank: number;
  params: Record<string, unknown>;
  input: GoldenTensor;
  tolerance?: Tolerance;
  /** output, indices, gradOutput, gradInput, samples, outputH, outputW, gradP, … */
  [key: string]: unknown;
}

/** Results by golden key (output, indices, gradInput, …), channels-first like the golden data. */
export type Results = Record<string, ArrayLike<number>>;

/** Golden numbers as numbers; a string other than "NaN", "Infinity", "-Infinity" or a number's text throws. */
export function toNumbers(data: GoldenNumber[]): number[] {
  return data.map((v) => {
    if (typeof v === 'number') return v;
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isNaN(n)) throw new Error(`golden value ${JSON.stringify(v)} is not a number`);
    return n;
  });
}

/** The bare tokens Python's json module writes for non-finite floats, longest first. */
const BARE_TOKENS = ['-Infinity', 'Infinity', 'NaN'];
const WORD = /[A-Za-z0-9_$]/;

/**
 * Parses a golden file's text, accepting Python's bare NaN / Infinity / -Infinity
 * tokens: each becomes the string "NaN", "Infinity" or "-Infinity" (the form
 * the format's README gives them). Text inside JSON strings ("note": "… NaN …")
 * is never changed: a scanner tracks whether it is inside a "…" string, honouring
 * backslash escapes, and rewrites only whole tokens outside strings.
 */
export function parseGolden(text: string): { cases: GoldenCase[] } {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\')
        i++; // the escaped character, whatever it is, cannot end the string
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    if (ch !== 'N' && ch !== 'I' && ch !== '-') continue;
    const token = BARE_TOKENS.find((t) => text.startsWith(t, i));
    if (!token || WORD.test(text[i - 1] ?? '') || WORD.test(text[i + token.length] ?? '')) continue;
    out += text.slice(from, i) + `"${token}"`;
    i += token.length - 1;
    from = i + 1;
  }
  return JSON.parse(out + text.slice(from));
}

/**
 * Moves golden tensors into the layout under test and results back to
 * channels-first, so every op compares against the golden data as written.
 */
export class LayoutBridge {
  readonly layout: Layout;
  constructor(
    readonly rank: number,
    readonly channelsLast: boolean,
  ) {
    this.layout = layoutFor(rank as SpatialRank, channelsLast);
  }
  /** A channels-first golden [N, C, ...spatial] tensor as data and shape in the layout. */
  in(t: GoldenTensor): { data: Float32Array; shape: number[] } {
    const dims = dimsOf(t.shape, layoutFor(this.rank as SpatialRank, false));
    return { data: relayout(Float32Array.from(toNumbers(t.data)), dims, false, this.channelsLast), shape: shapeOf(dims, this.layout) };
  }
  host(t: GoldenTensor): HostTensor {
    const { data, shape } = this.in(t);
    return reference.hostTensor(data, shape, this.layout);
  }
  gpu(engine: PoolEngine, t: GoldenTensor): PoolTensor<'float32'> {
    const { data, shape } = this.in(t);
    return engine.tensor(data, shape, this.layout);
  }
  /** Data of a [N, C, ...spatial] tensor in the layout (shape in layout order) back to channels-first. */
  out<A extends Float32Array | Int32Array>(data: A, shape: readonly number[]): A {
    return relayout(data, dimsOf(shape, this.layout), this.channelsLast, false);
  }
}

/** How one golden op runs: on the CPU reference and on the GPU engine. */
export interface GoldenOp {
  /** Golden keys that are inputs of this op, not results to compare (maxUnpool's indices). */
  inputKeys?: readonly string[];
  cpu(c: GoldenCase, io: LayoutBridge): Results;
  gpu(c: GoldenCase, io: LayoutBridge, engine: PoolEngine, keep: (t: { destroy(): void }) => void): Promise<Results>;
  /**
   * Sum-based results' magnitudes by golden key, channels-first (magnitude.ts),
   * from the case's input and gradOutput: the comparison takes the tighter of
   * the case's tolerance and sumTolerance of these.
   */
  magnitudes?(c: GoldenCase, io: LayoutBridge): Record<string, Magnitude>;
}

function pick(p: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
}

/** Window ops (max, avg, lp): forward, indices for max, backward. */
/** The forward and backward calls of the window modes other than max, by golden op kind. */
const WINDOW_CALLS = {
  avg: ['avgPool', 'avgPoolBackward'],
  lp: ['lpPool', 'lpPoolBackward'],
  soft: ['softPool', 'softPoolBackward'],
  mixed: ['mixedPool', 'mixedPoolBackward'],
  stochasticEval: ['stochasticPoolEval', 'stochasticPoolEvalBackward'],
} as const;

type WindowKind = 'max' | keyof typeof WINDOW_CALLS;

function windowOp(kind: WindowKind, keys: string[]): GoldenOp {
  return {
    cpu(c, io) {
      const o = pick(c.params, ...keys) as never;
      const x = io.host(c.input);
      const g = c.gradOutput as GoldenTensor | undefined;
      if (kind === 'max') {
        const { output, indices } = reference.maxPool(x, o);
        const r: Results = { output: io.out(output.data, output.shape), indices: io.out(indices.data, indices.shape) };
        if (g) r.gradInput = io.out(reference.maxPoolBackward(io.host(g), x, indices, o).data, x.shape);
        return r;
      }
      const [fwdName, bwdName] = WINDOW_CALLS[kind];
      const fwd = reference[fwdName] as (x: HostTensor, o: never) => HostTensor;
      const bwd = reference[bwdName] as (g: HostTensor, x: HostTensor, o: never) => HostTensor;
      const output = fwd(x, o);
      const r: Results = { output: io.out(output.data, output.shape) };
      if (g) r.gradInput = io.out(bwd(io.host(g), x, o).data, x.shape);
      return r;
    },
    async gpu(c, io, engine, keep) {
      const o = pick(c.params, ...keys) as never;
      const x = io.gpu(engine, c.input);
      keep(x);
      const g = c.gradOutput ? io.gpu(engine, c.gradOutput as GoldenTensor) : null;
      if (g) keep(g);
      const r: Results = {};
      let output: PoolTensor<'float32'>;
      let gradInput: PoolTensor<'float32'> | null = null;
      if (kind === 'max') {
        const m = engine.maxPool(x, o);
        keep(m.indices);
        output = m.output;
        r.indices = io.out(await m.indices.read(), m.indices.shape);
        if (g) gradInput = engine.maxPoolBackward(g, x, m.indices, o);
      } else {
        const [fwdName, bwdName] = WINDOW_CALLS[kind];
        output = (engine[fwdName] as (x: PoolTensor<'float32'>, o: never) => PoolTensor<'float32'>).call(engine, x, o);
        if (g) gradInput = (engine[bwdName] as (g: PoolTensor<'float32'>, x: PoolTensor<'float32'>, o: never) => PoolTensor<'float32'>).call(engine, g, x, o);
      }
      keep(output);
      r.output = io.out(await output.read(), output.shape);
      if (gradInput) {
        keep(gradInput);
        r.gradInput = io.out(await gradInput.read(), x.shape);
      }
      return r;
    },
    magnitudes:
      kind === 'max'
        ? undefined
        : (c, io) => {
            const x = io.host(c.input);
            const options = pick(c.params, ...keys);
            const spec = reference[WINDOW_CALLS[kind][0]](x, options as never);
            const g = c.gradOutput ? io.host(c.gradOutput as GoldenTensor) : { ...spec, data: new Float32Array(spec.data.length) };
            const { forward, backward } = windowMagnitudes(kind, x, g, options);
            const r: Record<string, Magnitude> = { output: forward };
            if (c.gradOutput) r.gradInput = backward;
            return r;
          },
  };
}

/** Global and adaptive pooling: forward, indices for max, backward. */
function binnedOp(kind: 'global' | 'adaptive', mode: 'avg' | 'max'): GoldenOp {
  const options = (c: GoldenCase) => ({ outputSize: c.params.outputSize }) as never;
  return {
    cpu(c, io) {
      const x = io.host(c.input);
      const g = c.gradOutput as GoldenTensor | undefined;
      if (mode === 'max') {
        const { output, indices } = kind === 'global' ? reference.globalMaxPool(x) : reference.adaptiveMaxPool(x, options(c));
        const r: Results = { output: io.out(output.data, output.shape), indices: io.out(indices.data, indices.shape) };
        if (g) {
          const grad =
            kind === 'global' ? reference.globalMaxPoolBackward(io.host(g), x, indices) : reference.adaptiveMaxPoolBackward(io.host(g), x, indices, options(c));
          r.gradInput = io.out(grad.data, x.shape);
        }
        return r;
      }
      const output = kind === 'global' ? reference.globalAvgPool(x) : reference.adaptiveAvgPool(x, options(c));
      const r: Results = { output: io.out(output.data, output.shape) };
      if (g) {
        const grad = kind === 'global' ? reference.globalAvgPoolBackward(io.host(g), x) : reference.adaptiveAvgPoolBackward(io.host(g), x, options(c));
        r.gradInput = io.out(grad.data, x.shape);
      }
      return r;
    },
    async gpu(c, io, engine, keep) {
      const x = io.gpu(engine, c.input);
      keep(x);
      const g = c.gradOutput ? io.gpu(engine, c.gradOutput as GoldenTensor) : null;
      if (g) keep(g);
      const r: Results = {};
      let output: PoolTensor<'float32'>;
      let gradInput: PoolTensor<'float32'> | null = null;
      if (mode === 'max') {
        const m = kind === 'global' ? engine.globalMaxPool(x) : engine.adaptiveMaxPool(x, options(c));
        keep(m.indices);
        output = m.output;
        r.indices = io.out(await m.indices.read(), m.indices.shape);
        if (g) gradInput = kind === 'global' ? engine.globalMaxPoolBackward(g, x, m.indices) : engine.adaptiveMaxPoolBackward(g, x, m.indices, options(c));
      } else {
        output = kind === 'global' ? engine.globalAvgPool(x) : engine.adaptiveAvgPool(x, options(c));
        if (g) gradInput = kind === 'global' ? engine.globalAvgPoolBackward(g, x) : engine.adaptiveAvgPoolBackward(g, x, options(c));
      }
      keep(output);
      r.output = io.out(await output.read(), output.shape);
      if (gradInput) {
        keep(gradInput);
        r.gradInput = io.out(await gradInput.read(), x.shape);
      }
      return r;
    },
    magnitudes:
      mode === 'max'
        ? undefined
        : (c, io) => {
            // Linear: the reference on |x| and |gradOutput|; terms at most a plane forward, every output cell backward.
            const x = io.host(c.input);
            const ax = absOf(x);
            const output = kind === 'global' ? reference.globalAvgPool(ax) : reference.adaptiveAvgPool(ax, options(c));
            const plane = x.dims.spatial.reduce((a, b) => a * b, 1);
            const r: Record<string, Magnitude> = { output: { magnitude: Float64Array.from(output.data), terms: plane } };
            if (c.gradOutput) {
              const g = absOf(io.host(c.gradOutput as GoldenTensor));
              const grad = kind === 'global' ? reference.globalAvgPoolBackward(g, x) : reference.adaptiveAvgPoolBackward(g, x, options(c));
              r.gradInput = { magnitude: Float64Array.from(grad.data), terms: output.dims.spatial.reduce((a, b) => a * b, 1) };
            }
            return r;
          },
  };
}

/** A flat [N, F] golden tensor (spatial pyramid pooling's output): the same in every layout. */
function flat(t: GoldenTensor): { data: Float32Array; shape: number[] } {
  return { data: Float32Array.from(toNumbers(t.data)), shape: t.shape };
}

const pyramidOp: GoldenOp = {
  cpu(c, io) {
    const o = pick(c.params, 'levels', 'mode') as never;
    const x = io.host(c.input);
    const { output, indices } = reference.spatialPyramidPool(x, o);
    const r: Results = { output: output.data };
    if (c.gradOutput) {
      const g = flat(c.gradOutput as GoldenTensor);
      r.gradInput = io.out(reference.spatialPyramidPoolBackward(reference.hostTensor(g.data, g.shape, 'NC'), x, indices, o).data, x.shape);
    }
    return r;
  },
  async gpu(c, io, engine, keep) {
    const o = pick(c.params, 'levels', 'mode') as never;
    const x = io.gpu(engine, c.input);
    keep(x);
    const { output, indices } = engine.spatialPyramidPool(x, o);
    keep(output);
    if (indices) keep(indices);
    const r: Results = { output: await output.read() };
    if (c.gradOutput) {
      const g = flat(c.gradOutput as GoldenTensor);
      const gt = engine.tensor(g.data, g.shape, 'NC');
      keep(gt);
      const gradInput = engine.spatialPyramidPoolBackward(gt, x, indices, o);
      keep(gradInput);
      r.gradInput = io.out(await gradInput.read(), x.shape);
    }
    return r;
  },
  magnitudes(c, io) {
    // Linear in the input (avg) and in the gradient (both modes): the reference on non-negative values.
    const o = pick(c.params, 'levels', 'mode') as never;
    const x = io.host(c.input);
    const { output, indices } = reference.spatialPyramidPool(x, o);
    const plane = x.dims.spatial.reduce((a, b) => a * b, 1);
    const features = output.dims.channels / x.dims.channels;
    const r: Record<string, Magnitude> = {};
    if (indices === null) r.output = { magnitude: Float64Array.from(reference.spatialPyramidPool(absOf(x), o).output.data), terms: plane };
    if (c.gradOutput) {
      const g = flat(c.gradOutput as GoldenTensor);
      const grad = reference.spatialPyramidPoolBackward(reference.hostTensor(g.data.map(Math.abs), g.shape, 'NC'), x, indices, o);
      r.gradInput = { magnitude: Float64Array.from(grad.data), terms: features };
    }
    return r;
  },
};

/** Strip pooling: outputH (rows) and outputW (cols); gradOutput holds the gradient of each. */
const stripOp: GoldenOp = {
  cpu(c, io) {
    const x = io.host(c.input);
    const { rows, cols } = reference.stripPool(x);
    const r: Results = { outputH: io.out(rows.data, rows.shape), outputW: io.out(cols.data, cols.shape) };
    const g = c.gradOutput as { outputH: GoldenTensor; outputW: GoldenTensor } | undefined;
    if (g) r.gradInput = io.out(reference.stripPoolBackward({ rows: io.host(g.outputH), cols: io.host(g.outputW) }, x).data, x.shape);
    return r;
  },
  async gpu(c, io, engine, keep) {
    const x = io.gpu(engine, c.input);
    keep(x);
    const { rows, cols } = engine.stripPool(x);
    keep(rows);
    keep(cols);
    const r: Results = { outputH: io.out(await rows.read(), rows.shape), outputW: io.out(await cols.read(), cols.shape) };
    const g = c.gradOutput as { outputH: GoldenTensor; outputW: GoldenTensor } | undefined;
    if (g) {
      const gr = io.gpu(engine, g.outputH);
      const gc = io.gpu(engine, g.outputW);
      keep(gr);
      keep(gc);
      const gradInput = engine.stripPoolBackward({ rows: gr, cols: gc }, x);
      keep(gradInput);
      r.gradInput = io.out(await gradInput.read(), x.shape);
    }
    return r;
  },
  magnitudes(c, io) {
    const x = io.host(c.input);
    const [height, width] = x.dims.spatial;
    const { rows, cols } = reference.stripPool(absOf(x));
    const r: Record<string, Magnitude> = {
      outputH: { magnitude: Float64Array.from(rows.data), terms: width },
      outputW: { magnitude: Float64Array.from(cols.data), terms: height },
    };
    const g = c.gradOutput as { outputH: GoldenTensor; outputW: GoldenTensor } | undefined;
    if (g)
      r.gradInput = {
        magnitude: Float64Array.from(reference.stripPoolBackward({ rows: absOf(io.host(g.outputH)), cols: absOf(io.host(g.outputW)) }, x).data),
        terms: 2,
      };
    return r;
  },
};

/** GeM pooling: output, gradInput and gradP (one number). */
const gemOp: GoldenOp = {
  cpu(c, io) {
    const o = pick(c.params, 'p', 'eps') as never;
    const x = io.host(c.input);
    const output = reference.gemPool(x, o);
    const r: Results = { output: io.out(output.data, output.shape) };
    if (c.gradOutput) {
      const { gradInput, gradP } = reference.gemPoolBackward(io.host(c.gradOutput as GoldenTensor), x, o);
      r.gradInput = io.out(gradInput.data, x.shape);
      r.gradP = gradP.data;
    }
    return r;
  },
  async gpu(c, io, engine, keep) {
    const o = pick(c.params, 'p', 'eps') as never;
    const x = io.gpu(engine, c.input);
    keep(x);
    const output = engine.gemPool(x, o);
    keep(output);
    const r: Results = { output: io.out(await output.read(), output.shape) };
    if (c.gradOutput) {
      const g = io.gpu(engine, c.gradOutput as GoldenTensor);
      keep(g);
      const { gradInput, gradP } = engine.gemPoolBackward(g, x, o);
      keep(gradInput);
      keep(gradP);
      r.gradInput = io.out(await gradInput.read(), x.shape);
      r.gradP = await gradP.read();
    }
    return r;
  },
  magnitudes(c, io) {
    const o = pick(c.params, 'p', 'eps');
    const x = io.host(c.input);
    const spec = reference.gemPool(x, o as never);
    const g = c.gradOutput ? io.host(c.gradOutput as GoldenTensor) : { ...spec, data: new Float32Array(spec.data.length) };
    const m = gemMagnitudes(x, g, o);
    const r: Record<string, Magnitude> = { output: m.forward };
    if (c.gradOutput) Object.assign(r, { gradInput: m.backward, gradP: m.gradP });
    return r;
  },
};

/** Max unpooling: values and indices in, the map and the values' gradient out. */
const maxUnpoolOp: GoldenOp = {
  inputKeys: ['indices'],
  cpu(c, io) {
    const o = pick(c.params, 'kernel', 'stride', 'padding', 'outputSize') as never;
    const values = io.host(c.input);
    const idx = io.in(c.indices as GoldenTensor);
    const indices = reference.hostTensor(Int32Array.from(idx.data), idx.shape, io.layout);
    const output = reference.maxUnpool(values, indices, o);
    const r: Results = { output: io.out(output.data, output.shape) };
    if (c.gradOutput) r.gradInput = io.out(reference.maxUnpoolBackward(io.host(c.gradOutput as GoldenTensor), values, indices, o).data, values.shape);
    return r;
  },
  async gpu(c, io, engine, keep) {
    const o = pick(c.params, 'kernel', 'stride', 'padding', 'outputSize') as never;
    const values = io.gpu(engine, c.input);
    const idx = io.in(c.indices as GoldenTensor);
    const indices = engine.tensor(Int32Array.from(idx.data), idx.shape, io.layout);
    keep(values);
    keep(indices);
    const output = engine.maxUnpool(values, indices, o);
    keep(output);
    const r: Results = { output: io.out(await output.read(), output.shape) };
    if (c.gradOutput) {
      const g = io.gpu(engine, c.gradOutput as GoldenTensor);
      keep(g);
      const gi = engine.maxUnpoolBackward(g, values, indices, o);
      keep(gi);
      r.gradInput = io.out(await gi.read(), values.shape);
    }
    return r;
  },
};

/** Fractional max pooling: the case's samples fix the windows; forward with indices, backward. */
const fractionalOp: GoldenOp = {
  cpu(c, io) {
    const o = { ...pick(c.params, 'kernel', 'outputSize'), samples: Float32Array.from(toNumbers((c.samples as GoldenTensor).data)) } as never;
    const x = io.host(c.input);
    const { output, indices } = reference.fractionalMaxPool(x, o);
    const r: Results = { output: io.out(output.data, output.shape), indices: io.out(indices.data, indices.shape) };
    if (c.gradOutput) r.gradInput = io.out(reference.fractionalMaxPoolBackward(io.host(c.gradOutput as GoldenTensor), x, indices, o).data, x.shape);
    return r;
  },
  async gpu(c, io, engine, keep) {
    const o = { ...pick(c.params, 'kernel', 'outputSize'), samples: Float32Array.from(toNumbers((c.samples as GoldenTensor).data)) } as never;
    const x = io.gpu(engine, c.input);
    keep(x);
    const { output, indices } = engine.fractionalMaxPool(x, o);
    keep(output);
    keep(indices);
    const r: Results = { output: io.out(await output.read(), output.shape), indices: io.out(await indices.read(), indices.shape) };
    if (c.gradOutput) {
      const g = io.gpu(engine, c.gradOutput as GoldenTensor);
      keep(g);
      const gi = engine.fractionalMaxPoolBackward(g, x, indices, o);
      keep(gi);
      r.gradInput = io.out(await gi.read(), x.shape);
    }
    return r;
  },
};

/** Each region op's options, by the golden params' names (the reference's). */
const ROI_OPTIONS: Record<RoiOp, string[]> = {
  roiAlign: ['outputSize', 'spatialScale', 'samplingRatio', 'aligned'],
  psRoiAlign: ['outputSize', 'spatialScale', 'samplingRatio'],
  roiPool: ['outputSize', 'spatialScale'],
  psRoiPool: ['outputSize', 'spatialScale'],
};

/** Region pooling (torchvision's roi_align, roi_pool, ps_roi_align, ps_roi_pool): `rois` is the case's [K, 5] boxes. */
function roiOp(op: RoiOp): GoldenOp {
  type Forward = (x: HostTensor, rois: RoiBoxes, o: never) => HostTensor;
  type Backward = (g: HostTensor, x: HostTensor, rois: RoiBoxes, o: never) => HostTensor;
  type GpuForward = (x: PoolTensor<'float32'>, rois: RoiBoxes, o: never) => PoolTensor<'float32'>;
  type GpuBackward = (g: PoolTensor<'float32'>, x: PoolTensor<'float32'>, rois: RoiBoxes, o: never) => PoolTensor<'float32'>;
  const roisOf = (c: GoldenCase): RoiBoxes => {
    const t = c.rois as GoldenTensor;
    return { data: Float32Array.from(toNumbers(t.data)), shape: t.shape };
  };
  const options = (c: GoldenCase) => pick(c.params, ...ROI_OPTIONS[op]) as never;
  return {
    cpu(c, io) {
      const x = io.host(c.input);
      const rois = roisOf(c);
      const g = c.gradOutput ? io.host(c.gradOutput as GoldenTensor) : null;
      if (op === 'roiPool') {
        const { output, indices } = reference.roiPool(x, rois, options(c));
        const r: Results = { output: io.out(output.data, output.shape), indices: io.out(indices.data, indices.shape) };
        if (g) r.gradInput = io.out(reference.roiPoolBackward(g, x, rois, indices, options(c)).data, x.shape);
        return r;
      }
      const output = (reference[op] as Forward)(x, rois, options(c));
      const r: Results = { output: io.out(output.data, output.shape) };
      if (g) r.gradInput = io.out((reference[`${op}Backward`] as Backward)(g, x, rois, options(c)).data, x.shape);
      return r;
    },
    async gpu(c, io, engine, keep) {
      const x = io.gpu(engine, c.input);
      keep(x);
      const rois = roisOf(c);
      const g = c.gradOutput ? io.gpu(engine, c.gradOutput as GoldenTensor) : null;
      if (g) keep(g);
      const r: Results = {};
      let output: PoolTensor<'float32'>;
      let gradInput: PoolTensor<'float32'> | null = null;
      if (op === 'roiPool') {
        const m = engine.roiPool(x, rois, options(c));
        keep(m.indices);
        output = m.output;
        r.indices = io.out(await m.indices.read(), m.indices.shape);
        if (g) gradInput = engine.roiPoolBackward(g, x, rois, m.indices, options(c));
      } else {
        output = (engine[op] as GpuForward).call(engine, x, rois, options(c));
        if (g) gradInput = (engine[`${op}Backward`] as GpuBackward).call(engine, g, x, rois, options(c));
      }
      keep(output);
      r.output = io.out(await output.read(), output.shape);
      if (gradInput) {
        keep(gradInput);
        r.gradInput = io.out(await gradInput.read(), x.shape);
      }
      return r;
    },
    magnitudes(c, io) {
      // Linear in the input (but roiPool's max) and in the gradient, with non-negative weights: the reference on |x| and |gradOutput|.
      const x = io.host(c.input);
      const rois = roisOf(c);
      const spec = roiSpec(op, x.dims, rois, options(c));
      const align = op === 'roiAlign' || op === 'psRoiAlign';
      const perBin = align ? Math.max(...Array.from({ length: spec.boxCount }, (_, k) => 4 * alignBox(spec, k).count)) : x.dims.spatial[0] * x.dims.spatial[1];
      const allBins = spec.boxCount * spec.outputSize[0] * spec.outputSize[1] * perBin;
      const r: Record<string, Magnitude> = {};
      if (op !== 'roiPool') r.output = { magnitude: Float64Array.from((reference[op] as Forward)(absOf(x), rois, options(c)).data), terms: perBin };
      if (c.gradOutput) {
        const g = absOf(io.host(c.gradOutput as GoldenTensor));
        const grad =
          op === 'roiPool'
            ? reference.roiPoolBackward(g, x, rois, reference.roiPool(x, rois, options(c)).indices, options(c))
            : (reference[`${op}Backward`] as Backward)(g, x, rois, options(c));
        r.gradInput = { magnitude: Float64Array.from(grad.data), terms: allBins };
      }
      return r;
    },
  };
}

export const GOLDEN_OPS: Record<string, GoldenOp> = {
  maxPool: windowOp('max', ['kernel', 'stride', 'padding', 'dilation', 'ceilMode']),
  avgPool: windowOp('avg', ['kernel', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']),
  lpPool: windowOp('lp', ['p', 'kernel', 'stride', 'ceilMode']),
  softPool: windowOp('soft', ['kernel', 'stride']),
  mixedPool: windowOp('mixed', ['kernel', 'stride', 'lambda']),
  stochasticPoolEval: windowOp('stochasticEval', ['kernel', 'stride', 'padding']),
  maxUnpool: maxUnpoolOp,
  fractionalMaxPool: fractionalOp,
  globalAvgPool: binnedOp('global', 'avg'),
  globalMaxPool: binnedOp('global', 'max'),
  adaptiveAvgPool: binnedOp('adaptive', 'avg'),
  adaptiveMaxPool: binnedOp('adaptive', 'max'),
  spatialPyramidPool: pyramidOp,
  stripPool: stripOp,
  gemPool: gemOp,
  roiAlign: roiOp('roiAlign'),
  roiPool: roiOp('roiPool'),
  psRoiAlign: roiOp('psRoiAlign'),
  psRoiPool: roiOp('psRoiPool'),
};

export const SUPPORTED_OPS = Object.keys(GOLDEN_OPS);

/** Golden keys that are results to compare (the rest are inputs or metadata). */
const RESULT_KEYS = ['output', 'indices', 'gradInput', 'outputH', 'outputW', 'gradP'];
const DEFAULT_TOLERANCE: Tolerance = { abs: 1e-5, rel: 1e-4 };
/**
 * Golden values are stored rounded to 9 decimal places (no value in the files has
 * more): the sum bound, which tightens a case's tolerance, allows that rounding on
 * top (half of 1e-9). Without it a gradient of 7.3237e-7 stored as 7.32e-7 fails.
 */
const GOLDEN_QUANTUM = 5e-10;

export type Backend = 'cpu' | PoolEngine;

/** Runs one golden case on a backend in one layout; returns its failures (empty: passed). */
export async function checkGoldenCase(c: GoldenCase, backend: Backend, channelsLast: boolean): Promise<string[]> {
  const op = GOLDEN_OPS[c.op];
  if (!op) return [`${c.id}: op ${c.op} is not supported`];
  const where = `${c.id} (${backend === 'cpu' ? 'cpu' : 'gpu'}, ${channelsLast ? 'channels-last' : 'channels-first'})`;
  const made: { destroy(): void }[] = [];
  try {
    const io = new LayoutBridge(c.rank, channelsLast);
    const got = backend === 'cpu' ? op.cpu(c, io) : await op.gpu(c, io, backend, (t) => made.push(t));
    const tol = c.tolerance ?? DEFAULT_TOLERANCE;
    // Magnitudes are computed channels-first, the golden data's order.
    const magnitudes = op.magnitudes?.(c, new LayoutBridge(c.rank, false)) ?? {};
    const failures: string[] = [];
    let compared = 0;
    for (const key of RESULT_KEYS) {
      if (op.inputKeys?.includes(key)) continue;
      const want = c[key] as GoldenTensor | number | undefined;
      if (want === undefined) continue;
      const wantT: GoldenTensor = typeof want === 'number' ? { shape: [1], data: [want] } : want;
      const result = got[key];
      if (!result) {
        failures.push(`${key}: none returned`);
        continue;
      }
      const wantData = toNumbers(wantT.data);
      const m = magnitudes[key];
      // The case's tolerance, tightened to the sum bound where that is smaller; indices exact.
      const exact = key === 'indices' ? { abs: 0, rel: 0 } : m ? tighter(tol, sumTolerance(m.magnitude, m.terms), wantData, GOLDEN_QUANTUM) : tol;
      const dims =
        wantT.shape.length >= 3
          ? dimsOf(wantT.shape, layoutFor((wantT.shape.length - 2) as SpatialRank, false))
          : { batch: 1, channels: 1, spatial: [toNumbers(wantT.data).length] };
      failures.push(...mismatches(key, result, wantData, exact, dims, false));
      compared++;
    }
    // A case with no expected results would pass having compared nothing.
    if (compared === 0) failures.push(`no expected results to compare (none of ${RESULT_KEYS.filter((k) => !op.inputKeys?.includes(k)).join(', ')})`);
    return failures.map((f) => `${where}: ${f}`);
  } catch (e) {
    return [`${where}: threw ${(e as Error).stack ?? e}`];
  } finally {
    for (const t of made) t.destroy();
  }
}

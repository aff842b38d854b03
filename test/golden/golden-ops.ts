// Golden cases (../shared/golden, format in its README) run through the CPU
// reference or the GPU engine, in channels-first or channels-last. Each op is one
// entry of GOLDEN_OPS; ops the engine lacks are listed in PENDING_OPS. Used by the
// golden runner (CPU in Node, GPU in the page) and the Node tests.
import type { PoolEngine, PoolTensor } from '../../src/index';
import { halfBits, halfValue, roundToHalf } from '../../src/half';
import { dimsOf, layoutFor, relayout, shapeOf, type Layout, type SpatialRank } from '../../src/layout';
import * as reference from '../../src/reference/index';
import type { HostTensor } from '../../src/reference/index';
import { alignBox, roiSpec, type RoiBoxes, type RoiOp } from '../../src/roi-spec';
import { coordsAt, mismatches, sumTolerance, tighter, type PerElement, type Tolerance } from '../support/compare';
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

/** The float dtype a golden pass runs in: float32 (the golden data's own), or float16. */
export type GoldenDType = 'float32' | 'float16';

/**
 * Moves golden tensors into the layout under test and results back to
 * channels-first, so every op compares against the golden data as written.
 * In float16, GPU tensors are float16 (uploaded as the golden float32 values:
 * the engine rounds them) and host tensors hold the values rounded to half, so
 * an op's `cpu` runner on this bridge is the reference's float16 semantics
 * (once its float results are rounded too: `referenceInFloat16`). Integer
 * tensors (max unpooling's indices) are never rounded.
 */
export class LayoutBridge {
  readonly layout: Layout;
  constructor(
    readonly rank: number,
    readonly channelsLast: boolean,
    readonly dtype: GoldenDType = 'float32',
  ) {
    this.layout = layoutFor(rank as SpatialRank, channelsLast);
  }
  /** A channels-first golden [N, C, ...spatial] tensor's values in the layout, and its shape in layout order. */
  #place<A extends Float32Array | Int32Array>(values: A, t: GoldenTensor): { data: A; shape: number[] } {
    const dims = dimsOf(t.shape, layoutFor(this.rank as SpatialRank, false));
    return { data: relayout(values, dims, false, this.channelsLast), shape: shapeOf(dims, this.layout) };
  }
  /** Golden float values, rounded to half in float16 (what a float16 tensor holds of them). */
  #values(t: GoldenTensor): Float32Array {
    const values = Float32Array.from(toNumbers(t.data));
    return this.dtype === 'float16' ? roundToHalf(values) : values;
  }
  /** A channels-first golden [N, C, ...spatial] tensor as data and shape in the layout (rounded to half in float16). */
  in(t: GoldenTensor): { data: Float32Array; shape: number[] } {
    return this.#place(this.#values(t), t);
  }
  /** A channels-first golden [N, C, ...spatial] integer tensor (indices) as data and shape in the layout, never rounded. */
  indices(t: GoldenTensor): { data: Int32Array; shape: number[] } {
    return this.#place(Int32Array.from(toNumbers(t.data)), t);
  }
  host(t: GoldenTensor): HostTensor {
    const { data, shape } = this.in(t);
    return reference.hostTensor(data, shape, this.layout);
  }
  /** A flat [N, F] golden tensor (spatial pyramid pooling's output), the same in every layout (rounded to half in float16). */
  flat(t: GoldenTensor): { data: Float32Array; shape: number[] } {
    return { data: this.#values(t), shape: t.shape };
  }
  /**
   * A golden float tensor on the GPU in the layout, in the bridge's dtype (`flat`: a
   * flat [N, F] 'NC' tensor). Typed float32 whatever the dtype: every op is generic
   * over the float dtype, and read() gives a Float32Array in both.
   */
  gpu(engine: PoolEngine, t: GoldenTensor, flat = false): PoolTensor<'float32'> {
    const values = Float32Array.from(toNumbers(t.data));
    const { data, shape } = flat ? { data: values, shape: t.shape } : this.#place(values, t);
    const layout: Layout = flat ? 'NC' : this.layout;
    if (this.dtype === 'float16') return engine.tensor(data, shape, { layout, dtype: 'float16' }) as unknown as PoolTensor<'float32'>;
    return engine.tensor(data, shape, layout);
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
  /**
   * The input elements the reference picks (one per max-style result element), or
   * null for an op that picks none; by default the `indices` of `cpu`'s results.
   * The float16 pass runs it on the input as given and rounded to half: where the
   * two differ, rounding made a tie (float16Comparison).
   */
  picks?(c: GoldenCase, io: LayoutBridge): ArrayLike<number> | null;
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
    // Mixed pooling's max part picks as max pooling over the same windows (no padding) does.
    picks: kind === 'mixed' ? (c, io) => reference.maxPool(io.host(c.input), pick(c.params, 'kernel', 'stride') as never).indices.data : undefined,
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

const pyramidOp: GoldenOp = {
  picks: (c, io) => reference.spatialPyramidPool(io.host(c.input), pick(c.params, 'levels', 'mode') as never).indices?.data ?? null,
  cpu(c, io) {
    const o = pick(c.params, 'levels', 'mode') as never;
    const x = io.host(c.input);
    const { output, indices } = reference.spatialPyramidPool(x, o);
    const r: Results = { output: output.data };
    if (c.gradOutput) {
      const g = io.flat(c.gradOutput as GoldenTensor);
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
      const gt = io.gpu(engine, c.gradOutput as GoldenTensor, true);
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
      const g = io.flat(c.gradOutput as GoldenTensor);
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
    const idx = io.indices(c.indices as GoldenTensor);
    const indices = reference.hostTensor(idx.data, idx.shape, io.layout);
    const output = reference.maxUnpool(values, indices, o);
    const r: Results = { output: io.out(output.data, output.shape) };
    if (c.gradOutput) r.gradInput = io.out(reference.maxUnpoolBackward(io.host(c.gradOutput as GoldenTensor), values, indices, o).data, values.shape);
    return r;
  },
  async gpu(c, io, engine, keep) {
    const o = pick(c.params, 'kernel', 'stride', 'padding', 'outputSize') as never;
    const values = io.gpu(engine, c.input);
    const idx = io.indices(c.indices as GoldenTensor);
    const indices = engine.tensor(idx.data, idx.shape, io.layout);
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

/** The shape of a golden result as Dims, for coordinates in failure lines. */
function resultDims(t: GoldenTensor) {
  return t.shape.length >= 3
    ? dimsOf(t.shape, layoutFor((t.shape.length - 2) as SpatialRank, false))
    : { batch: 1, channels: 1, spatial: [toNumbers(t.data).length] };
}

/** A golden result key's expected values as a tensor (gradP may be a bare number). */
function wantOf(c: GoldenCase, key: string): GoldenTensor | undefined {
  const want = c[key] as GoldenTensor | number | undefined;
  return want === undefined ? undefined : typeof want === 'number' ? { shape: [1], data: [want] } : want;
}

/** The result keys of a case to compare: those it has, less the op's inputs. */
function resultKeys(c: GoldenCase, op: GoldenOp): string[] {
  return RESULT_KEYS.filter((key) => !op.inputKeys?.includes(key) && c[key] !== undefined);
}

/** Runs one golden case on a backend in one layout, in float32 (the golden data's dtype) or float16; returns its failures (empty: passed). */
export async function checkGoldenCase(c: GoldenCase, backend: Backend, channelsLast: boolean, dtype: GoldenDType = 'float32'): Promise<string[]> {
  const op = GOLDEN_OPS[c.op];
  if (!op) return [`${c.id}: op ${c.op} is not supported`];
  const half = dtype === 'float16';
  const where = `${c.id} (${backend === 'cpu' ? 'cpu' : 'gpu'}${half ? ' float16' : ''}, ${channelsLast ? 'channels-last' : 'channels-first'})`;
  const made: { destroy(): void }[] = [];
  try {
    const io = new LayoutBridge(c.rank, channelsLast, dtype);
    // The CPU in float16 is the reference's float16 semantics: rounded inputs (the bridge), rounded results.
    const got = backend === 'cpu' ? (half ? roundResults(op.cpu(c, io)) : op.cpu(c, io)) : await op.gpu(c, io, backend, (t) => made.push(t));
    const failures = half ? compareFloat16(c, op, got) : compareFloat32(c, op, got);
    return failures.map((f) => `${where}: ${f}`);
  } catch (e) {
    return [`${where}: threw ${(e as Error).stack ?? e}`];
  } finally {
    for (const t of made) t.destroy();
  }
}

/** The float32 comparison: every result against the golden values, in the case's tolerance tightened to the sum bound. */
function compareFloat32(c: GoldenCase, op: GoldenOp, got: Results): string[] {
  const tol = c.tolerance ?? DEFAULT_TOLERANCE;
  // Magnitudes are computed channels-first, the golden data's order.
  const magnitudes = op.magnitudes?.(c, new LayoutBridge(c.rank, false)) ?? {};
  const failures: string[] = [];
  let compared = 0;
  for (const key of RESULT_KEYS) {
    if (op.inputKeys?.includes(key)) continue;
    const wantT = wantOf(c, key);
    if (wantT === undefined) continue;
    const result = got[key];
    if (!result) {
      failures.push(`${key}: none returned`);
      continue;
    }
    const wantData = toNumbers(wantT.data);
    const m = magnitudes[key];
    // The case's tolerance, tightened to the sum bound where that is smaller; indices exact.
    const exact = key === 'indices' ? { abs: 0, rel: 0 } : m ? tighter(tol, sumTolerance(m.magnitude, m.terms), wantData, GOLDEN_QUANTUM) : tol;
    failures.push(...mismatches(key, result, wantData, exact, resultDims(wantT), false));
    compared++;
  }
  // A case with no expected results would pass having compared nothing.
  if (compared === 0) failures.push(noResults(op));
  return failures;
}

function noResults(op: GoldenOp): string {
  return `no expected results to compare (none of ${RESULT_KEYS.filter((k) => !op.inputKeys?.includes(k)).join(', ')})`;
}

// ---------------------------------------------------------------------------
// The float16 pass.
//
// Every case runs on the GPU with float16 tensors (input and gradOutput: the
// engine rounds the golden float32 values to half). What it is compared with:
//
// - 'golden': the golden values rounded to half (1e30 expects inf), within the
//   case's tolerance widened to half precision (HALF_WIDENING); indices
//   exactly, but for ties made by rounding (below).
// - 'tie': rounding made two inputs equal where the reference picks an element,
//   so the first maximum may now be another element than PyTorch's in float32
//   (the reference's picks on the rounded input differ from its picks on the
//   input as given: rounding is monotonic, so a pick can only move to an element
//   that now ties). Outputs (picked values: equal) and indices (a differing index
//   passes when the rounded input holds the same value at both positions) are
//   still compared with golden; the results that follow the picks (gradInput,
//   INDEX_DEPENDENT) are compared with the reference's float16 semantics.
// - 'range': an input holds finite values float16 cannot hold (beyond ±65504:
//   they become inf, and inf − inf becomes NaN where golden is finite; or so small
//   they become 0, which moves signs and thresholds), or a golden result is finite
//   beyond ±65504: every result is compared with the reference's float16 semantics.
//
// The reference's float16 semantics (reference.inFloat16): the op's `cpu` runner
// on a float16 LayoutBridge (inputs rounded to half), float results rounded to
// half. The float32 pass checks that reference against golden, so the fallback is
// golden's semantics with float16's own rounding, not the GPU checked against
// itself. No case is skipped: every one runs and is compared with something.
// ---------------------------------------------------------------------------

/** How the float16 pass compares a case (see above). */
export type Float16Comparison = 'golden' | 'tie' | 'range';

/** Results that follow the reference's picks: compared with the reference in float16 in a case with a tie from rounding. */
const INDEX_DEPENDENT = ['gradInput'];

/**
 * The widening to half precision, element by element. In float16 each input is
 * rounded once, off by at most u·|x| (u = 2^-11, the half unit roundoff), and
 * each result once more, off by at most u·|result|; the GPU's float32 arithmetic
 * in between adds nothing of that order. The inputs' rounding reaches a result
 * through the terms it is made of: at most u·Σ|terms|, where Σ|terms| is the
 * element's magnitude as the float32 sum bound computes it (magnitude.ts: the
 * reference on |input| and |gradOutput| for the linear ops, walked bounds with
 * their exp / pow weights for Lp, SoftPool, mixed, stochastic and GeM) — and it
 * does not shrink where the terms cancel and the result is near 0, hence an
 * absolute term. Ops without magnitudes pick their outputs (exact once rounded)
 * and route their gradients (max-style, unpooling): for their gradInput,
 * Σ|terms| is the reference's backward on |gradOutput|. So, per element:
 *
 *   |got − want| ≤ max(case abs, 2^-9·Σ|terms| + 2^-22) + max(case rel, 2^-9)·|want|
 *
 * 2^-9 = 4u: each of the two roundings with a factor 4 to spare (measured on the
 * golden cases: at most 1.0 u·(Σ|terms| + |want|)). 2^-22 = 4 · 2^-24: a
 * subnormal half is off by up to 2^-25 absolute, not u relative. The case's own
 * tolerance is never tightened. Σ|terms| is computed on the inputs rounded to
 * half; where it is not finite (an infinite input) the largest finite |input|
 * stands for it (the result is then usually inf or NaN, compared exactly).
 */
export const HALF_WIDENING = 2 ** -9;
/** The absolute floor for subnormal halves (see HALF_WIDENING). */
export const HALF_FLOOR = 2 ** -22;

/** The rule float16Bounds applies, as the golden runner prints it. */
export const FLOAT16_TOLERANCE_RULE = 'abs max(case, 2^-9·Σ|terms| + 2^-22) per element, rel max(case, 2^-9)';

/**
 * Per-element bounds of the float16 comparison (HALF_WIDENING): `terms` holds each
 * element's Σ|terms| (none: a picked result, 0), `scale` stands in where it is not finite.
 */
export function float16Bounds(tol: Tolerance, terms: ArrayLike<number> | undefined, want: ArrayLike<number>, scale: number): PerElement {
  const rel = Math.max(tol.rel, HALF_WIDENING);
  const perElement = new Float64Array(want.length);
  for (let i = 0; i < want.length; i++) {
    const t = terms ? Math.abs(terms[i]) : 0;
    perElement[i] = Math.max(tol.abs, HALF_WIDENING * (Number.isFinite(t) ? t : scale) + HALF_FLOOR) + rel * Math.abs(want[i]);
  }
  return { perElement };
}

/** A golden tensor (or strip pooling's {outputH, outputW}) with every value made non-negative. */
function absGolden<T>(t: T): T {
  const g = t as GoldenTensor | Record<string, GoldenTensor>;
  if (Array.isArray((g as GoldenTensor).data)) return { ...g, data: toNumbers((g as GoldenTensor).data).map(Math.abs) } as T;
  return Object.fromEntries(Object.entries(g).map(([k, v]) => [k, absGolden(v)])) as T;
}

/** Each result element's Σ|terms| on the inputs rounded to half, channels-first, by golden key (HALF_WIDENING). */
function halfTerms(c: GoldenCase, op: GoldenOp): Record<string, ArrayLike<number>> {
  const io = new LayoutBridge(c.rank, false, 'float16');
  const r: Record<string, ArrayLike<number>> = {};
  for (const [key, m] of Object.entries(op.magnitudes?.(c, io) ?? {})) r[key] = m.magnitude;
  if (!r.gradInput && c.gradOutput) r.gradInput = op.cpu({ ...c, gradOutput: absGolden(c.gradOutput) }, io).gradInput;
  return r;
}

/** A value rounded to half. */
function toHalf(v: number): number {
  return halfValue(halfBits(v));
}

/** The case's float inputs: input, and gradOutput (strip pooling's {outputH, outputW}). */
function floatInputs(c: GoldenCase): GoldenTensor[] {
  const g = c.gradOutput as GoldenTensor | Record<string, GoldenTensor> | undefined;
  if (!g) return [c.input];
  return [c.input, ...(Array.isArray((g as GoldenTensor).data) ? [g as GoldenTensor] : Object.values(g as Record<string, GoldenTensor>))];
}

/** The largest finite |value| among the case's inputs rounded to half (0 if none). */
export function halfScale(c: GoldenCase): number {
  let m = 0;
  for (const t of floatInputs(c))
    for (const v of toNumbers(t.data)) {
      const h = Math.abs(toHalf(v));
      if (Number.isFinite(h) && h > m) m = h;
    }
  return m;
}

/** A finite value float16 cannot hold: it rounds to ±inf (beyond ±65504) or, nonzero, to 0 (below 2^-25). */
function beyondHalf(v: number): boolean {
  if (!Number.isFinite(v) || v === 0) return false;
  const h = toHalf(v);
  return !Number.isFinite(h) || h === 0;
}

/** Results with their float arrays rounded to half (indices as they are). */
function roundResults(r: Results): Results {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Float32Array ? roundToHalf(v) : v]));
}

/** The op's CPU runner in the reference's float16 semantics (reference.inFloat16): inputs rounded to half, float results rounded to half. */
export function referenceInFloat16(c: GoldenCase): Results {
  const op = GOLDEN_OPS[c.op];
  if (!op) throw new Error(`op ${c.op} is not supported`);
  return roundResults(op.cpu(c, new LayoutBridge(c.rank, false, 'float16')));
}

/** Whether two numbers are the same value (NaN equals NaN; 0 equals −0, as max compares them). */
function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** How the float16 pass compares case `c` (see above): from the case alone, the same in both layouts. */
export function float16Comparison(c: GoldenCase): Float16Comparison {
  const op = GOLDEN_OPS[c.op];
  if (!op) return 'golden';
  if (floatInputs(c).some((t) => toNumbers(t.data).some(beyondHalf))) return 'range';
  for (const key of resultKeys(c, op))
    if (key !== 'indices' && toNumbers(wantOf(c, key)!.data).some((v) => Number.isFinite(v) && !Number.isFinite(toHalf(v)))) return 'range';
  const picks = (io: LayoutBridge) => (op.picks ? op.picks(c, io) : (op.cpu(c, io).indices ?? null));
  const given = picks(new LayoutBridge(c.rank, false));
  const rounded = picks(new LayoutBridge(c.rank, false, 'float16'));
  if (given && rounded && (given.length !== rounded.length || Array.from(given).some((v, i) => v !== rounded[i]))) return 'tie';
  return 'golden';
}

/**
 * Indices against golden's, where a differing index passes when the input
 * rounded to half (channels-first) holds the same value at both positions of
 * that (n, c) plane: a tie made by rounding. roiPool's planes are in the batch
 * of each box (rois[k][0]).
 */
function indexMismatches(c: GoldenCase, got: ArrayLike<number>, wantT: GoldenTensor, limit = 10): string[] {
  const want = toNumbers(wantT.data);
  const dims = resultDims(wantT);
  if (got.length !== want.length) return [`indices: length ${got.length}, want ${want.length}`];
  const x = roundToHalf(toNumbers(c.input.data));
  const [, channels, ...spatial] = c.input.shape;
  const plane = spatial.reduce((a, b) => a * b, 1);
  const outChannels = wantT.shape[1] ?? 1;
  const outPlane = want.length / Math.max(1, (wantT.shape[0] ?? 1) * outChannels);
  const rois = c.op === 'roiPool' ? toNumbers((c.rois as GoldenTensor).data) : null;
  const out: string[] = [];
  let count = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (g === w) continue;
    const nc = Math.floor(i / outPlane);
    const n = rois ? rois[Math.floor(nc / outChannels) * 5] : Math.floor(nc / outChannels);
    const base = (n * channels + (nc % outChannels)) * plane;
    const inPlane = (v: number) => Number.isInteger(v) && v >= 0 && v < plane;
    if (inPlane(g) && inPlane(w) && same(x[base + g], x[base + w])) continue;
    count++;
    const values = inPlane(g) && inPlane(w) ? `rounded input ${x[base + g]} there, ${x[base + w]} at golden's` : 'outside the plane';
    if (out.length < limit) out.push(`indices[${coordsAt(i, dims, false)}]: got ${g}, want ${w} (${values})`);
  }
  if (count > limit) out.push(`indices: … ${count - limit} more mismatches`);
  return out;
}

/** The float16 comparison (see above): with golden rounded to half, or with the reference in float16, in the widened tolerance. */
function compareFloat16(c: GoldenCase, op: GoldenOp, got: Results): string[] {
  const how = float16Comparison(c);
  const ref = how === 'golden' ? null : referenceInFloat16(c);
  const tol = c.tolerance ?? DEFAULT_TOLERANCE;
  const terms = halfTerms(c, op);
  const scale = halfScale(c);
  const failures: string[] = [];
  const keys = resultKeys(c, op);
  for (const key of keys) {
    const wantT = wantOf(c, key)!;
    const result = got[key];
    if (!result) {
      failures.push(`${key}: none returned`);
      continue;
    }
    const fromReference = how === 'range' || (how === 'tie' && INDEX_DEPENDENT.includes(key));
    if (fromReference) {
      const want = ref![key];
      if (!want) {
        failures.push(`${key}: the reference in float16 returned none`);
        continue;
      }
      const label = `${key} (vs the reference in float16: ${how === 'tie' ? 'tie from rounding' : 'beyond half range'})`;
      const bounds = key === 'indices' ? { abs: 0, rel: 0 } : float16Bounds(tol, terms[key], want, scale);
      failures.push(...mismatches(label, result, want, bounds, resultDims(wantT), false));
    } else if (key === 'indices') {
      failures.push(...indexMismatches(c, result, wantT));
    } else {
      const want = roundToHalf(toNumbers(wantT.data));
      failures.push(...mismatches(key, result, want, float16Bounds(tol, terms[key], want, scale), resultDims(wantT), false));
    }
  }
  if (keys.length === 0) failures.push(noResults(op));
  return failures;
}

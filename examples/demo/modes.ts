// The demo's one table of pooling modes: each entry names its options (kind,
// default, range) and how to run its forward and backward pass. The engine and
// the CPU reference share method names and signatures, so one entry serves both:
// `api` is the engine (GPU tensors) or `reference` (host tensors).
// To add a mode, add one entry here; the controls, gallery and tests follow.

export type OptionKind = 'int' | 'float' | 'bool' | 'padding' | 'select' | 'size';

export interface OptionSpec {
  key: string;
  kind: OptionKind;
  value: number | boolean | string;
  min?: number;
  max?: number;
  step?: number;
  choices?: string[];
  /** Left out of the call when the control holds this value (e.g. 'default'). */
  omitWhen?: unknown;
}

/** What a forward pass gives back: the pooled tensor, and what its backward needs. */
export interface Forward<T> {
  output: T;
  indices?: T | null;
  extra?: Record<string, unknown>;
}

export interface ModeSpec {
  id: string;
  name: string;
  blurb: string;
  options: OptionSpec[];
  /** In the gallery and the shift panel. */
  gallery?: boolean;
  /** Engine ops whose pipelines the page compiles at load (engine.prepare; a backward prepares its forward). */
  prepare: string[];
  forward(api: any, x: any, o: Record<string, unknown>): Forward<any>;
  /** The gradient with respect to the input for upstream gradient `g` (shaped like `output`). */
  backward(api: any, g: any, x: any, f: Forward<any>, o: Record<string, unknown>): any;
}

const kernel: OptionSpec = { key: 'kernel', kind: 'int', value: 3, min: 1, max: 8 };
const stride: OptionSpec = { key: 'stride', kind: 'int', value: 2, min: 1, max: 4 };
const padding: OptionSpec = { key: 'padding', kind: 'padding', value: '1', choices: ['0', '1', '2', 'same', 'valid'] };
const ceilMode: OptionSpec = { key: 'ceilMode', kind: 'bool', value: false };
const seed: OptionSpec = { key: 'seed', kind: 'int', value: 7, min: 0, max: 1_000_000 };

const plain = (fwd: string, bwd: string) => ({
  forward: (api: any, x: any, o: Record<string, unknown>) => ({ output: api[fwd](x, o) }),
  backward: (api: any, g: any, x: any, _f: Forward<any>, o: Record<string, unknown>) => api[bwd](g, x, o),
});

const withIndices = (fwd: string, bwd: string) => ({
  forward: (api: any, x: any, o: Record<string, unknown>) => {
    const r = api[fwd](x, o);
    return { output: r.output, indices: r.indices, extra: { samples: r.samples } };
  },
  backward: (api: any, g: any, x: any, f: Forward<any>, o: Record<string, unknown>) =>
    api[bwd](g, x, f.indices, f.extra?.samples ? { ...o, samples: f.extra.samples } : o),
});

export const MODES: ModeSpec[] = [
  {
    id: 'max',
    prepare: ['maxPoolBackward'],
    name: 'Max',
    gallery: true,
    blurb: 'The largest value of each window; its gradient goes to that one cell (the first maximum wins ties).',
    options: [kernel, stride, padding, { key: 'dilation', kind: 'int', value: 1, min: 1, max: 3 }, ceilMode],
    ...withIndices('maxPool', 'maxPoolBackward'),
  },
  {
    id: 'avg',
    prepare: ['avgPoolBackward'],
    name: 'Average',
    gallery: true,
    blurb: 'The mean of each window; its gradient spreads evenly over the window.',
    options: [
      kernel,
      stride,
      padding,
      ceilMode,
      { key: 'countIncludePad', kind: 'select', value: 'default', choices: ['default', 'true', 'false'], omitWhen: 'default' },
    ],
    ...plain('avgPool', 'avgPoolBackward'),
  },
  {
    id: 'lp',
    prepare: ['lpPoolBackward'],
    name: 'Power-average (Lp)',
    gallery: true,
    blurb: '(Σ xᵖ)^(1/p): p = 1 is a sum, large p approaches the max.',
    options: [{ key: 'p', kind: 'float', value: 3, min: 0.5, max: 16, step: 0.5 }, kernel, stride, ceilMode],
    ...plain('lpPool', 'lpPoolBackward'),
  },
  {
    id: 'stochastic',
    prepare: ['stochasticPoolBackward'],
    name: 'Stochastic (training)',
    gallery: true,
    blurb: 'Picks one cell per window with probability proportional to its value (Zeiler & Fergus); the gradient goes to the pick.',
    options: [kernel, stride, padding, seed],
    ...withIndices('stochasticPool', 'stochasticPoolBackward'),
  },
  {
    id: 'stochasticEval',
    prepare: ['stochasticPoolEvalBackward'],
    name: 'Stochastic (evaluation)',
    gallery: true,
    blurb: 'The probability-weighted average Σa²/Σa used at test time.',
    options: [kernel, stride, padding],
    ...plain('stochasticPoolEval', 'stochasticPoolEvalBackward'),
  },
  {
    id: 'soft',
    prepare: ['softPoolBackward'],
    name: 'SoftPool',
    gallery: true,
    blurb: 'A softmax-weighted average Σeˣ·x/Σeˣ (Stergiou et al.): between average and max.',
    options: [kernel, stride],
    ...plain('softPool', 'softPoolBackward'),
  },
  {
    id: 'mixed',
    prepare: ['mixedPoolBackward'],
    name: 'Mixed',
    gallery: true,
    blurb: 'λ·max + (1 − λ)·average over the same window (Yu et al.).',
    options: [{ key: 'lambda', kind: 'float', value: 0.5, min: 0, max: 1, step: 0.1 }, kernel, stride],
    ...plain('mixedPool', 'mixedPoolBackward'),
  },
  {
    id: 'fractional',
    prepare: ['fractionalMaxPoolBackward'],
    name: 'Fractional max',
    blurb: 'Max pooling over pseudo-random, overlapping windows that shrink the map by a non-integer ratio (Graham).',
    options: [
      { key: 'kernel', kind: 'int', value: 2, min: 1, max: 4 },
      { key: 'outputRatio', kind: 'float', value: 0.7, min: 0.1, max: 0.9, step: 0.05 },
      seed,
    ],
    ...withIndices('fractionalMaxPool', 'fractionalMaxPoolBackward'),
  },
  {
    id: 'adaptiveAvg',
    prepare: ['adaptiveAvgPoolBackward'],
    name: 'Adaptive average',
    blurb: "Average over PyTorch's bins so the output has a chosen size, whatever the input size.",
    options: [{ key: 'outputSize', kind: 'size', value: 12, min: 1, max: 96 }],
    ...plain('adaptiveAvgPool', 'adaptiveAvgPoolBackward'),
  },
  {
    id: 'adaptiveMax',
    prepare: ['adaptiveMaxPoolBackward'],
    name: 'Adaptive max',
    blurb: "Max over PyTorch's adaptive bins; outputs larger than the input are allowed.",
    options: [{ key: 'outputSize', kind: 'size', value: 12, min: 1, max: 96 }],
    ...withIndices('adaptiveMaxPool', 'adaptiveMaxPoolBackward'),
  },
  {
    id: 'globalAvg',
    prepare: ['globalAvgPoolBackward'],
    name: 'Global average',
    blurb: 'One average per channel (a parallel reduction on the GPU): the head of most CNNs.',
    options: [],
    forward: (api, x) => ({ output: api.globalAvgPool(x) }),
    backward: (api, g, x) => api.globalAvgPoolBackward(g, x),
  },
  {
    id: 'globalMax',
    prepare: ['globalMaxPoolBackward'],
    name: 'Global max',
    blurb: 'One maximum per channel; the gradient goes to the winning cell.',
    options: [],
    forward: (api, x) => {
      const r = api.globalMaxPool(x);
      return { output: r.output, indices: r.indices };
    },
    backward: (api, g, x, f) => api.globalMaxPoolBackward(g, x, f.indices),
  },
  {
    id: 'gem',
    prepare: ['gemPoolBackward'],
    name: 'GeM',
    blurb: 'Generalized mean (mean(max(x, eps)ᵖ))^(1/p) per channel; p is learnable.',
    options: [
      { key: 'p', kind: 'float', value: 3, min: 0.5, max: 12, step: 0.5 },
      { key: 'eps', kind: 'float', value: 1e-6, min: 1e-8, max: 0.1, step: 1e-6 },
    ],
    forward: (api, x, o) => ({ output: api.gemPool(x, o) }),
    backward: (api, g, x, _f, o) => api.gemPoolBackward(g, x, o).gradInput,
  },
  {
    id: 'pyramid',
    prepare: ['spatialPyramidPoolBackward'],
    name: 'Spatial pyramid',
    blurb: 'Adaptive pooling to 1×1, 2×2 and 4×4, flattened and concatenated (He et al.): a fixed-length vector from any image size.',
    options: [{ key: 'mode', kind: 'select', value: 'max', choices: ['max', 'avg'] }],
    forward: (api, x, o) => {
      const r = api.spatialPyramidPool(x, o);
      return { output: r.output, indices: r.indices };
    },
    backward: (api, g, x, f, o) => api.spatialPyramidPoolBackward(g, x, f.indices ?? null, o),
  },
  {
    id: 'unpool',
    prepare: ['maxPoolBackward'],
    name: 'Max unpooling',
    blurb: 'Max pooling, then each maximum put back at its index in a map of zeros.',
    options: [{ key: 'kernel', kind: 'int', value: 2, min: 1, max: 4 }],
    forward: (api, x, o) => {
      const m = api.maxPool(x, o);
      return { output: api.maxUnpool(m.output, m.indices, o), indices: m.indices, extra: { pooled: m.output } };
    },
    // The gradient reaches the input through both steps: unpooling gathers, max pooling sends it to the winners.
    backward: (api, g, x, f, o) => api.maxPoolBackward(api.maxUnpoolBackward(g, f.extra!.pooled, f.indices, o), x, f.indices, o),
  },
  {
    id: 'strip',
    prepare: ['stripPoolBackward', 'stripPoolExpandBackward'],
    name: 'Strip pooling',
    blurb: 'Row and column averages expanded and added back (Hou et al.): long-range context along each axis.',
    options: [],
    forward: (api, x) => {
      const s = api.stripPool(x);
      return { output: api.stripPoolExpand(s.rows, s.cols), extra: s };
    },
    backward: (api, g, x) => {
      const e = api.stripPoolExpandBackward(g);
      return api.stripPoolBackward(e, x);
    },
  },
];

/** The call's options from the controls' values (padding words and numbers, sizes, selects). */
export function optionsOf(mode: ModeSpec, values: Record<string, string | boolean>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const spec of mode.options) {
    const v = values[spec.key] ?? spec.value;
    if (spec.omitWhen !== undefined && v === spec.omitWhen) continue;
    if (spec.kind === 'bool') o[spec.key] = v === true || v === 'true';
    else if (spec.kind === 'padding') o[spec.key] = v === 'same' || v === 'valid' ? v : Number(v);
    else if (spec.kind === 'select') o[spec.key] = v === 'true' ? true : v === 'false' ? false : v;
    else if (spec.kind === 'size') o[spec.key] = [Number(v), Number(v)];
    else o[spec.key] = Number(v);
  }
  return o;
}

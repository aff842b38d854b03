// float16 on the GPU against the CPU reference's float16 semantics (reference.inFloat16):
// every op, forward and backward, on float16 tensors. Results the ops pick (max-style
// outputs, unpooling, indices) must be equal; the rest within one half ulp of the
// reference, plus the float32 rounding of a sum of `terms` terms of the inputs'
// magnitude (GPU and CPU may sum in other orders before the one rounding to half).
import type { PoolEngine, PoolTensor } from '../../src/index';
import { halfUlp, roundToHalf } from '../../src/half';
import * as reference from '../../src/reference/index';
import { randomData, type DataKind } from '../support/random';

export interface Float16Case {
  name: string;
  op: string;
  shape: number[];
  layout: string;
  options?: Record<string, unknown>;
  seed: number;
  /** The input's values (test/support/random.ts), rounded to half: 'normal' by default. */
  data?: DataKind;
}

/** Ops whose forward picks an input element: compared exactly (so are every index and unpooling). */
export const PICKING = ['maxPool', 'stochasticPool', 'adaptiveMaxPool', 'globalMaxPool', 'fractionalMaxPool', 'roiPool', 'maxUnpool'];

const ROIS = { data: [0, 0.5, 0.25, 5.5, 4.75, 1, 1, 1.5, 6, 6.5, 0, 2, 0, 3.25, 6], shape: [3, 5] };
const WITH_ROIS = ['roiAlign', 'roiPool', 'psRoiAlign', 'psRoiPool'];
const WITH_INDICES = ['maxPool', 'stochasticPool', 'adaptiveMaxPool', 'globalMaxPool', 'fractionalMaxPool', 'roiPool', 'spatialPyramidPool'];

type Api = Record<string, (...args: any[]) => any>;

/** The reference with every op in float16 semantics. */
const reference16: Api = new Proxy(reference as unknown as Api, {
  get: (target, name: string) => reference.inFloat16(target[name]),
});

export interface Float16Report {
  /** Per result: elements compared, the worst error in half ulps (exact results: mismatches), and the first bad element. */
  results: Record<string, { count: number; exact: boolean; bad: number; first: string | null }>;
  dtypes: string[];
}

/** Runs one case on the engine (float16 tensors) and the reference; compares every result. */
export async function runFloat16Case(engine: PoolEngine, c: Float16Case): Promise<Float16Report> {
  const size = c.shape.reduce((a, b) => a * b, 1);
  const data = roundToHalf(randomData(size, c.seed, c.data ?? 'normal'));
  const made: { destroy(): void }[] = [];
  const keep = <T extends { destroy(): void } | null>(t: T): T => {
    if (t) made.push(t);
    return t;
  };
  const gpuTensor = (values: Float32Array, shape: readonly number[], layout: string) =>
    keep(engine.tensor(values, shape, { layout: layout as never, dtype: 'float16' }));
  const hostTensor = (values: Float32Array, shape: readonly number[], layout: string) => reference.hostTensor(values, shape, layout as never);
  const report: Float16Report = { results: {}, dtypes: [] };
  const compare = async (key: string, got: PoolTensor<any> | null, want: { data: ArrayLike<number> } | null, terms: number, exact: boolean) => {
    if (!got || !want) return;
    report.dtypes.push(`${key}:${got.dtype}`);
    const values = await got.read();
    let bad = 0;
    let first: string | null = null;
    for (let i = 0; i < values.length; i++) {
      const g = values[i];
      const w = want.data[i];
      const ok = Number.isNaN(w) ? Number.isNaN(g) : exact ? g === w : g === w || Math.abs(g - w) <= halfUlp(w) + terms * 4 * 2 ** -23;
      if (!ok) {
        bad++;
        first ??= `[${i}] got ${g}, want ${w}`;
      }
    }
    report.results[key] = { count: values.length, exact, bad, first };
  };
  const x = gpuTensor(data, c.shape, c.layout);
  const hx = hostTensor(data, c.shape, c.layout);
  let options = c.options ?? {};
  const rois = WITH_ROIS.includes(c.op) ? [ROIS] : [];
  const first = (r: any) => r.output ?? r.rows ?? r;
  const exact = PICKING.includes(c.op) || (c.op === 'spatialPyramidPool' && options.mode === 'max');
  const plane = c.shape.reduce((a, b) => a * b, 1) / c.shape[0];

  if (c.op === 'maxUnpool') {
    const pooled = engine.maxPool(x, options as never);
    keep(pooled.output);
    keep(pooled.indices);
    const idx = reference.hostTensor(await pooled.indices.read(), pooled.indices.shape, pooled.indices.layout);
    const values = hostTensor(await pooled.output.read(), pooled.output.shape, pooled.output.layout);
    const y = keep(engine.maxUnpool(pooled.output, pooled.indices, options as never));
    const want = reference16.maxUnpool(values, idx, options);
    await compare('output', y, want, 1, true);
    const g = roundToHalf(randomData(y.size, c.seed + 1, 'normal'));
    const gx = keep(engine.maxUnpoolBackward(gpuTensor(g, y.shape, y.layout), pooled.output, pooled.indices, options as never));
    await compare('gradInput', gx, reference16.maxUnpoolBackward(hostTensor(g, y.shape, y.layout), values, idx, options), 1, true);
    for (const t of made) t.destroy();
    return report;
  }
  if (c.op === 'stripPoolExpand') {
    const strips = engine.stripPool(x);
    keep(strips.rows);
    keep(strips.cols);
    const rows = hostTensor(await strips.rows.read(), strips.rows.shape, strips.rows.layout);
    const cols = hostTensor(await strips.cols.read(), strips.cols.shape, strips.cols.layout);
    const y = keep(engine.stripPoolExpand(strips.rows, strips.cols));
    await compare('output', y, reference16.stripPoolExpand(rows, cols), 2, false);
    const g = roundToHalf(randomData(y.size, c.seed + 1, 'normal'));
    const back = engine.stripPoolExpandBackward(gpuTensor(g, y.shape, y.layout));
    keep(back.rows);
    keep(back.cols);
    const want = reference16.stripPoolExpandBackward(hostTensor(g, y.shape, y.layout));
    await compare('gradRows', back.rows, want.rows, plane, false);
    await compare('gradCols', back.cols, want.cols, plane, false);
    for (const t of made) t.destroy();
    return report;
  }

  const api = engine as unknown as Api;
  // Global ops take no options.
  const opts = c.options ? [options] : [];
  const fwd = api[c.op].call(engine, x, ...rois, ...opts);
  if (c.op === 'fractionalMaxPool') options = { ...options, samples: fwd.samples };
  const want = reference16[c.op](hx, ...rois, ...(c.options ? [options] : []));
  for (const key of ['output', 'rows', 'cols']) if (fwd[key]) keep(fwd[key]);
  if (fwd.indices) keep(fwd.indices);
  if ('dtype' in fwd) keep(fwd);
  if (c.op === 'stripPool') {
    await compare('rows', fwd.rows, want.rows, plane, false);
    await compare('cols', fwd.cols, want.cols, plane, false);
  } else {
    await compare('output', first(fwd), first(want), plane, exact);
  }
  if (fwd.indices) await compare('indices', fwd.indices, want.indices, 0, true);

  // Backward of a float16 gradient shaped like the forward's result.
  const out = first(fwd) as PoolTensor<any>;
  const g = roundToHalf(randomData(out.size, c.seed + 1, 'normal'));
  const gg = gpuTensor(g, out.shape, out.layout);
  const hg = hostTensor(g, out.shape, out.layout);
  let got: any;
  let wantBack: any;
  if (c.op === 'stripPool') {
    const gc = roundToHalf(randomData(fwd.cols.size, c.seed + 2, 'normal'));
    got = engine.stripPoolBackward({ rows: gg, cols: gpuTensor(gc, fwd.cols.shape, fwd.cols.layout) }, x);
    wantBack = reference16.stripPoolBackward({ rows: hg, cols: hostTensor(gc, fwd.cols.shape, fwd.cols.layout) }, hx);
  } else if (WITH_INDICES.includes(c.op) && (fwd.indices || c.op !== 'spatialPyramidPool')) {
    const hi = reference.hostTensor(await fwd.indices.read(), fwd.indices.shape, fwd.indices.layout);
    got = api[`${c.op}Backward`].call(engine, gg, x, ...rois, fwd.indices, ...(c.options ? [options] : []));
    wantBack = reference16[`${c.op}Backward`](hg, hx, ...rois, hi, ...(c.options ? [options] : []));
  } else if (c.op === 'spatialPyramidPool') {
    got = engine.spatialPyramidPoolBackward(gg, x, null, options as never);
    wantBack = reference16.spatialPyramidPoolBackward(hg, hx, null, options);
  } else if (c.op === 'globalAvgPool') {
    got = engine.globalAvgPoolBackward(gg, x);
    wantBack = reference16.globalAvgPoolBackward(hg, hx);
  } else {
    got = api[`${c.op}Backward`].call(engine, gg, x, ...rois, options);
    wantBack = reference16[`${c.op}Backward`](hg, hx, ...rois, options);
  }
  if (c.op === 'gemPool') {
    keep(got.gradP);
    await compare('gradP', got.gradP, wantBack.gradP, size, false);
    got = got.gradInput;
    wantBack = wantBack.gradInput;
  }
  keep(got);
  // Gradients sum over the windows that reach an element (picked ones included).
  await compare('gradInput', got, wantBack, plane, false);
  for (const t of made) t.destroy();
  return report;
}

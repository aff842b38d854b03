// Whole-map and binned pooling (global, adaptive, spatial pyramid, strip, GeM)
// on real WebGPU: GPU against the CPU reference over parameter grids, forward
// and backward, both layouts, both workgroup-reduction variants (GeM); typed errors before any
// GPU work. Every grid case is a test of its own, named after its parameters
// (`npx vitest run -t "<case name>"` runs just that one), and runs in a GPU error
// scope of its own.
import { describe, expect, it } from 'vitest';
import { unaddressable } from '../support/case-name';
import { useHarnessPage } from '../support/page';
import {
  describeCase,
  adaptiveGrid,
  gemGrid,
  globalGrid,
  largeReductionCases,
  pyramidGrid,
  smallMapGrid,
  stripGrid,
  walkingBackwardCases,
  type BinnedCase,
} from '../support/binned-grid';
import { reduceBackwardSteps } from '../../src/ops/reduce';
import { float16Slice } from '../support/window-grid';

const harness = useHarnessPage();
const evaluate = <T>(fn: () => Promise<T> | T): Promise<T> => harness().page.evaluate(fn);

/** Runs one case in the page; its failure lines (a GPU error throws, naming the case). */
const runCase = (c: BinnedCase): Promise<string[]> => harness().page.evaluate((cs) => (window as any).harness.runBinnedCase(cs), c);

/** Every case's name, for the check that -t selects each alone. */
const names: string[] = [];

/** One test per case, named after the case. */
function caseTests(cases: BinnedCase[]) {
  for (const c of cases) {
    names.push(c.name);
    it(c.name, async () => expect(await runCase(c)).toEqual([]));
  }
}

describe('whole-map and binned pooling, GPU against CPU reference', () => {
  it('this device has subgroups; a second engine is forced onto workgroup memory', async () => {
    const result = await evaluate(async () => {
      const { engine, pool } = (window as any).harness;
      const fallback = await pool.createPoolEngine({ device: engine.device, subgroups: false });
      const r = { device: engine.device.features.has('subgroups'), engine: engine.subgroups, fallback: fallback.subgroups };
      fallback.destroy();
      return r;
    });
    expect(result).toEqual({ device: true, engine: true, fallback: false });
  });

  const global = globalGrid(31);
  describe(`global avg and max: ${global.length} cases, ranks 1–3, both layouts`, () => caseTests(global));

  const small = smallMapGrid(37);
  describe(`global avg, max and GeM of small maps (one row per thread): ${small.length} cases, both layouts`, () => {
    it('draws channels-last maps with whole vec4s of channels', () => {
      expect(small.filter((c) => c.channelsLast && c.shape[1] % 4 === 0).length).toBeGreaterThan(5);
    });
    caseTests(small);
  });

  const large = largeReductionCases();
  describe(`global avg and max of 1×512×64×64, of maps of three passes and of 66,000 rows: ${large.length} cases, both layouts`, () => caseTests(large));

  const stepsOf = (c: BinnedCase) =>
    reduceBackwardSteps({ batch: c.shape[0], channels: c.shape[1], spatial: c.shape.slice(2) }, c.channelsLast, c.parallelism!);
  const walking = walkingBackwardCases(41, (c) => stepsOf(c) ?? 0);
  describe(`global avg and max backward walking 4 elements a step: ${walking.length} cases at every steps per thread they allow`, () => {
    it('draws cases that take the walking kernel, most at several steps per thread', () => {
      expect(walking.every((c) => stepsOf(c) !== null)).toBe(true);
      expect(walking.filter((c) => stepsOf(c)! > 1).length).toBeGreaterThan(walking.length / 2);
    });
    caseTests(walking);
  });

  const adaptive = adaptiveGrid(47, 48);
  describe(`adaptive avg and max: ${adaptive.length} cases, outputs smaller and larger, null entries, 1×…×1`, () => {
    it('draws outputs larger than the input and null entries', () => {
      const sizes = adaptive.map((c) => ({ out: c.options.outputSize, spatial: c.shape.slice(2) }));
      const larger = sizes.filter(({ out, spatial }) => Array.isArray(out) && out.some((o, i) => o !== null && o > spatial[i]));
      expect(larger.length).toBeGreaterThan(5);
      expect(sizes.filter(({ out }) => Array.isArray(out) && out.includes(null)).length).toBeGreaterThan(3);
    });
    caseTests(adaptive);
  });

  const pyramid = pyramidGrid(53);
  describe(`spatial pyramid pooling: ${pyramid.length} cases, levels, both modes and layouts`, () => caseTests(pyramid));

  const strip = stripGrid(59);
  describe(`strip pooling and expand-and-add: ${strip.length} cases, both layouts`, () => caseTests(strip));

  const gem = gemGrid(61);
  describe(`GeM: ${gem.length} cases, p and eps, both layouts and variants, gradient wrt p`, () => caseTests(gem));

  const base = { options: {}, channelsLast: false, subgroups: true, seed: 5 };
  const handPicked: BinnedCase[] = [
    { ...base, name: 'hand-picked globalMax ties subgroups', op: 'globalMax', shape: [2, 3, 17, 19], data: 'ties' },
    {
      ...base,
      name: 'hand-picked globalMax ties workgroup-memory NHWC',
      op: 'globalMax',
      shape: [2, 3, 17, 19],
      data: 'ties',
      channelsLast: true,
      subgroups: false,
    },
    { ...base, name: 'hand-picked globalMax NaN subgroups', op: 'globalMax', shape: [3, 5, 40, 40], data: 'nan' },
    { ...base, name: 'hand-picked globalMax NaN workgroup-memory', op: 'globalMax', shape: [3, 5, 40, 40], data: 'nan', subgroups: false },
    { ...base, name: 'hand-picked adaptiveMax 1x1 = global, NaN', op: 'adaptiveMax', shape: [2, 3, 9, 9], data: 'nan', options: { outputSize: 1 } },
    { ...base, name: 'hand-picked adaptiveMax larger output ties', op: 'adaptiveMax', shape: [1, 2, 3, 4], data: 'ties', options: { outputSize: [7, 9] } },
    { ...base, name: 'hand-picked globalAvg single element', op: 'globalAvg', shape: [2, 3, 1, 1], data: 'normal', subgroups: false },
    // Bins that tile the input evenly run as window pooling (kernel = stride = in / out).
    {
      ...base,
      name: 'hand-picked adaptiveAvg 14->7 even bins NHWC',
      op: 'adaptiveAvg',
      shape: [2, 8, 14, 14],
      data: 'normal',
      channelsLast: true,
      options: { outputSize: 7 },
    },
    {
      ...base,
      name: 'hand-picked adaptiveMax 14->7 even bins NHWC NaN',
      op: 'adaptiveMax',
      shape: [2, 8, 14, 14],
      data: 'nan',
      channelsLast: true,
      options: { outputSize: 7 },
    },
    {
      ...base,
      name: 'hand-picked adaptiveMax 16->8,4 even bins NCHW ties',
      op: 'adaptiveMax',
      shape: [1, 3, 16, 16],
      data: 'ties',
      options: { outputSize: [8, 4] },
    },
    {
      ...base,
      name: 'hand-picked adaptiveAvg 16x16->8x8 even bins NCHW',
      op: 'adaptiveAvg',
      shape: [2, 3, 16, 16],
      data: 'normal',
      options: { outputSize: 8 },
    },
    {
      ...base,
      name: 'hand-picked adaptiveAvg 20->5,null even bins, kernel 4',
      op: 'adaptiveAvg',
      shape: [1, 4, 20, 6],
      data: 'normal',
      channelsLast: true,
      options: { outputSize: [5, null] },
    },
  ];
  describe('hand-picked cases: ties, NaN, one-element maps, even bins', () => caseTests(handPicked));

  // The float16 slice: every FLOAT16_EVERY-th case of each grid again with float16 tensors
  // (binned-cases.ts: picked results exact, the rest within one half ulp of the
  // reference's float16 semantics), and the hand-picked cases.
  const FLOAT16_EVERY = Number(process.env.FLOAT16_EVERY ?? 5);
  const half = [global, small, large, walking, adaptive, pyramid, strip, gem].flatMap((cases) => float16Slice(cases, FLOAT16_EVERY, describeCase));
  const halfHandPicked: BinnedCase[] = handPicked.map((c) => ({ ...c, dtype: 'float16', name: c.name.replace('hand-picked', 'hand-picked dtype=float16') }));
  describe(`float16: ${half.length} cases of the grids and ${halfHandPicked.length} hand-picked, every op, ranks 1–3, both layouts`, () => {
    it('covers every op and variant, ranks 1–3 and both layouts', () => {
      const ops = ['globalAvg', 'globalMax', 'adaptiveAvg', 'adaptiveMax', 'pyramid', 'strip', 'stripExpand', 'gem'];
      expect(half.every((c) => c.dtype === 'float16' && c.name.includes(' dtype=float16 '))).toBe(true);
      for (const op of ops) {
        const of = half.filter((c) => c.op === op);
        expect(of.some((c) => c.channelsLast) && of.some((c) => !c.channelsLast), op).toBe(true);
      }
      for (const op of ['globalAvg', 'globalMax', 'adaptiveAvg', 'adaptiveMax'])
        expect(new Set(half.filter((c) => c.op === op).map((c) => c.shape.length - 2)), op).toEqual(new Set([1, 2, 3]));
      expect(new Set(half.filter((c) => c.op === 'gem').map((c) => c.subgroups))).toEqual(new Set([true, false]));
      expect(new Set(half.filter((c) => c.op === 'pyramid').map((c) => c.options.mode ?? 'max'))).toEqual(new Set(['max', 'avg']));
    });
    caseTests(half);
    caseTests(halfHandPicked);
  });

  it('names every case so that -t selects it alone', ({ task }) => {
    expect(unaddressable(task.file, names)).toEqual([]);
  });

  it('a max pyramid without indices pools the values it pools with them, on both kernels, ties and NaN included', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        // parallelism 64: the one-pass channels kernel (pyramidKernel); the default engine: per-feature for 1×6 planes.
        const channels = await pool.createPoolEngine({ device: engine.device, parallelism: 64 });
        const out: Record<string, boolean> = {};
        const data = new Float32Array(6 * 11 * 9).map((_, i) => (i % 7 === 3 ? NaN : Math.floor((i * 37) % 5)));
        for (const [name, e] of [
          ['default', engine],
          ['channels', channels],
        ] as const)
          for (const levels of [
            [1, 2, 4],
            [1, 3, 6],
            [2, 3],
          ])
            for (const layout of ['NCHW', 'NHWC']) {
              const x = e.tensor(data, layout === 'NCHW' ? [1, 6, 11, 9] : [1, 11, 9, 6], layout);
              const withIndices = e.spatialPyramidPool(x, { levels });
              const without = e.spatialPyramidPool(x, { levels, indices: false });
              const [a, b] = [await withIndices.output.read(), await without.output.read()];
              out[`${name} ${levels} ${layout}`] = without.indices === null && a.every((v: number, i: number) => Object.is(v, b[i]));
              for (const t of [x, withIndices.output, withIndices.indices, without.output]) t.destroy();
            }
        channels.destroy();
        return out;
      }),
    );
    expect(Object.keys(result).length).toBe(12);
    expect(Object.entries(result).filter(([, same]) => !same)).toEqual([]);
  });

  it('global max of a map of -Infinity and of one whose maximum repeats: indices follow PyTorch', async () => {
    // A map of -Infinity and one NaN-free map whose maximum repeats: indices must match PyTorch's rule.
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const fallback = await pool.createPoolEngine({ device: engine.device, subgroups: false });
        const out: string[][] = [];
        for (const e of [engine, fallback]) {
          const data = new Float32Array(2 * 600).fill(-Infinity);
          data[600 + 300] = 2;
          data[600 + 450] = 2;
          const x = e.tensor(data, [1, 2, 600]);
          const m = e.globalMaxPool(x);
          out.push([...(await m.output.read()), ...(await m.indices.read())].map(String));
          for (const t of [x, m.output, m.indices]) t.destroy();
        }
        fallback.destroy();
        return out;
      }),
    );
    // Values as strings: -Infinity does not survive the page's JSON.
    expect(result).toEqual([
      ['-Infinity', '2', '0', '300'],
      ['-Infinity', '2', '0', '300'],
    ]);
  });

  it('gives bit-identical results and gradients on every run', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine } = (window as any).harness;
        const data = Float32Array.from({ length: 2 * 5 * 23 * 19 }, (_, i) => Math.abs(Math.cos(i * 1.3)));
        const x = engine.tensor(data, [2, 23, 19, 5], 'NHWC');
        const g = engine.tensor(
          Float32Array.from({ length: 10 }, (_, i) => Math.sin(i)),
          [2, 1, 1, 5],
          'NHWC',
        );
        const ga = engine.tensor(
          Float32Array.from({ length: 2 * 5 * 7 * 30 }, (_, i) => Math.sin(i)),
          [2, 7, 30, 5],
          'NHWC',
        );
        const bits = async (t: any) => {
          const s = Array.from(new Uint32Array((await t.read()).buffer)).join();
          t.destroy();
          return s;
        };
        const runs: string[] = [];
        for (let r = 0; r < 3; r++) {
          const gem = engine.gemPoolBackward(g, x, { p: 3 });
          runs.push(
            [
              await bits(engine.globalAvgPool(x)),
              await bits(gem.gradInput),
              await bits(gem.gradP),
              await bits(engine.adaptiveAvgPoolBackward(ga, x, { outputSize: [7, 30] })),
            ].join('|'),
          );
        }
        for (const t of [x, g, ga]) t.destroy();
        return runs[0] === runs[1] && runs[1] === runs[2];
      }),
    );
    expect(result).toBe(true);
  });

  it('chains the ops on the GPU: SPP of adaptive pooling, strip pooling expanded back', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const ref = pool.reference;
        const data = Float32Array.from({ length: 2 * 3 * 15 * 13 }, (_, i) => Math.sin(i * 0.37));
        const x = engine.tensor(data, [2, 3, 15, 13]);
        const a = engine.adaptiveAvgPool(x, { outputSize: [10, null] });
        const s = engine.stripPool(a);
        const e = engine.stripPoolExpand(s.rows, s.cols);
        const spp = engine.spatialPyramidPool(e, { levels: [1, 2], mode: 'avg' });
        const got = await spp.output.read();
        const hx = ref.hostTensor(data, [2, 3, 15, 13]);
        const hs = ref.stripPool(ref.adaptiveAvgPool(hx, { outputSize: [10, null] }));
        const want = ref.spatialPyramidPool(ref.stripPoolExpand(hs.rows, hs.cols), { levels: [1, 2], mode: 'avg' }).output;
        let worst = got.length === want.data.length ? 0 : Infinity;
        want.data.forEach((v: number, i: number) => (worst = Math.max(worst, Math.abs(v - got[i]))));
        const shape = spp.output.shape;
        for (const t of [x, a, s.rows, s.cols, e, spp.output]) t.destroy();
        return { worst, shape, layout: want.layout };
      }),
    );
    expect(result.shape).toEqual([2, 15]);
    expect(result.layout).toBe('NC');
    expect(result.worst).toBeLessThan(1e-5);
  });
});

describe('bad binned calls: typed error, no GPU work, nothing allocated', () => {
  it('raises each typed error before touching the GPU', async () => {
    const result = await evaluate(() =>
      (window as any).harness.withErrorScope(async () => {
        const { engine, pool } = (window as any).harness;
        const x = engine.tensor(new Float32Array(2 * 3 * 8 * 6), [2, 3, 8, 6]);
        const x1 = engine.tensor(new Float32Array(2 * 3 * 8), [2, 3, 8]);
        const x3 = engine.tensor(new Float32Array(3 * 8), [1, 3, 2, 2, 2]);
        const flat = engine.tensor(new Float32Array(6), [2, 3], 'NC');
        const rowsNhwc = engine.tensor(new Float32Array(2 * 3 * 8), [2, 8, 1, 3], 'NHWC');
        const cols = engine.tensor(new Float32Array(2 * 3 * 6), [2, 3, 1, 6]);
        const g = engine.tensor(new Float32Array(6), [2, 3, 1, 1]);
        const m = engine.globalMaxPool(x);
        const spp = engine.spatialPyramidPool(x);
        const gem = engine.gemPoolBackward(g, x);
        for (const t of [m.output, m.indices, spp.output, spp.indices, gem.gradInput, gem.gradP]) t.destroy();
        const before = engine.stats();
        const calls: [string, () => unknown][] = [
          ['empty levels', () => engine.spatialPyramidPool(x, { levels: [] })],
          ['level 0', () => engine.spatialPyramidPool(x, { levels: [1, 0] })],
          ['spp mode', () => engine.spatialPyramidPool(x, { mode: 'sum' })],
          ['spp rank', () => engine.spatialPyramidPool(x1)],
          ['zero output size', () => engine.adaptiveAvgPool(x, { outputSize: [0, 2] })],
          ['fractional output size', () => engine.adaptiveMaxPool(x, { outputSize: 2.5 })],
          ['NaN output size', () => engine.adaptiveAvgPool(x, { outputSize: [NaN, 2] })],
          ['output size length', () => engine.adaptiveAvgPool(x, { outputSize: [2, 2, 2] })],
          ['adaptive rank 0', () => engine.adaptiveAvgPool(flat, { outputSize: 1 })],
          ['global rank 0', () => engine.globalMaxPool(flat)],
          ['p = 0', () => engine.gemPool(x, { p: 0 })],
          ['p < 0', () => engine.gemPool(x, { p: -3 })],
          ['p NaN', () => engine.gemPool(x, { p: NaN })],
          ['eps = 0', () => engine.gemPool(x, { eps: 0 })],
          ['eps < 0', () => engine.gemPoolBackward(g, x, { eps: -1e-6 })],
          ['gem rank', () => engine.gemPool(x3)],
          ['gem option', () => engine.gemPool(x, { p: 3, kernel: 2 })],
          ['strip rank', () => engine.stripPool(x1)],
          ['expand layouts', () => engine.stripPoolExpand(rowsNhwc, cols)],
          ['global grad shape', () => engine.globalAvgPoolBackward(x, x)],
          ['spp indices missing', () => engine.spatialPyramidPoolBackward(flat, x, null, { levels: [1] })],
        ];
        const out: Record<string, string> = {};
        for (const [name, call] of calls) {
          try {
            call();
            out[name] = 'no error';
          } catch (e: any) {
            out[name] = e instanceof pool.PoolError ? `${e.code}: ${e.message}` : `untyped: ${e}`;
          }
        }
        const after = engine.stats();
        for (const t of [x, x1, x3, flat, rowsNhwc, cols, g]) t.destroy();
        return { out, before, after };
      }),
    );
    expect(result.after).toEqual(result.before);
    const o = result.out;
    expect(o['empty levels']).toMatch(/^INVALID_LEVELS: levels = \[\]: must be a non-empty list/);
    expect(o['level 0']).toMatch(/^INVALID_LEVELS: levels = \[1, 0\]: must hold positive integers/);
    expect(o['spp mode']).toMatch(/^INVALID_MODE: mode = "sum"/);
    expect(o['spp rank']).toMatch(/^INVALID_RANK: input = .*spatial pyramid pooling needs spatial rank 2/);
    expect(o['zero output size']).toMatch(/^EMPTY_OUTPUT: outputSize = \[0, 2\]: gives an empty output in dimension 0/);
    expect(o['fractional output size']).toMatch(/^INVALID_OUTPUT_SIZE: outputSize = 2.5: must hold positive integers/);
    expect(o['NaN output size']).toMatch(/^NOT_FINITE: outputSize = \[NaN, 2\]/);
    expect(o['output size length']).toMatch(/^INVALID_OUTPUT_SIZE: outputSize = \[2, 2, 2\]: must be a number or 2 entries/);
    expect(o['adaptive rank 0']).toMatch(/^INVALID_RANK: input = /);
    expect(o['global rank 0']).toMatch(/^INVALID_RANK: input = /);
    expect(o['p = 0']).toMatch(/^INVALID_P: p = 0: must be greater than 0/);
    expect(o['p < 0']).toMatch(/^INVALID_P: p = -3: must be greater than 0/);
    expect(o['p NaN']).toMatch(/^NOT_FINITE: p = NaN/);
    expect(o['eps = 0']).toMatch(/^INVALID_EPS: eps = 0: must be greater than 0/);
    expect(o['eps < 0']).toMatch(/^INVALID_EPS: eps = -0.000001: must be greater than 0/);
    expect(o['gem rank']).toMatch(/^INVALID_RANK: input = .*GeM pooling needs spatial rank 2/);
    expect(o['gem option']).toMatch(/^INVALID_OPTION: kernel = 2: is not an option of GeM pooling/);
    expect(o['strip rank']).toMatch(/^INVALID_RANK: input = .*strip pooling needs spatial rank 2/);
    expect(o['expand layouts']).toMatch(/^SHAPE_MISMATCH: cols.shape = \[2, 3, 1, 6\]: must be a column strip/);
    expect(o['global grad shape']).toMatch(/^SHAPE_MISMATCH: gradOutput.shape = \[2, 3, 8, 6\]: must be the forward output shape \[2, 3, 1, 1\]/);
    expect(o['spp indices missing']).toMatch(/^NO_INDICES: indices = null: came from a forward call with indices: false/);
  });

  it('logged no browser errors', () => {
    expect(harness().errors).toEqual([]);
  });
});

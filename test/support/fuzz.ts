// Seeded fuzzing of the engine against the CPU reference: random valid calls
// (every op, rank, layout and pass, with odd shapes) and random invalid calls,
// which must raise the typed PoolError and nothing else. FUZZ_SEED and FUZZ_CASES
// choose the run; a failure names the seed and the call so it can be replayed.
import { windowSpec, type WindowMode } from '../../src/window-spec';
import { pick, rng } from './random';
import { describeWindowCase, windowGrid, type WindowCase } from './window-grid';
import { adaptiveGrid, describeCase, gemGrid, globalGrid, pyramidGrid, stripGrid, type BinnedCase } from './binned-grid';
import { optionsText, shapeText } from './case-name';

export interface InvalidCase {
  name: string;
  mode: WindowMode;
  shape: number[];
  channelsLast: boolean;
  options: Record<string, unknown>;
}

const MODES: WindowMode[] = ['max', 'avg', 'lp', 'soft', 'mixed', 'stochasticEval', 'stochastic'];

/** `count` valid cases drawn from `seed`, spread over modes and ranks. */
export function fuzzValid(seed: number, count: number): WindowCase[] {
  const r = rng(seed);
  const out: WindowCase[] = [];
  let batch = 0;
  while (out.length < count) {
    const mode = pick(r, MODES);
    const rank = 1 + Math.floor(r() * 3);
    const drawn = windowGrid(mode, rank, Math.min(8, count - out.length), Math.floor(r() * 2 ** 31));
    for (const c of drawn) {
      c.data = pick(r, ['normal', 'ties', 'nan', 'special', 'positive'] as const);
      c.channelsLast = r() < 0.5;
      c.name = `fuzz seed=${seed} #${out.length} ${describeWindowCase(c)}`;
      out.push(c);
    }
    batch++;
  }
  return out;
}

/** Ways to break a valid call; each must give a PoolError. */
const BREAKERS: ((o: Record<string, unknown>, rank: number, r: () => number) => Record<string, unknown>)[] = [
  (o) => ({ ...o, kernel: 0 }),
  (o) => ({ ...o, kernel: 2.5 }),
  (o, rank) => ({ ...o, kernel: new Array(rank + 1).fill(2) }),
  (o) => ({ ...o, stride: -1 }),
  (o) => ({ ...o, stride: NaN }),
  (o) => ({ ...o, kernel: 3, padding: 5 }),
  (o) => ({ ...o, kernel: 100000 }),
  (o) => ({ ...o, ceilMode: 'yes' }),
  (o) => ({ ...o, padding: 'full' }),
  (o) => ({ ...o, unknownOption: 1 }),
  (o) => ('p' in o ? { ...o, p: -1 } : { ...o, dilation: 0 }),
  (o) => ('p' in o ? { ...o, p: Infinity } : { ...o, kernel: Infinity }),
];

/** `count` invalid calls drawn from `seed`: valid ones with one parameter broken. */
export function fuzzInvalid(seed: number, count: number): InvalidCase[] {
  const r = rng(seed ^ 0x5bd1e995);
  const out: InvalidCase[] = [];
  for (const c of fuzzValid(seed + 1, count)) {
    const rank = c.shape.length - 2;
    const options = pick(r, BREAKERS)(c.options, rank, r);
    let valid = true;
    try {
      windowSpec(c.mode, c.shape.slice(2), options);
    } catch {
      valid = false;
    }
    if (valid) continue; // the breaker happened to keep it valid (e.g. dilation on avg is caught elsewhere)
    out.push({
      name: `fuzz-invalid seed=${seed} #${out.length} ${c.mode} x=${shapeText(c.shape)} ${optionsText(options)}`,
      mode: c.mode,
      shape: c.shape,
      channelsLast: c.channelsLast,
      options,
    });
  }
  return out;
}

export function fuzzSettings(env: Record<string, string | undefined>): { seed: number; cases: number } {
  const seed = env.FUZZ_SEED ? Number(env.FUZZ_SEED) : 20261122;
  const cases = env.FUZZ_CASES ? Number(env.FUZZ_CASES) : 300;
  if (!Number.isInteger(seed) || !Number.isInteger(cases) || cases < 1) throw new Error(`bad FUZZ_SEED=${env.FUZZ_SEED} or FUZZ_CASES=${env.FUZZ_CASES}`);
  return { seed, cases };
}

/**
 * `count` valid whole-map and binned calls (global, adaptive, pyramid, strip,
 * GeM) drawn from `seed`: cases of the binned grids under fresh seeds, with
 * random data kinds (special values included) and layouts.
 */
export function fuzzBinned(seed: number, count: number): BinnedCase[] {
  const r = rng(seed ^ 0x2545f491);
  const out: BinnedCase[] = [];
  while (out.length < count) {
    const s = Math.floor(r() * 2 ** 20);
    const pool = pick(r, [() => globalGrid(s), () => adaptiveGrid(s, 8), () => pyramidGrid(s), () => stripGrid(s), () => gemGrid(s)])();
    const c = { ...pick(r, pool) };
    // GeM is defined for positive inputs (it clamps at eps); the others take anything.
    c.data = c.op === 'gem' ? 'positive' : pick(r, ['normal', 'ties', 'nan', 'special'] as const);
    c.channelsLast = r() < 0.5;
    c.subgroups = r() < 0.5;
    c.seed = s;
    c.name = `fuzz seed=${seed} #${out.length} ${describeCase(c)}`;
    out.push(c);
  }
  return out;
}

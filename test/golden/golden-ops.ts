// Golden cases (../shared/golden, format in its README) run through a backend:
// the CPU reference or the GPU engine, in channels-first or channels-last.
// Used by the golden runner (CPU in Node, GPU in the page) and the Node tests.
import type { PoolEngine } from '../../src/index';
import { dimsOf, layoutFor, relayout, shapeOf, type Dims, type Layout, type SpatialRank } from '../../src/layout';
import * as reference from '../../src/reference/index';
import { mismatches, type Tolerance } from '../support/compare';

/** Ops the engine does not have yet: their cases count as pending. One list, here. */
export const PENDING_OPS: readonly string[] = [
  'adaptiveMaxPool',
  'adaptiveAvgPool',
  'globalAvgPool',
  'globalMaxPool',
  'maxUnpool',
  'fractionalMaxPool',
  'stochasticPoolEval',
  'spatialPyramidPool',
  'stripPool',
  'gemPool',
  'softPool',
  'mixedPool',
];

export const SUPPORTED_OPS = ['maxPool', 'avgPool', 'lpPool'] as const;
export type SupportedOp = (typeof SUPPORTED_OPS)[number];

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
  output?: GoldenTensor;
  indices?: GoldenTensor;
  gradOutput?: GoldenTensor;
  gradInput?: GoldenTensor;
  tolerance?: Tolerance;
}

export function toNumbers(data: GoldenNumber[]): number[] {
  return data.map((v) => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v)));
}

/** Parses a golden file's text, accepting Python's bare NaN / Infinity tokens. */
export function parseGolden(text: string): { cases: GoldenCase[] } {
  const safe = text.replace(/(?<=[[,:\s])(-?Infinity|NaN)(?=[\s,\]}])/g, '"$1"');
  return JSON.parse(safe);
}

/** The engine's options for a golden case's params. */
export function optionsOf(c: GoldenCase): Record<string, unknown> {
  const p = c.params;
  const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
  if (c.op === 'maxPool') return pick('kernel', 'stride', 'padding', 'dilation', 'ceilMode');
  if (c.op === 'avgPool') return pick('kernel', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride');
  if (c.op === 'lpPool') return pick('p', 'kernel', 'stride', 'ceilMode');
  throw new Error(`no options mapping for op ${c.op}`);
}

interface BackendInput {
  op: SupportedOp;
  data: Float32Array;
  shape: number[];
  layout: Layout;
  options: Record<string, unknown>;
  gradOutput: Float32Array | null;
}

interface BackendResult {
  output: Float32Array;
  indices?: Int32Array;
  gradInput?: Float32Array;
}

export interface Backend {
  name: string;
  run(input: BackendInput): Promise<BackendResult>;
}

export const cpuBackend: Backend = {
  name: 'cpu',
  async run({ op, data, shape, layout, options, gradOutput }) {
    const x = reference.hostTensor(data, shape, layout);
    if (op === 'maxPool') {
      const { output, indices } = reference.maxPool(x, options as never);
      const gradInput = gradOutput && reference.maxPoolBackward(reference.hostTensor(gradOutput, output.shape, layout), x, indices, options as never).data;
      return { output: output.data, indices: indices.data, gradInput: gradInput ?? undefined };
    }
    const fwd = op === 'avgPool' ? reference.avgPool : reference.lpPool;
    const bwd = op === 'avgPool' ? reference.avgPoolBackward : reference.lpPoolBackward;
    const output = fwd(x, options as never);
    const gradInput = gradOutput && bwd(reference.hostTensor(gradOutput, output.shape, layout), x, options as never).data;
    return { output: output.data, gradInput: gradInput ?? undefined };
  },
};

export function gpuBackend(engine: PoolEngine): Backend {
  return {
    name: 'gpu',
    async run({ op, data, shape, layout, options, gradOutput }) {
      const x = engine.tensor(data, shape, layout);
      const made: { destroy(): void }[] = [x];
      try {
        if (op === 'maxPool') {
          const { output, indices } = engine.maxPool(x, options as never);
          made.push(output, indices);
          let gradInput: Float32Array | undefined;
          if (gradOutput) {
            const g = engine.tensor(gradOutput, output.shape, layout);
            const gi = engine.maxPoolBackward(g, x, indices, options as never);
            made.push(g, gi);
            gradInput = await gi.read();
          }
          return { output: await output.read(), indices: await indices.read(), gradInput };
        }
        const output = op === 'avgPool' ? engine.avgPool(x, options as never) : engine.lpPool(x, options as never);
        made.push(output);
        let gradInput: Float32Array | undefined;
        if (gradOutput) {
          const g = engine.tensor(gradOutput, output.shape, layout);
          const gi = op === 'avgPool' ? engine.avgPoolBackward(g, x, options as never) : engine.lpPoolBackward(g, x, options as never);
          made.push(g, gi);
          gradInput = await gi.read();
        }
        return { output: await output.read(), gradInput };
      } finally {
        for (const t of made) t.destroy();
      }
    },
  };
}

function toLayout(t: GoldenTensor, rank: number, channelsLast: boolean): { data: Float32Array; shape: number[]; dims: Dims; layout: Layout } {
  const layout = layoutFor(rank as SpatialRank, channelsLast);
  const dims = dimsOf(t.shape, layoutFor(rank as SpatialRank, false));
  return { data: relayout(Float32Array.from(toNumbers(t.data)), dims, false, channelsLast), shape: shapeOf(dims, layout), dims, layout };
}

const DEFAULT_TOLERANCE: Tolerance = { abs: 1e-5, rel: 1e-4 };

/** Runs one golden case on a backend in one layout; returns its failures (empty: passed). */
export async function checkGoldenCase(c: GoldenCase, backend: Backend, channelsLast: boolean): Promise<string[]> {
  if (!(SUPPORTED_OPS as readonly string[]).includes(c.op)) return [`${c.id}: op ${c.op} is not supported`];
  const where = `${c.id} (${backend.name}, ${channelsLast ? 'channels-last' : 'channels-first'})`;
  try {
    const x = toLayout(c.input, c.rank, channelsLast);
    const want = c.output && toLayout(c.output, c.rank, channelsLast);
    const gradOut = c.gradOutput ? toLayout(c.gradOutput, c.rank, channelsLast) : null;
    const result = await backend.run({
      op: c.op as SupportedOp,
      data: x.data,
      shape: x.shape,
      layout: x.layout,
      options: optionsOf(c),
      gradOutput: gradOut ? gradOut.data : null,
    });
    const tol = c.tolerance ?? DEFAULT_TOLERANCE;
    const failures: string[] = [];
    if (want) failures.push(...mismatches('output', result.output, want.data, tol, want.dims, channelsLast));
    if (c.indices && want) {
      const idx = toLayout(c.indices, c.rank, channelsLast);
      if (!result.indices) failures.push('indices: none returned');
      else failures.push(...mismatches('indices', result.indices, idx.data, { abs: 0, rel: 0 }, want.dims, channelsLast));
    }
    if (c.gradInput) {
      const gi = toLayout(c.gradInput, c.rank, channelsLast);
      if (!result.gradInput) failures.push('gradInput: none returned');
      else failures.push(...mismatches('gradInput', result.gradInput, gi.data, tol, gi.dims, channelsLast));
    }
    return failures.map((f) => `${where}: ${f}`);
  } catch (e) {
    return [`${where}: threw ${(e as Error).stack ?? e}`];
  }
}

// Every op family, forward and backward, in both layouts, run on wrapped views
// of the test's own GPUBuffers (engine.wrap, results through `out`) at byte
// offsets 0 and 256, checked against the CPU reference, with guard bytes before
// and after every view that must come back unchanged (wrapped-cases.ts). Shapes
// have element counts that are not multiples of 4 (partial vec4s at a view's
// end), and some take the vec4 kernels (channels-last with C % 4 == 0,
// channels-first with W % 4 == 0); every kernel of the engine runs on views.
// Variants: every view of a call in one buffer (the engine stages copies), `out`
// left off with the input wrapped, buffers that end where their view does, and
// calls recorded in engine.batch and engine.encode. A float16 slice runs every
// op family again on float16 views: views of odd length that end mid-word (the
// half after them must stay), the vec4 kernels on packed halves and the staged
// ones (float32 scratch, unpacked before and packed back after), every variant
// and both record modes.
import { describe, expect, it } from 'vitest';
import { layoutFor, type Layout, type SpatialRank } from '../../src/layout';
import { rng } from '../support/random';
import { useHarnessPage } from '../support/page';
import type { WrappedCase, WrappedResult } from './wrapped-cases';

const harness = useHarnessPage();

type Options = Record<string, unknown>;

/** A channels-first shape [N, C, ...spatial] in the layout's order. */
function inLayout(shape: number[], channelsLast: boolean): { layout: Layout; shape: number[] } {
  const layout = layoutFor((shape.length - 2) as SpatialRank, channelsLast);
  return { layout, shape: channelsLast ? [shape[0], ...shape.slice(2), shape[1]] : shape };
}

let seed = 1;
type More = Pick<WrappedCase, 'variant' | 'record' | 'subgroups' | 'dtype'>;

/** A case named after its parameters: op, layout, shape (in the layout's order), offset, options, variant. */
function make(op: string, cfShape: number[], channelsLast: boolean, offset: number, options?: Options, more: More = {}): WrappedCase {
  const { layout, shape } = inLayout(cfShape, channelsLast);
  const o = options
    ? Object.entries(options)
        .filter(([k]) => k !== 'samples')
        .map(([k, v]) => (k === 'rois' ? `boxes=${(v as { shape: number[] }).shape[0]}` : `${k}=${JSON.stringify(v)}`))
        .join(' ')
    : '';
  const tags = [more.variant, more.record && `in ${more.record}`, more.subgroups === false && 'no subgroups']
    .filter(Boolean)
    .map((t) => ` (${t})`)
    .join('');
  const dtype = more.dtype ? ` dtype=${more.dtype}` : '';
  const name = `${op} ${layout} [${shape.join(',')}] offset=${offset}${dtype}${o ? ` ${o}` : ''}${tags}`;
  return { name, op, layout, shape, offset, options, seed: seed++ * 7919, ...more };
}

const LAYOUTS = [false, true];

/** Byte offsets of the views: 0, and device.limits.minStorageBufferOffsetAlignment here. */
const OFFSETS = [0, 256];

/** Shapes (channels-first) with element counts that are not multiples of 4 or 16, ranks 1–3. */
const ODD: number[][] = [
  [1, 3, 5, 7],
  [2, 3, 7, 5],
  [2, 3, 9],
  [1, 2, 3, 5, 5],
];

/** Window modes: two option sets each (every dimension alike, so they suit any rank). */
const WINDOW: Record<string, [string, string, Options[]]> = {
  max: [
    'maxPool',
    'maxPoolBackward',
    [
      { kernel: 3, stride: 2, padding: 1 },
      { kernel: 2, ceilMode: true },
    ],
  ],
  avg: [
    'avgPool',
    'avgPoolBackward',
    [
      { kernel: 3, stride: 2, padding: 1, countIncludePad: false },
      { kernel: 2, ceilMode: true },
    ],
  ],
  lp: [
    'lpPool',
    'lpPoolBackward',
    [
      { p: 2, kernel: 2 },
      { p: 3, kernel: 3, stride: 2, ceilMode: true },
    ],
  ],
  soft: ['softPool', 'softPoolBackward', [{ kernel: 2 }, { kernel: 3, stride: 2 }]],
  mixed: [
    'mixedPool',
    'mixedPoolBackward',
    [
      { kernel: 2, lambda: 0.25 },
      { kernel: 3, stride: 2 },
    ],
  ],
  stochasticEval: ['stochasticPoolEval', 'stochasticPoolEvalBackward', [{ kernel: 2 }, { kernel: 3, stride: 2, padding: 1 }]],
  stochastic: [
    'stochasticPool',
    'stochasticPoolBackward',
    [
      { kernel: 2, seed: 123 },
      { kernel: 3, stride: 2, padding: 1, seed: 77 },
    ],
  ],
};

/** Fractional max pooling's samples: [N, C, rank] numbers in [0, 1), seeded. */
function samples(cfShape: number[], s: number): number[] {
  const r = rng(s);
  return Array.from({ length: cfShape[0] * cfShape[1] * (cfShape.length - 2) }, () => Math.fround(r() * 0.999));
}

function cases(): Record<string, WrappedCase[]> {
  const families: Record<string, WrappedCase[]> = {};
  const add = (family: string, c: WrappedCase) => (families[family] ??= []).push(c);

  // Window modes, forward and backward, on the odd shapes in both layouts.
  for (const [mode, [fwd, bwd, opts]] of Object.entries(WINDOW))
    for (const channelsLast of LAYOUTS)
      ODD.forEach((shape, i) => {
        for (const op of [fwd, bwd]) for (const offset of OFFSETS) add(`window ${mode}`, make(op, shape, channelsLast, offset, opts[i % 2]));
      });
  // The vec4 kernels on views: channels-last with C % 4 == 0, channels-first with W % 4 == 0
  // (and output W % 4 == 0: the row kernels), windows that tile (the scatter backward) and overlap.
  for (const op of ['maxPool', 'maxPoolBackward', 'avgPool', 'avgPoolBackward'])
    for (const options of [{ kernel: 2 }, { kernel: 3, stride: 2, padding: 1 }] as Options[])
      for (const offset of OFFSETS) {
        add('window vec4', make(op, [1, 4, 6, 6], true, offset, options));
        add('window vec4', make(op, [2, 8, 5, 7], true, offset, options));
        add('window vec4', make(op, [1, 3, 6, 8], false, offset, options));
      }

  // The other vec4 kernels: windows over 3 taps (one window per thread, gather backward), dilation along H
  // and 3-D overlap (the block kernel), stochastic picks and 3-D tiles (one window per 4 channels), and the
  // channels-first row kernel outside the rolling one's reach (rank 1, stochastic).
  const moreVec4: [string, number[], boolean, Options][] = [
    ['maxPool', [1, 4, 9, 9], true, { kernel: 4, stride: 2 }],
    ['maxPoolBackward', [1, 4, 9, 9], true, { kernel: 4, stride: 2 }],
    ['avgPool', [1, 8, 9, 9], true, { kernel: 4, stride: 2, padding: 1 }],
    ['avgPoolBackward', [1, 8, 9, 9], true, { kernel: 4, stride: 2, padding: 1 }],
    ['maxPool', [1, 4, 6, 6], true, { kernel: 2, stride: 1, dilation: 2 }],
    ['maxPool', [1, 4, 3, 6, 6], true, { kernel: 3, stride: 1, padding: 1 }],
    ['avgPool', [1, 4, 3, 6, 6], true, { kernel: 3, stride: 1, padding: 1 }],
    ['stochasticPool', [1, 4, 6, 6], true, { kernel: 2, seed: 9 }],
    ['maxPool', [1, 4, 4, 4, 6], true, { kernel: 2 }],
    ['maxPoolBackward', [1, 4, 4, 4, 6], true, { kernel: 2 }],
    ['maxPool', [2, 3, 16], false, { kernel: 2 }],
    ['avgPool', [2, 3, 16], false, { kernel: 2 }],
    ['stochasticPool', [1, 3, 6, 8], false, { kernel: 2, seed: 9 }],
  ];
  for (const [op, shape, channelsLast, options] of moreVec4) for (const offset of OFFSETS) add('window vec4', make(op, shape, channelsLast, offset, options));

  // Global: maps above 256 elements take the multi-pass reduction; C = 4 channels-last the vec4 one.
  const globalShapes = [...ODD, [1, 3, 17, 19], [1, 4, 17, 19]];
  for (const op of ['globalAvgPool', 'globalAvgPoolBackward', 'globalMaxPool', 'globalMaxPoolBackward'])
    for (const channelsLast of LAYOUTS) for (const shape of globalShapes) for (const offset of OFFSETS) add('global', make(op, shape, channelsLast, offset));

  // Adaptive: outputs that divide the input and that do not, and a 1 × 1 output (the global path).
  const adaptive: [number[], Options][] = [
    [[1, 3, 5, 7], { outputSize: [3, 4] }],
    [[1, 3, 6, 9], { outputSize: [3, 3] }],
    [[2, 3, 7, 5], { outputSize: [7, 2] }],
    [[1, 3, 5, 7], { outputSize: 1 }],
    [[2, 3, 9], { outputSize: 3 }],
    [[1, 2, 3, 5, 5], { outputSize: [2, 3, 2] }],
  ];
  for (const op of ['adaptiveAvgPool', 'adaptiveAvgPoolBackward', 'adaptiveMaxPool', 'adaptiveMaxPoolBackward'])
    for (const channelsLast of LAYOUTS)
      for (const [shape, options] of adaptive) for (const offset of OFFSETS) add('adaptive', make(op, shape, channelsLast, offset, options));

  // Spatial pyramid (rank 2), modes max and avg.
  for (const op of ['spatialPyramidPool', 'spatialPyramidPoolBackward'])
    for (const channelsLast of LAYOUTS)
      for (const mode of ['max', 'avg'])
        for (const offset of OFFSETS) {
          add('pyramid', make(op, [1, 3, 5, 7], channelsLast, offset, { mode }));
          add('pyramid', make(op, [2, 3, 7, 5], channelsLast, offset, { mode, levels: [1, 3] }));
        }

  // Strip pooling and its expand-and-add step (rank 2).
  for (const op of ['stripPool', 'stripPoolBackward', 'stripPoolExpand', 'stripPoolExpandBackward'])
    for (const channelsLast of LAYOUTS)
      for (const offset of OFFSETS) {
        add('strip', make(op, [1, 3, 5, 7], channelsLast, offset));
        add('strip', make(op, [2, 3, 7, 5], channelsLast, offset));
        add('strip', make(op, channelsLast ? [1, 4, 5, 7] : [1, 2, 5, 8], channelsLast, offset));
      }

  // GeM (rank 2): out { gradInput, gradP } for the backward.
  for (const op of ['gemPool', 'gemPoolBackward'])
    for (const channelsLast of LAYOUTS)
      for (const offset of OFFSETS) {
        add('gem', make(op, [1, 3, 5, 7], channelsLast, offset, { p: 3 }));
        add('gem', make(op, [2, 3, 7, 5], channelsLast, offset, { p: 2.5, eps: 1e-3 }));
        add('gem', make(op, [1, 4, 17, 19], channelsLast, offset, { p: 3 }));
      }

  // Max unpooling: values and indices from the reference max pooling of a map of the case's shape.
  const unpool: [number[], Options][] = [
    [[1, 3, 5, 7], { kernel: 2, stride: 2, padding: 0 }],
    [[2, 3, 7, 5], { kernel: 3, stride: 2, padding: 1 }],
    [[2, 3, 9], { kernel: 2, stride: 2, padding: 0, outputSize: [9] }],
    [[1, 2, 3, 5, 5], { kernel: 2, stride: 2, padding: 0 }],
  ];
  for (const op of ['maxUnpool', 'maxUnpoolBackward'])
    for (const channelsLast of LAYOUTS)
      for (const [shape, options] of unpool) for (const offset of OFFSETS) add('unpool', make(op, shape, channelsLast, offset, options));

  // Fractional max pooling with given samples (ranks 2 and 3).
  const fractional: [number[], Options][] = [
    [[1, 3, 5, 7], { kernel: 2, outputSize: [3, 4] }],
    [[2, 3, 7, 5], { kernel: [2, 2], outputSize: [4, 3] }],
    [[1, 2, 3, 5, 5], { kernel: 2, outputSize: [2, 3, 3] }],
  ];
  for (const op of ['fractionalMaxPool', 'fractionalMaxPoolBackward'])
    for (const channelsLast of LAYOUTS)
      fractional.forEach(([shape, options], i) => {
        for (const offset of OFFSETS) add('fractional', make(op, shape, channelsLast, offset, { ...options, samples: samples(shape, 31 + i) }));
      });

  // Region pooling: boxes inside, crossing the edge and overlapping, on both batch items; position-sensitive
  // ops read channels (c · outH + i) · outW + j, so their inputs have 4 or 8 channels for 2 × 2 bins.
  const rois = { data: [0, 0.5, 1, 4.5, 4, 1, -1, 2, 3.5, 8, 0, 1, 0, 6, 6.5, 1, 2.2, 1.4, 4.1, 5.9], shape: [4, 5] };
  const oneBatch = { data: rois.data.map((v, i) => (i % 5 === 0 ? 0 : v)), shape: [4, 5] };
  const region: [string, number[], Options][] = [
    ['roiAlign', [2, 3, 7, 5], { rois, outputSize: [2, 3], spatialScale: 1, samplingRatio: 2 }],
    ['roiAlign', [1, 4, 6, 6], { rois: oneBatch, outputSize: 2, spatialScale: 0.5, samplingRatio: -1, aligned: true }],
    ['roiPool', [2, 3, 7, 5], { rois, outputSize: [2, 3], spatialScale: 1 }],
    ['psRoiAlign', [2, 8, 7, 5], { rois, outputSize: 2, spatialScale: 1, samplingRatio: 2 }],
    ['psRoiPool', [1, 4, 6, 6], { rois: oneBatch, outputSize: 2, spatialScale: 1 }],
  ];
  for (const [op, shape, options] of region)
    for (const pass of ['', 'Backward'])
      for (const channelsLast of LAYOUTS) for (const offset of OFFSETS) add('region', make(`${op}${pass}`, shape, channelsLast, offset, options));
  add('same buffer', make('roiAlignBackward', [2, 3, 7, 5], true, 256, region[0][2], { variant: 'sameBuffer' }));
  add('no out', make('roiPool', [2, 3, 7, 5], false, 0, region[2][2], { variant: 'noOut' }));
  add('batch', make('psRoiAlignBackward', [2, 8, 7, 5], true, 0, region[3][2], { record: 'batch' }));
  add('encode', make('roiAlign', [2, 3, 7, 5], false, 256, region[0][2], { record: 'encode' }));

  // One buffer for every view of the call: inputs and results in disjoint ranges of it.
  add('same buffer', make('avgPool', [1, 3, 5, 7], false, 0, { kernel: 3, stride: 2, padding: 1 }, { variant: 'sameBuffer' }));
  add('same buffer', make('avgPool', [1, 4, 6, 6], true, 256, { kernel: 2 }, { variant: 'sameBuffer' }));
  add('same buffer', make('maxPool', [2, 3, 7, 5], true, 256, { kernel: 3, stride: 2, padding: 1 }, { variant: 'sameBuffer' }));
  add('same buffer', make('maxPoolBackward', [2, 3, 7, 5], false, 0, { kernel: 3, stride: 2, padding: 1 }, { variant: 'sameBuffer' }));
  add('same buffer', make('globalAvgPoolBackward', [1, 3, 17, 19], false, 256, undefined, { variant: 'sameBuffer' }));
  add('same buffer', make('globalMaxPool', [1, 4, 17, 19], true, 0, undefined, { variant: 'sameBuffer' }));
  add('same buffer', make('gemPoolBackward', [1, 3, 5, 7], true, 256, { p: 3 }, { variant: 'sameBuffer' }));
  add('same buffer', make('stripPool', [2, 3, 7, 5], false, 256, undefined, { variant: 'sameBuffer' }));
  add('same buffer', make('stripPoolExpandBackward', [1, 4, 5, 7], true, 0, undefined, { variant: 'sameBuffer' }));
  add('same buffer', make('lpPoolBackward', [2, 3, 9], true, 256, { p: 2, kernel: 2 }, { variant: 'sameBuffer' }));
  add('same buffer', make('stochasticPool', [1, 2, 3, 5, 5], false, 0, { kernel: 2, seed: 5 }, { variant: 'sameBuffer' }));
  add('same buffer', make('adaptiveMaxPool', [2, 3, 7, 5], false, 256, { outputSize: [4, 2] }, { variant: 'sameBuffer' }));
  add('same buffer', make('spatialPyramidPool', [1, 3, 5, 7], true, 0, { mode: 'max' }, { variant: 'sameBuffer' }));
  add('same buffer', make('maxUnpool', [1, 3, 5, 7], true, 256, { kernel: 2, stride: 2, padding: 0 }, { variant: 'sameBuffer' }));
  add(
    'same buffer',
    make('fractionalMaxPool', [1, 3, 5, 7], false, 0, { kernel: 2, outputSize: [3, 4], samples: samples([1, 3, 5, 7], 77) }, { variant: 'sameBuffer' }),
  );
  add(
    'same buffer',
    make(
      'fractionalMaxPoolBackward',
      [1, 3, 5, 7],
      true,
      256,
      { kernel: 2, outputSize: [3, 4], samples: samples([1, 3, 5, 7], 78) },
      { variant: 'sameBuffer' },
    ),
  );

  // `out` left off: the engine allocates the results; the inputs are wrapped.
  add('no out', make('avgPool', [1, 3, 5, 7], true, 256, { kernel: 3, stride: 2, padding: 1 }, { variant: 'noOut' }));
  add('no out', make('maxPool', [2, 3, 7, 5], false, 0, { kernel: 2 }, { variant: 'noOut' }));
  add('no out', make('maxPoolBackward', [1, 4, 6, 6], true, 256, { kernel: 2 }, { variant: 'noOut' }));
  add('no out', make('globalAvgPool', [1, 3, 17, 19], false, 256, undefined, { variant: 'noOut' }));
  add('no out', make('gemPoolBackward', [2, 3, 7, 5], false, 256, { p: 3 }, { variant: 'noOut' }));
  add('no out', make('stripPool', [1, 3, 5, 7], true, 0, undefined, { variant: 'noOut' }));
  add('no out', make('spatialPyramidPool', [2, 3, 7, 5], false, 256, { mode: 'max', levels: [1, 2] }, { variant: 'noOut' }));
  add(
    'no out',
    make('fractionalMaxPool', [1, 2, 3, 5, 5], true, 0, { kernel: 2, outputSize: [2, 3, 3], samples: samples([1, 2, 3, 5, 5], 79) }, { variant: 'noOut' }),
  );

  // Edge shapes: one-element views, identity-sized windows and bins, GeM's dL/dp summed over more than 256 rows
  // (the multi-pass reduction), and offsets beyond the first aligned one.
  for (const channelsLast of LAYOUTS) {
    add('edges', make('globalMaxPool', [1, 1, 5, 7], channelsLast, 256));
    add('edges', make('globalMaxPoolBackward', [1, 1, 5, 7], channelsLast, 256));
    add('edges', make('globalAvgPoolBackward', [1, 1, 2, 2], channelsLast, 0));
    add('edges', make('maxPool', [1, 1, 1, 1], channelsLast, 256, { kernel: 1 }));
    add('edges', make('avgPool', [2, 3, 5, 7], channelsLast, 512, { kernel: 1 }));
    add('edges', make('avgPoolBackward', [2, 3, 5, 7], channelsLast, 768, { kernel: 1 }));
    add('edges', make('adaptiveAvgPool', [1, 3, 5, 7], channelsLast, 256, { outputSize: [5, 7] }));
    add('edges', make('adaptiveMaxPoolBackward', [1, 3, 5, 7], channelsLast, 512, { outputSize: [5, 7] }));
    add('edges', make('gemPoolBackward', [3, 87, 2, 3], channelsLast, 256, { p: 3 }));
    add('edges', make('spatialPyramidPoolBackward', [1, 1, 2, 3], channelsLast, 256, { mode: 'max', levels: [1] }));
  }
  add('tight', make('globalMaxPoolBackward', [1, 1, 5, 7], false, 256, undefined, { variant: 'tight' }));
  add('tight', make('maxPool', [1, 1, 1, 1], false, 256, { kernel: 1 }, { variant: 'tight' }));

  // GeM's backward statistics on workgroup memory (an engine without subgroups).
  for (const channelsLast of LAYOUTS)
    for (const offset of OFFSETS) add('edges', make('gemPoolBackward', [2, 3, 7, 5], channelsLast, offset, { p: 3 }, { subgroups: false }));

  // Buffers that end where their view does: where a kernel reads whole vec4s (channels-first maps, [N, C, 1, 1]
  // gradients, indices), the engine must not bind past the buffer's end.
  add('tight', make('globalAvgPool', [1, 3, 5, 7], false, 256, undefined, { variant: 'tight' }));
  add('tight', make('globalMaxPool', [2, 3, 7, 5], false, 256, undefined, { variant: 'tight' }));
  add('tight', make('globalMaxPool', [1, 3, 17, 19], false, 256, undefined, { variant: 'tight' }));
  add('tight', make('globalAvgPoolBackward', [1, 3, 5, 7], false, 256, undefined, { variant: 'tight' }));
  add('tight', make('globalMaxPoolBackward', [1, 3, 5, 7], false, 256, undefined, { variant: 'tight' }));
  add('tight', make('globalMaxPoolBackward', [1, 4, 17, 19], true, 256, undefined, { variant: 'tight' }));
  add('tight', make('maxPool', [1, 3, 5, 7], false, 256, { kernel: 2 }, { variant: 'tight' }));
  add('tight', make('avgPool', [1, 3, 6, 8], false, 256, { kernel: 3, stride: 2, padding: 1 }, { variant: 'tight' }));
  add('tight', make('maxPoolBackward', [1, 3, 6, 8], false, 256, { kernel: 2 }, { variant: 'tight' }));
  add('tight', make('avgPoolBackward', [1, 3, 6, 8], false, 256, { kernel: 2 }, { variant: 'tight' }));
  add('tight', make('maxPoolBackward', [1, 4, 6, 6], true, 256, { kernel: 3, stride: 2, padding: 1 }, { variant: 'tight' }));
  add('tight', make('adaptiveMaxPool', [2, 3, 7, 5], true, 256, { outputSize: [4, 2] }, { variant: 'tight' }));
  add('tight', make('gemPoolBackward', [1, 3, 5, 7], false, 256, { p: 3 }, { variant: 'tight' }));

  // Recorded: in engine.batch (one submission) and engine.encode (the test's encoder), including staged
  // copies (a shared buffer, a partial vec4 store) and chains whose backward reads the forward's out views.
  for (const record of ['batch', 'encode'] as const) {
    add(record, make('maxPool+maxPoolBackward', [2, 3, 7, 5], false, 256, { kernel: 3, stride: 2, padding: 1 }, { record }));
    add(record, make('maxPool+maxPoolBackward', [1, 4, 6, 6], true, 0, { kernel: 2 }, { record }));
    add(record, make('adaptiveMaxPool+adaptiveMaxPoolBackward', [1, 3, 5, 7], true, 256, { outputSize: [3, 4] }, { record }));
    add(record, make('maxPool+maxPoolBackward', [1, 3, 5, 7], true, 0, { kernel: 2 }, { variant: 'sameBuffer', record }));
    add(record, make('globalAvgPoolBackward', [1, 3, 17, 19], false, 256, undefined, { variant: 'sameBuffer', record }));
    add(record, make('avgPool', [1, 3, 5, 7], false, 0, { kernel: 3, stride: 2, padding: 1 }, { variant: 'sameBuffer', record }));
    add(record, make('gemPoolBackward', [2, 3, 7, 5], true, 256, { p: 3 }, { record }));
    add(record, make('adaptiveMaxPool+adaptiveMaxPoolBackward', [2, 3, 9], false, 0, { outputSize: 4 }, { variant: 'noOut', record }));
  }
  return families;
}

/**
 * The float16 slice: every op family, forward and backward, in both layouts, on float16 views. Shapes with
 * odd element counts (results and inputs that end mid-word: [1, 3, 5, 5] pooled 3 × 3 is 27 halves), shapes
 * that reach the vec4 kernels on packed halves (channels-last C = 4 or 8, channels-first W = 8 or 16 with
 * output W % 4 == 0) and the staged ones; every variant and record mode. Offsets alternate 0 and 256.
 */
function halfCases(): Record<string, WrappedCase[]> {
  const families: Record<string, WrappedCase[]> = {};
  let turn = 0;
  const add = (family: string, op: string, cfShape: number[], channelsLast: boolean, options?: Options, more: More = {}) =>
    (families[`float16 ${family}`] ??= []).push(make(op, cfShape, channelsLast, OFFSETS[turn++ % 2], options, { ...more, dtype: 'float16' }));

  // Window modes on odd shapes, ranks 1–3 (inputs of 75, 15·3 and 125 halves; most outputs odd too).
  const odd = [
    [1, 3, 5, 5],
    [1, 3, 9],
    [1, 1, 5, 5, 5],
  ];
  Object.entries(WINDOW).forEach(([mode, [fwd, bwd, opts]], m) => {
    for (const channelsLast of LAYOUTS)
      [fwd, bwd].forEach((op, j) => {
        const i = m + j + (channelsLast ? 1 : 0);
        add(`window ${mode}`, op, odd[i % 3], channelsLast, opts[i % 2]);
      });
  });
  // The vec4 kernels on packed halves: tiling and overlapping windows, forward and backward.
  for (const op of ['maxPool', 'maxPoolBackward', 'avgPool', 'avgPoolBackward'])
    for (const options of [{ kernel: 2 }, { kernel: 3, stride: 2, padding: 1 }] as Options[]) {
      add('window vec4', op, [1, 4, 5, 7], true, options);
      add('window vec4', op, [1, 8, 6, 6], true, options);
      add('window vec4', op, [1, 3, 6, 8], false, options);
      add('window vec4', op, [2, 3, 5, 16], false, options);
    }
  const moreVec4: [string, number[], boolean, Options][] = [
    ['maxPool', [1, 4, 9, 9], true, { kernel: 4, stride: 2 }],
    ['avgPoolBackward', [1, 8, 9, 9], true, { kernel: 4, stride: 2, padding: 1 }],
    ['maxPool', [1, 4, 3, 6, 6], true, { kernel: 3, stride: 1, padding: 1 }],
    ['avgPool', [1, 4, 3, 6, 6], true, { kernel: 3, stride: 1, padding: 1 }],
    ['maxPoolBackward', [1, 4, 4, 4, 6], true, { kernel: 2 }],
    ['maxPool', [2, 3, 16], false, { kernel: 2 }],
    ['avgPool', [2, 3, 16], false, { kernel: 2 }],
    ['stochasticPool', [1, 4, 6, 6], true, { kernel: 2, seed: 9 }],
    ['stochasticPool', [1, 3, 6, 8], false, { kernel: 2, seed: 9 }],
  ];
  for (const [op, shape, channelsLast, options] of moreVec4) add('window vec4', op, shape, channelsLast, options);

  // Global: odd maps (3 results), more than 256 elements (the multi-pass reduction), C = 4 channels-last (vec4).
  for (const op of ['globalAvgPool', 'globalAvgPoolBackward', 'globalMaxPool', 'globalMaxPoolBackward'])
    for (const channelsLast of LAYOUTS) {
      add('global', op, [1, 3, 5, 5], channelsLast);
      add('global', op, channelsLast ? [1, 4, 17, 19] : [1, 3, 17, 19], channelsLast);
    }

  // Adaptive: odd outputs (27 and 15 halves), and the 1 × 1 output (the global path).
  const adaptive: [number[], Options][] = [
    [[1, 3, 5, 5], { outputSize: [3, 3] }],
    [[1, 3, 5, 7], { outputSize: 1 }],
    [[1, 3, 9], { outputSize: 5 }],
  ];
  for (const op of ['adaptiveAvgPool', 'adaptiveAvgPoolBackward', 'adaptiveMaxPool', 'adaptiveMaxPoolBackward'])
    for (const channelsLast of LAYOUTS) {
      const [a, b] = channelsLast ? [adaptive[0], adaptive[2]] : [adaptive[1], adaptive[0]];
      add('adaptive', op, a[0], channelsLast, a[1]);
      add('adaptive', op, b[0], channelsLast, b[1]);
    }

  // Spatial pyramid, modes max and avg (levels 1, 2, 4: 21 bins, 63 halves of 3 channels).
  for (const op of ['spatialPyramidPool', 'spatialPyramidPoolBackward'])
    for (const channelsLast of LAYOUTS) for (const mode of ['max', 'avg']) add('pyramid', op, [1, 3, 5, 5], channelsLast, { mode });

  // Strips: rows and cols of 15 and 21 halves; channels-last C = 4.
  for (const op of ['stripPool', 'stripPoolBackward', 'stripPoolExpand', 'stripPoolExpandBackward'])
    for (const channelsLast of LAYOUTS) {
      add('strip', op, [1, 3, 5, 7], channelsLast);
      if (channelsLast) add('strip', op, [1, 4, 5, 7], channelsLast);
    }

  // GeM: 3 results and dL/dp (one half).
  for (const op of ['gemPool', 'gemPoolBackward'])
    for (const channelsLast of LAYOUTS) {
      add('gem', op, [1, 3, 5, 7], channelsLast, { p: 3 });
      add('gem', op, [1, 4, 17, 19], channelsLast, { p: 2.5, eps: 1e-3 });
    }

  // Max unpooling: 27 values (pooled [1, 3, 6, 6]) and an unpooled map of 147 halves.
  for (const op of ['maxUnpool', 'maxUnpoolBackward'])
    for (const channelsLast of LAYOUTS) {
      add('unpool', op, [1, 3, 6, 6], channelsLast, { kernel: 2, stride: 2, padding: 0 });
      add('unpool', op, [1, 3, 7, 7], channelsLast, { kernel: 3, stride: 2, padding: 1 });
    }

  // Fractional max pooling: 27 results (ranks 2 and 3).
  for (const op of ['fractionalMaxPool', 'fractionalMaxPoolBackward'])
    for (const channelsLast of LAYOUTS) {
      add('fractional', op, [1, 3, 5, 7], channelsLast, { kernel: 2, outputSize: [3, 3], samples: samples([1, 3, 5, 7], 41) });
      add('fractional', op, [1, 1, 5, 5, 5], channelsLast, { kernel: 2, outputSize: [3, 3, 3], samples: samples([1, 1, 5, 5, 5], 42) });
    }

  // Region pooling: 3 boxes (odd results: 27 halves, 9 for the position-sensitive ops on 3 channels) on an odd
  // map of 105 halves, and the float32 cases' 4 boxes on both batch items.
  const three = { data: [0, 0.5, 1, 4.5, 4, 0, -1, 2, 3.5, 8, 0, 2.2, 1.4, 4.1, 5.9], shape: [3, 5] };
  const rois = { data: [0, 0.5, 1, 4.5, 4, 1, -1, 2, 3.5, 8, 0, 1, 0, 6, 6.5, 1, 2.2, 1.4, 4.1, 5.9], shape: [4, 5] };
  const region: [string, number[], Options, Options][] = [
    [
      'roiAlign',
      [1, 3, 5, 7],
      { rois: three, outputSize: [1, 3], spatialScale: 1, samplingRatio: 2 },
      { rois, outputSize: [2, 3], spatialScale: 1, samplingRatio: -1, aligned: true },
    ],
    ['roiPool', [1, 3, 5, 7], { rois: three, outputSize: [1, 3], spatialScale: 1 }, { rois, outputSize: [2, 3], spatialScale: 1 }],
    [
      'psRoiAlign',
      [1, 3, 5, 7],
      { rois: three, outputSize: [1, 3], spatialScale: 1, samplingRatio: 2 },
      { rois, outputSize: 2, spatialScale: 1, samplingRatio: 2 },
    ],
    ['psRoiPool', [1, 3, 5, 7], { rois: three, outputSize: [1, 3], spatialScale: 1 }, { rois, outputSize: 2, spatialScale: 1 }],
  ];
  for (const [op, shape, oddOptions, options] of region)
    for (const pass of ['', 'Backward'])
      for (const channelsLast of LAYOUTS) {
        if (channelsLast === (pass === '')) add('region', `${op}${pass}`, shape, channelsLast, oddOptions);
        else add('region', `${op}${pass}`, op.startsWith('ps') ? [2, 8, 7, 5] : [2, 3, 7, 5], channelsLast, options);
      }

  // Variants: one shared buffer (the engine stages copies; int32 indices beside float16 views), `out` left off,
  // buffers that end where their view does (an odd view's last word is the buffer's last).
  const v = (variant: More['variant'], op: string, shape: number[], channelsLast: boolean, options?: Options) =>
    add(variant === 'sameBuffer' ? 'same buffer' : variant === 'noOut' ? 'no out' : 'tight', op, shape, channelsLast, options, { variant });
  v('sameBuffer', 'avgPool', [1, 3, 5, 5], false, { kernel: 3, stride: 2, padding: 1 });
  v('sameBuffer', 'maxPool', [1, 4, 6, 6], true, { kernel: 2 });
  v('sameBuffer', 'maxPoolBackward', [1, 3, 5, 5], true, { kernel: 2, ceilMode: true });
  v('sameBuffer', 'globalMaxPool', [1, 3, 17, 19], false);
  v('sameBuffer', 'gemPoolBackward', [1, 3, 5, 7], true, { p: 3 });
  v('sameBuffer', 'stripPool', [1, 3, 5, 7], false);
  v('sameBuffer', 'roiAlignBackward', [1, 3, 5, 7], true, region[0][2]);
  v('sameBuffer', 'fractionalMaxPool', [1, 3, 5, 7], false, { kernel: 2, outputSize: [3, 3], samples: samples([1, 3, 5, 7], 43) });
  v('noOut', 'avgPool', [1, 3, 5, 5], true, { kernel: 3, stride: 2, padding: 1 });
  v('noOut', 'maxPool', [1, 3, 6, 8], false, { kernel: 2 });
  v('noOut', 'gemPoolBackward', [1, 3, 5, 7], false, { p: 3 });
  v('noOut', 'stripPool', [1, 3, 5, 7], true);
  v('noOut', 'spatialPyramidPool', [1, 3, 5, 5], false, { mode: 'max' });
  v('noOut', 'psRoiPool', [1, 3, 5, 7], true, region[3][2]);
  v('tight', 'maxPool', [1, 3, 5, 5], false, { kernel: 2, ceilMode: true });
  v('tight', 'avgPoolBackward', [1, 4, 5, 7], true, { kernel: 3, stride: 2, padding: 1 });
  v('tight', 'avgPool', [1, 3, 6, 8], false, { kernel: 2 });
  v('tight', 'globalAvgPool', [1, 3, 5, 5], false);
  v('tight', 'globalMaxPoolBackward', [1, 3, 5, 5], false);
  v('tight', 'adaptiveMaxPool', [1, 3, 5, 5], true, { outputSize: [3, 3] });
  v('tight', 'maxUnpool', [1, 3, 7, 7], false, { kernel: 3, stride: 2, padding: 1 });
  v('tight', 'roiPoolBackward', [1, 3, 5, 7], false, region[1][2]);

  // Recorded in engine.batch and engine.encode: chains whose backward reads the forward's float16 out views,
  // a shared buffer, and results the engine allocates.
  for (const record of ['batch', 'encode'] as const) {
    add(record, 'maxPool+maxPoolBackward', [1, 3, 5, 5], false, { kernel: 3, stride: 2, padding: 1 }, { record });
    add(record, 'maxPool+maxPoolBackward', [1, 4, 6, 6], true, { kernel: 2 }, { record });
    add(record, 'adaptiveMaxPool+adaptiveMaxPoolBackward', [1, 3, 5, 5], true, { outputSize: [3, 3] }, { record });
    add(record, 'avgPool', [1, 3, 5, 5], false, { kernel: 2, ceilMode: true }, { variant: 'sameBuffer', record });
    add(record, 'gemPoolBackward', [1, 3, 5, 7], true, { p: 3 }, { record });
    add(record, 'adaptiveMaxPool+adaptiveMaxPoolBackward', [1, 3, 9], false, { outputSize: 5 }, { variant: 'noOut', record });
  }
  return families;
}

const FAMILIES = { ...cases(), ...halfCases() };

/** The ops every dtype covers, each forward and backward (`${op}Backward`). */
const COVERED = [
  'maxPool',
  'avgPool',
  'lpPool',
  'softPool',
  'mixedPool',
  'stochasticPoolEval',
  'stochasticPool',
  'globalAvgPool',
  'globalMaxPool',
  'adaptiveAvgPool',
  'adaptiveMaxPool',
  'spatialPyramidPool',
  'stripPool',
  'stripPoolExpand',
  'gemPool',
  'maxUnpool',
  'fractionalMaxPool',
  'roiAlign',
  'roiPool',
  'psRoiAlign',
  'psRoiPool',
];

/** Views of an odd number of halves the float16 cases checked (each ends mid-word; the half after it is a guard), and the cases run. */
let oddHalfViews = 0;
let halfCasesRun = 0;
const HALF_CASES = Object.values(FAMILIES)
  .flat()
  .filter((c) => c.dtype === 'float16').length;

describe('wrapped views of caller buffers, against the CPU reference, with guard bytes', () => {
  it('covers every op, forward and backward, in both layouts, at offsets 0 and 256', () => {
    const all = Object.values(FAMILIES)
      .flat()
      .filter((c) => c.dtype === undefined);
    const ops = new Set(all.map((c) => c.op));
    for (const op of COVERED) {
      for (const name of [op, `${op}Backward`]) {
        expect(ops.has(name), name).toBe(true);
        for (const cl of [false, true])
          for (const offset of [0, 256])
            expect(
              all.some((c) => c.op === name && c.offset === offset && /^N.*C$/.test(c.layout) === cl),
              `${name} channelsLast=${cl} offset=${offset}`,
            ).toBe(true);
      }
    }
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
  });

  it('runs every op family in float16 too: both passes and layouts, vec4 shapes, every variant and record mode', () => {
    const half = Object.values(FAMILIES)
      .flat()
      .filter((c) => c.dtype === 'float16');
    expect(half.every((c) => c.name.includes(' dtype=float16'))).toBe(true);
    const has = (f: (c: WrappedCase) => boolean) => half.some(f);
    const channelsLast = (c: WrappedCase) => /^N.*C$/.test(c.layout);
    for (const op of COVERED)
      for (const name of [op, `${op}Backward`])
        for (const cl of [false, true])
          expect(
            has((c) => c.op === name && channelsLast(c) === cl),
            `float16 ${name} channelsLast=${cl}`,
          ).toBe(true);
    // The vec4 kernels: channels-last with C % 4 == 0, channels-first with W % 4 == 0, forward and backward.
    for (const op of ['maxPool', 'maxPoolBackward', 'avgPool', 'avgPoolBackward']) {
      expect(has((c) => c.op === op && channelsLast(c) && c.shape[c.shape.length - 1] % 4 === 0)).toBe(true);
      expect(has((c) => c.op === op && !channelsLast(c) && c.shape[c.shape.length - 1] % 4 === 0)).toBe(true);
    }
    for (const variant of ['sameBuffer', 'noOut', 'tight'])
      expect(
        has((c) => c.variant === variant),
        `float16 ${variant}`,
      ).toBe(true);
    for (const record of ['batch', 'encode'])
      expect(
        has((c) => c.record === record),
        `float16 in ${record}`,
      ).toBe(true);
    for (const offset of OFFSETS) expect(has((c) => c.offset === offset)).toBe(true);
  });

  for (const [family, list] of Object.entries(FAMILIES)) {
    describe(family, () => {
      for (const c of list) {
        it(c.name, async () => {
          const r = (await harness().page.evaluate((wc) => (window as any).harness.runWrappedCase(wc), c)) as WrappedResult;
          oddHalfViews += r.oddHalfViews;
          if (c.dtype === 'float16') halfCasesRun++;
          expect(r.failures.join('\n')).toBe('');
          expect(r.compared).toBeGreaterThan(0);
          expect(r.inputsChecked).toBeGreaterThan(0);
          expect(r.guardBytes).toBeGreaterThanOrEqual((c.variant === 'tight' ? c.offset : 256) * r.views);
        });
      }
    });
  }

  // After every case (tests of a file run in order): the float16 slice ran whole and reached views
  // that end mid-word. Select it with the file's other cases (a -t filter naming only it fails here).
  it('checked views of an odd number of halves, the half after each in its last word', () => {
    expect(halfCasesRun).toBe(HALF_CASES);
    expect(oddHalfViews).toBeGreaterThanOrEqual(100);
  });
});

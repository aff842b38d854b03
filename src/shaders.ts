// WGSL sources, kept in shaders/*.wgsl and imported as text through Vite.
import common from '../shaders/common.wgsl?raw';
import windowParams from '../shaders/window_params.wgsl?raw';
import windowLp from '../shaders/window_lp.wgsl?raw';
import windowModes from '../shaders/window_modes.wgsl?raw';
import windowForward from '../shaders/window_forward.wgsl?raw';
import windowForwardVec4 from '../shaders/window_forward_vec4.wgsl?raw';
import windowSmall from '../shaders/window_small.wgsl?raw';
import windowSmallTaps from '../shaders/window_small_taps.wgsl?raw';
import windowSmallPick from '../shaders/window_small_pick.wgsl?raw';
import windowForwardSmall from '../shaders/window_forward_small.wgsl?raw';
import windowForwardSmallVec4 from '../shaders/window_forward_small_vec4.wgsl?raw';
import windowSmallCells from '../shaders/window_small_cells.wgsl?raw';
import windowForwardBlockVec4 from '../shaders/window_forward_block_vec4.wgsl?raw';
import windowForwardRollingVec4 from '../shaders/window_forward_rolling_vec4.wgsl?raw';
import windowSmallSpan from '../shaders/window_small_span.wgsl?raw';
import windowForwardSmallRows from '../shaders/window_forward_small_rows.wgsl?raw';
import windowForwardRollingRows from '../shaders/window_forward_rolling_rows.wgsl?raw';
import windowBackward from '../shaders/window_backward.wgsl?raw';
import windowBackwardVec4 from '../shaders/window_backward_vec4.wgsl?raw';
import windowSmallBackward from '../shaders/window_small_backward.wgsl?raw';
import windowBackwardSmall from '../shaders/window_backward_small.wgsl?raw';
import windowBackwardSmallVec4 from '../shaders/window_backward_small_vec4.wgsl?raw';
import windowTiledBackward from '../shaders/window_tiled_backward.wgsl?raw';
import windowBackwardTiledVec4 from '../shaders/window_backward_tiled_vec4.wgsl?raw';
import windowBackwardTiledRows from '../shaders/window_backward_tiled_rows.wgsl?raw';
import binnedParams from '../shaders/binned_params.wgsl?raw';
import reduceCommon from '../shaders/reduce_common.wgsl?raw';
import gemStats from '../shaders/gem_stats.wgsl?raw';
import reduceRows from '../shaders/reduce_rows.wgsl?raw';
import reduceRowsVec4 from '../shaders/reduce_rows_vec4.wgsl?raw';
import reduceWorkgroup from '../shaders/reduce_workgroup.wgsl?raw';
import reduceSubgroup from '../shaders/reduce_subgroup.wgsl?raw';
import reduceBackward from '../shaders/reduce_backward.wgsl?raw';
import reduceBackwardVec4 from '../shaders/reduce_backward_vec4.wgsl?raw';
import adaptiveForward from '../shaders/adaptive_forward.wgsl?raw';
import adaptiveBackward from '../shaders/adaptive_backward.wgsl?raw';
import stripReduce from '../shaders/strip_reduce.wgsl?raw';
import stripExpand from '../shaders/strip_expand.wgsl?raw';
import unpool from '../shaders/unpool.wgsl?raw';
import fractional from '../shaders/fractional.wgsl?raw';
import copyWords from '../shaders/copy_words.wgsl?raw';
import probe from '../shaders/probe.wgsl?raw';

/** Shader modules as the host builds them: the shared files first, then the kernel. */
export const shaderSources = {
  windowForward: [common, windowParams, windowLp, windowModes, windowForward].join('\n'),
  windowForwardVec4: [common, windowParams, windowForwardVec4].join('\n'),
  // Max and average over windows of at most 3 taps per dimension, every tap written out.
  windowForwardSmall: [common, windowParams, windowSmall, windowSmallTaps, windowSmallPick, windowForwardSmall].join('\n'),
  windowForwardSmallVec4: [common, windowParams, windowSmall, windowSmallTaps, windowSmallPick, windowForwardSmallVec4].join('\n'),
  windowForwardBlockVec4: [common, windowParams, windowSmall, windowSmallCells, windowForwardBlockVec4].join('\n'),
  windowForwardRollingVec4: [common, windowParams, windowSmall, windowSmallCells, windowForwardRollingVec4].join('\n'),
  windowForwardSmallRows: [common, windowParams, windowSmall, windowSmallSpan, windowSmallPick, windowForwardSmallRows].join('\n'),
  windowForwardRollingRows: [common, windowParams, windowSmall, windowSmallSpan, windowForwardRollingRows].join('\n'),
  windowBackward: [common, windowParams, windowLp, windowModes, windowBackward].join('\n'),
  windowBackwardVec4: [common, windowParams, windowBackwardVec4].join('\n'),
  windowBackwardSmall: [common, windowParams, windowSmall, windowSmallBackward, windowBackwardSmall].join('\n'),
  windowBackwardSmallVec4: [common, windowParams, windowSmall, windowSmallBackward, windowBackwardSmallVec4].join('\n'),
  // Windows that tile the input: each output scatters into its own window.
  windowBackwardTiledVec4: [common, windowParams, windowSmall, windowTiledBackward, windowBackwardTiledVec4].join('\n'),
  windowBackwardTiledRows: [common, windowParams, windowSmall, windowTiledBackward, windowBackwardTiledRows].join('\n'),
  // Whole-map reductions: the workgroup-memory variant, and the subgroup variant
  // for devices with the 'subgroups' feature (the directive must open the module).
  gemStats: [common, binnedParams, reduceCommon, reduceWorkgroup, gemStats].join('\n'),
  gemStatsSubgroups: ['enable subgroups;', common, binnedParams, reduceCommon, reduceSubgroup, gemStats].join('\n'),
  // Small maps: one thread per row (or per 4 channels-last channels).
  reduceRows: [common, binnedParams, reduceCommon, reduceRows].join('\n'),
  reduceRowsVec4: [common, binnedParams, reduceCommon, reduceRowsVec4].join('\n'),
  reduceBackward: [common, binnedParams, reduceBackward].join('\n'),
  reduceBackwardVec4: [common, binnedParams, reduceBackwardVec4].join('\n'),
  adaptiveForward: [common, binnedParams, adaptiveForward].join('\n'),
  adaptiveBackward: [common, binnedParams, adaptiveBackward].join('\n'),
  stripReduce: [common, binnedParams, stripReduce].join('\n'),
  stripExpand: [common, binnedParams, stripExpand].join('\n'),
  unpool: [common, unpool].join('\n'),
  fractional: [common, fractional].join('\n'),
  // Staging and clearing of views (engine.ts), and the check of a wrapped buffer (wrap.ts).
  copyWords: [common, copyWords].join('\n'),
  probe,
} as const;

export type ShaderName = keyof typeof shaderSources;

/** The raw files, for tests that read struct declarations. */
export const shaderFiles = { common, windowParams, windowLp, windowModes, windowForward, windowForwardVec4, windowSmall, windowSmallTaps, windowForwardSmall, windowForwardSmallVec4, windowForwardSmallRows, windowBackward, windowBackwardVec4 } as const;

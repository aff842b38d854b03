// The WGSL every engine needs (shared declarations, staging copies, the wrap probe, index conventions): loaded with the engine's code.
export default import.meta.glob(
  [
    '../../shaders/common.wgsl',
    '../../shaders/modes.wgsl',
    '../../shaders/copy_words.wgsl',
    '../../shaders/probe.wgsl',
    '../../shaders/index_convention.wgsl',
    '../../shaders/half.wgsl',
    '../../shaders/half_convert.wgsl',
    '../../shaders/slice_copy.wgsl',
    '../../shaders/slice_copy_vec4.wgsl',
    '../../shaders/float_f32.wgsl',
    '../../shaders/float_f16.wgsl',
  ],
  { query: '?raw', import: 'default', eager: true },
) as Record<string, string>;

// The adaptive family's WGSL (adaptive pooling, spatial pyramids, strip pooling): its own chunk, loaded by loadKernels.
export default import.meta.glob(['../../shaders/adaptive_*.wgsl', '../../shaders/strip_*.wgsl', '../../shaders/binned_params.wgsl'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

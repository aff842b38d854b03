// The global family's WGSL (global average and max, GeM: row reductions): its own chunk, loaded by loadKernels.
export default import.meta.glob(['../../shaders/reduce_*.wgsl', '../../shaders/gem_*.wgsl', '../../shaders/binned_params.wgsl'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

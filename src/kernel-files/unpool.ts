// Max unpooling's WGSL: its own chunk, loaded by loadKernels.
export default import.meta.glob('../../shaders/unpool.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

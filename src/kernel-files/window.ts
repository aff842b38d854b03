// The window family's WGSL (max, avg, Lp, soft, mixed, stochastic pooling): its own chunk, loaded by loadKernels.
export default import.meta.glob('../../shaders/window_*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

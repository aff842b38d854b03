// Region pooling's WGSL (roiAlign, roiPool, psRoiAlign, psRoiPool): its own chunk, loaded by loadKernels.
export default import.meta.glob('../../shaders/roi_*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

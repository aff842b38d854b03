// WebGPU flag values from the specification (GPUBufferUsage, GPUMapMode), so the
// library needs no WebGPU globals: in Node, the `webgpu` package gives a GPU
// without putting GPUBufferUsage on globalThis.

/** GPUBufferUsage flags (WebGPU §5.1). */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  INDEX: 0x0010,
  VERTEX: 0x0020,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  INDIRECT: 0x0100,
  QUERY_RESOLVE: 0x0200,
} as const;

/** GPUMapMode flags (WebGPU §5.2). */
export const MapMode = {
  READ: 0x0001,
  WRITE: 0x0002,
} as const;

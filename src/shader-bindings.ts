// The storage bindings each kernel declares, read from its WGSL: the engine fills
// unused ones with placeholders of the right access and size, and decides where a
// view must be staged (engine.ts, recording.ts).
import { kernelSource, type ShaderName } from './shaders';

export interface StorageBinding {
  binding: number;
  /** The WGSL name, less the vec4 variants' trailing 4. */
  name: string;
  /** Whether the kernel may write it (`read_write`). */
  writable: boolean;
  /** Whether its elements are vec4s (16 bytes; a float16 kernel's 4 halves, 8), so a view must hold whole ones. */
  vec4: boolean;
  /** Whether it holds float values (f32, vec4<f32>, float4_word), not indices or words. */
  float: boolean;
}

const DECLARATION = /@group\(0\)\s*@binding\((\d+)\)\s*var<storage,\s*(read|read_write)>\s*(\w+)\s*:\s*array<([^;]+)>\s*;/g;

/** The storage bindings declared in WGSL `source`, by binding number (binding 0 is the uniforms). */
export function parseStorageBindings(source: string): StorageBinding[] {
  const found: StorageBinding[] = [];
  for (const m of source.matchAll(DECLARATION)) {
    const type = m[4].trim();
    const vec4 = type.startsWith('vec4') || type === 'float4_word';
    const float = type === 'f32' || type === 'vec4<f32>' || type === 'float4_word';
    // The vec4 variants' names end in 4 (x4): the host names both `x`.
    found.push({ binding: Number(m[1]), name: vec4 ? m[3].replace(/4$/, '') : m[3], writable: m[2] === 'read_write', vec4, float });
  }
  return found.sort((a, b) => a.binding - b.binding);
}

const cache = new Map<ShaderName, StorageBinding[]>();

/** The storage bindings of kernel `shader`, 1 … n in order. */
export function storageBindings(shader: ShaderName): StorageBinding[] {
  let list = cache.get(shader);
  if (!list) cache.set(shader, (list = parseStorageBindings(kernelSource(shader))));
  return list;
}

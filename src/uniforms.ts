/** One scalar field of a WGSL uniform struct. Only 4-byte scalars are used, so offsets are 4·position. */
export type UniformField = readonly [name: string, type: 'u32' | 'i32' | 'f32'];

/**
 * Packs `values` in the order of `fields`, which must list the WGSL struct's
 * members in order (a test parses the WGSL and compares). The buffer is rounded
 * up to 16 bytes, as uniform bindings require.
 */
export function packUniforms(fields: readonly UniformField[], values: Record<string, number>): ArrayBuffer {
  const buffer = new ArrayBuffer(Math.ceil((fields.length * 4) / 16) * 16);
  const view = new DataView(buffer);
  fields.forEach(([name, type], i) => {
    const v = values[name];
    if (v === undefined) throw new Error(`uniform field ${name} has no value`);
    if (type === 'u32') view.setUint32(i * 4, v, true);
    else if (type === 'i32') view.setInt32(i * 4, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  return buffer;
}

/** The member names of `struct name { … }` in WGSL source, in order (for the layout test). */
export function wgslStructFields(source: string, name: string): string[] {
  const match = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(source);
  if (!match) return [];
  return match[1]
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
    .map((m) => m.split(':')[0].trim());
}

/** A per-dimension list padded to rank 3 (D, H, W) with `fill` in front: ranks 1 and 2 run as rank 3. */
export function to3(values: readonly number[], fill = 1): [number, number, number] {
  const out = [fill, fill, fill, ...values].slice(-3);
  return [out[0], out[1], out[2]];
}

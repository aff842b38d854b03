import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WINDOW_PARAMS } from '../../src/ops/window-uniforms';
import { packUniforms, wgslStructFields } from '../../src/uniforms';

describe('uniform structs', () => {
  it('WINDOW_PARAMS lists the WGSL WindowParams members in order', () => {
    const source = readFileSync(new URL('../../shaders/window_params.wgsl', import.meta.url), 'utf8');
    const fields = wgslStructFields(source, 'WindowParams');
    expect(fields.length).toBeGreaterThan(10);
    expect(WINDOW_PARAMS.map(([name]) => name)).toEqual(fields);
    const body = /struct WindowParams\s*\{([^}]*)\}/.exec(source)![1];
    const types = [...body.matchAll(/^\s+(\w+): (u32|i32|f32),?$/gm)].map((m) => [m[1], m[2]]);
    expect(WINDOW_PARAMS.map(([n, t]) => [n, t])).toEqual(types);
  });

  it('packs little-endian 4-byte scalars padded to 16 bytes', () => {
    const buf = packUniforms([['a', 'u32'], ['b', 'i32'], ['c', 'f32']], { a: 7, b: -2, c: 0.5 });
    expect(buf.byteLength).toBe(16);
    const v = new DataView(buf);
    expect([v.getUint32(0, true), v.getInt32(4, true), v.getFloat32(8, true)]).toEqual([7, -2, 0.5]);
    expect(() => packUniforms([['a', 'u32']], {})).toThrow(/a has no value/);
  });
});

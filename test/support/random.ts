/** A small seeded generator (mulberry32) so every generated test case is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type DataKind = 'normal' | 'positive' | 'ties' | 'nan' | 'special' | 'neginf';

/**
 * Seeded test data; 'special' mixes NaN, ±Infinity and extreme magnitudes (1e30, ±1e-30)
 * into normal values; 'neginf' makes most values -Infinity (windows with no finite value).
 */
export function randomData(length: number, seed: number, kind: DataKind = 'normal'): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    if (kind === 'ties') out[i] = Math.floor(r() * 3);
    else if (kind === 'positive') out[i] = 0.05 + r() * 2;
    else out[i] = (r() - 0.5) * 4;
    if (kind === 'nan' && r() < 0.05) out[i] = NaN;
    if (kind === 'neginf' && r() < 0.8) out[i] = -Infinity;
    if (kind === 'special') {
      const u = r();
      if (u < 0.03) out[i] = NaN;
      else if (u < 0.06) out[i] = Infinity;
      else if (u < 0.09) out[i] = -Infinity;
      // Large magnitudes are positive only: +1e30 and −1e30 in one sum would cancel,
      // and the result would depend on the order of summation, not on correctness.
      else if (u < 0.2) out[i] = 1e30;
      else if (u < 0.3) out[i] = (r() < 0.5 ? -1 : 1) * 1e-30;
    }
  }
  return out;
}

export function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)];
}

import type { Dims } from '../../src/layout';

export interface Tolerance {
  abs: number;
  rel: number;
}

/** "n=0,c=1,h=2,w=3" for a memory offset: mismatches are reported with their coordinates. */
export function coordsAt(offset: number, dims: Dims, channelsLast: boolean): string {
  const names = ['d', 'h', 'w'].slice(3 - dims.spatial.length);
  const plane = dims.spatial.reduce((a, b) => a * b, 1);
  let n: number, c: number, s: number;
  if (channelsLast) {
    c = offset % dims.channels;
    s = Math.floor(offset / dims.channels) % plane;
    n = Math.floor(offset / dims.channels / plane);
  } else {
    s = offset % plane;
    c = Math.floor(offset / plane) % dims.channels;
    n = Math.floor(offset / plane / dims.channels);
  }
  const parts = [`n=${n}`, `c=${c}`];
  for (let i = dims.spatial.length - 1, rest = s; i >= 0; i--) {
    parts.splice(2, 0, `${names[i]}=${rest % dims.spatial[i]}`);
    rest = Math.floor(rest / dims.spatial[i]);
  }
  return parts.join(',');
}

/**
 * Every element where |got − want| > abs + rel·|want| (NaN matches only NaN,
 * infinities match only themselves), as one line each with its coordinates.
 */
export function mismatches(
  label: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
  dims: Dims,
  channelsLast: boolean,
  limit = 10,
): string[] {
  const out: string[] = [];
  if (got.length !== want.length) return [`${label}: length ${got.length}, want ${want.length}`];
  let count = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= tol.abs + tol.rel * Math.abs(w);
    if (!ok) {
      count++;
      if (out.length < limit) out.push(`${label}[${coordsAt(i, dims, channelsLast)}]: got ${g}, want ${w}`);
    }
  }
  if (count > limit) out.push(`${label}: … ${count - limit} more mismatches`);
  return out;
}

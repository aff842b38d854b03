// The host's half conversions (src/half.ts), against the definition of binary16 and
// round-to-nearest-even: every half, every midpoint between neighbours, and the edges.
import { describe, expect, it } from 'vitest';
import { halfBits, halfUlp, halfValue, roundToHalf, toHalfBits } from '../../src/half';

const isNaNBits = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

describe('half conversions', () => {
  it('give back every half unchanged (a NaN as a NaN: JavaScript numbers keep no NaN sign)', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const back = halfBits(halfValue(h));
      if (isNaNBits(h) ? !isNaNBits(back) : back !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('round every midpoint between neighbouring finite halves to the even one, and a hair off it to the nearer', () => {
    const wrong: string[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      const lo = halfValue(h);
      const hi = halfValue(h + 1);
      const mid = (lo + hi) / 2; // exact in float32: halves have 11 significant bits
      const even = h % 2 === 0 ? h : h + 1;
      const cases: [number, number][] = [
        [mid, even],
        [Math.fround(mid + (hi - lo) / 1024), h + 1],
        [Math.fround(mid - (hi - lo) / 1024), h],
      ];
      for (const [v, want] of cases) {
        if (halfBits(v) !== want) wrong.push(`${v}: ${halfBits(v)} != ${want}`);
        if (halfBits(-v) !== (want | 0x8000)) wrong.push(`${-v}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('overflow to inf at 65520 and beyond, and flush below half the smallest subnormal to zero', () => {
    expect(halfBits(65504)).toBe(0x7bff);
    expect(halfBits(65519.99)).toBe(0x7bff);
    expect(halfBits(65520)).toBe(0x7c00);
    expect(halfBits(-1e9)).toBe(0xfc00);
    expect(halfBits(Infinity)).toBe(0x7c00);
    expect(halfBits(2 ** -25)).toBe(0); // a tie with 0, the even one
    expect(halfBits(2 ** -25 + 2 ** -40)).toBe(1);
    expect(halfBits(1e-30)).toBe(0);
    expect(halfBits(-0)).toBe(0x8000);
    expect(isNaNBits(halfBits(NaN))).toBe(true);
    expect(Array.from(toHalfBits([1, -2, 0.5]))).toEqual([0x3c00, 0xc000, 0x3800]);
    expect(Array.from(roundToHalf([1 / 3]))).toEqual([0.333251953125]);
  });

  it('measure a half ulp where values are', () => {
    expect(halfUlp(1)).toBe(2 ** -10);
    expect(halfUlp(1.5)).toBe(2 ** -10);
    expect(halfUlp(2048)).toBe(2);
    expect(halfUlp(65504)).toBe(32);
    expect(halfUlp(1e-6)).toBe(2 ** -24);
  });
});

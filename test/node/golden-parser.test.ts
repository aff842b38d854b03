// The golden parser: Python's bare NaN / Infinity / -Infinity tokens become the
// strings the golden format uses, and text inside JSON strings is never changed.
import { describe, expect, it } from 'vitest';
import { parseGolden, toNumbers, type GoldenCase } from '../golden/golden-ops';

// A golden file as Python's json.dumps writes it: bare tokens as values, escaped
// quotes and backslashes inside strings (the old regex rewrote " NaN," in a note).
const TEXT = String.raw`{"format": "pool-golden/1", "cases": [
  {"id": "bare \"NaN\" case", "op": "maxPool", "rank": 1,
   "note": "max of NaN, 1 is NaN; Infinity, -Infinity and [-Infinity] stay words; a \"quoted NaN\" too: \"NaN\", {Infinity}",
   "params": {"kernel": 2, "limit": Infinity, "floor": -Infinity, "missing": NaN},
   "input": {"shape": [1, 1, 6], "data": [NaN, Infinity, -Infinity, 1.5, -2, "NaN"]},
   "output": {"shape": [1, 1, 3], "data": [NaN,-Infinity,Infinity]},
   "tail": "ends with a backslash \\", "after": NaN}
]}`;
const NOTE = 'max of NaN, 1 is NaN; Infinity, -Infinity and [-Infinity] stay words; a "quoted NaN" too: "NaN", {Infinity}';

describe('parseGolden', () => {
  const { cases } = parseGolden(TEXT);
  const c = cases[0] as GoldenCase & { note: string; tail: string; after: unknown };

  it('leaves strings as written: NaN, Infinity, -Infinity and \\" inside a note are text', () => {
    expect(cases).toHaveLength(1);
    expect(c.note).toBe(NOTE);
    expect(c.id).toBe('bare "NaN" case');
    expect(c.tail).toBe('ends with a backslash \\');
  });

  it("turns bare NaN, Infinity and -Infinity into the format's strings, and those into numbers", () => {
    expect(c.params).toEqual({ kernel: 2, limit: 'Infinity', floor: '-Infinity', missing: 'NaN' });
    expect(c.input.data).toEqual(['NaN', 'Infinity', '-Infinity', 1.5, -2, 'NaN']);
    expect(toNumbers(c.input.data)).toEqual([NaN, Infinity, -Infinity, 1.5, -2, NaN]);
    expect(toNumbers((c.output as GoldenCase['input']).data)).toEqual([NaN, -Infinity, Infinity]);
    expect(c.after).toBe('NaN');
  });

  it('rejects what is not JSON and values that are not numbers', () => {
    expect(() => parseGolden('{"data": [NaNa]}')).toThrow();
    expect(() => parseGolden('{"data": [1, "unterminated]}')).toThrow();
    expect(() => toNumbers(['nan'])).toThrow(/"nan" is not a number/);
    expect(() => toNumbers([''])).toThrow(/is not a number/);
  });
});

// Errors a new user met, each naming the fix: an array of the wrong type, and
// max unpooling's padding given as [before, after] pairs.
import { describe, expect, it } from 'vitest';
import { hostTensor } from '../../src/reference/index';
import { unpoolSpec } from '../../src/unpool-spec';

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return 'none';
}

describe('errors that name the fix', () => {
  it('a Float64Array (or a plain array) is refused with "use a Float32Array", not as a length error', () => {
    expect(error(() => hostTensor(new Float64Array(4) as never, [1, 1, 2, 2]))).toBe(
      'INVALID_OPTION: data = Float64Array(4): is a Float64Array; use a Float32Array (Float32Array.from(data) converts it), or an Int32Array of indices',
    );
    expect(error(() => hostTensor([1, 2, 3, 4] as never, [1, 1, 2, 2]))).toMatch(/^INVALID_OPTION: data = \[1, 2, 3, 4\]: is an Array; use a Float32Array/);
  });

  it("max unpooling's padding pairs are an INVALID_PADDING, not NOT_FINITE", () => {
    expect(
      error(() =>
        unpoolSpec([4, 4], {
          kernel: 2,
          padding: [
            [1, 0],
            [0, 1],
          ],
        }),
      ),
    ).toMatch(/^INVALID_PADDING: padding = \[\[1, 0\], \[0, 1\]\]: must be a number or one number per spatial dimension/);
    expect(error(() => unpoolSpec([4, 4], { kernel: 2, padding: [1, Infinity] }))).toMatch(/^NOT_FINITE: padding/);
    expect(error(() => unpoolSpec([4, 4], { kernel: 2, outputSize: [8, 'x'] }))).toMatch(/^INVALID_OUTPUT_SIZE: outputSize/);
  });
});

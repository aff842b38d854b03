import { describe, expect, it } from 'vitest';
import { PoolError } from '../../src/errors';
import { pooledSize, samePadding, windowSpec, avgDivisor, conventionIndex } from '../../src/window-spec';
import { hostTensor } from '../../src/reference/host-tensor';
import * as reference from '../../src/reference/index';
import { batchedLayout, dimsOf, layoutFor, layoutInfo, relayout, resolveLayout, shapeOf } from '../../src/layout';

describe('output size (PyTorch formula)', () => {
  it.each([
    // in, k, s, d, pad, ceil, want
    [17, 3, 2, 1, 1, false, 9],
    [23, 4, 3, 2, 2, true, 8],
    [10, 3, 2, 1, 1, true, 6],
    [9, 3, 2, 1, 1, true, 5],
    [13, 5, 3, 1, 2, true, 5],
    [5, 2, 2, 1, 0, false, 2],
    [5, 2, 2, 1, 0, true, 3],
    // ceil mode drops a last window that would start in the right padding
    [6, 2, 2, 1, 1, true, 4],
  ])('in=%i k=%i s=%i d=%i p=%i ceil=%s -> %i', (input, k, s, d, p, ceil, want) => {
    expect(pooledSize(input, k, s, d, p, p, ceil)).toBe(want);
  });

  it('TensorFlow SAME padding puts the odd cell after', () => {
    expect(samePadding(9, 3, 2, 1)).toEqual([1, 1]);
    expect(samePadding(10, 3, 2, 1)).toEqual([0, 1]);
    expect(samePadding(13, 4, 3, 1)).toEqual([1, 2]);
    expect(samePadding(6, 2, 2, 1)).toEqual([0, 0]);
    const spec = windowSpec('max', [9, 10], { kernel: 3, stride: 2, padding: 'same' });
    expect(spec.outputSpatial).toEqual([5, 5]);
    expect(spec.padBefore).toEqual([1, 0]);
    expect(spec.padAfter).toEqual([1, 1]);
  });

  it('normalizes every padding form', () => {
    const s = (padding: unknown) => windowSpec('avg', [8, 8], { kernel: 3, padding } as never);
    expect(s(1).padBefore).toEqual([1, 1]);
    expect(s([1, 0]).padAfter).toEqual([1, 0]);
    expect(
      s([
        [0, 1],
        [1, 0],
      ]).padBefore,
    ).toEqual([0, 1]);
    expect(
      s([
        [0, 1],
        [1, 0],
      ]).padAfter,
    ).toEqual([1, 0]);
    expect(s('valid').padBefore).toEqual([0, 0]);
  });

  it('average divisor follows PyTorch: padding counts, the ceil overhang does not', () => {
    const spec = windowSpec('avg', [10], { kernel: 3, stride: 2, padding: 1, ceilMode: true });
    expect(spec.outputSpatial).toEqual([6]);
    expect(avgDivisor(spec, [-1])).toBe(3); // includes one padding cell
    expect(avgDivisor(spec, [9])).toBe(2); // window [9, 12) clipped at 10 + 1
    const excl = windowSpec('avg', [10], { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false });
    expect(avgDivisor(excl, [-1])).toBe(2);
    expect(avgDivisor(excl, [9])).toBe(1);
  });

  it("under 'same' or asymmetric padding, average excludes padding unless told", () => {
    expect(windowSpec('avg', [9], { kernel: 3, stride: 2, padding: 'same' }).countIncludePad).toBe(false);
    expect(windowSpec('avg', [9], { kernel: 3, padding: [[0, 1]] }).countIncludePad).toBe(false);
    expect(windowSpec('avg', [9], { kernel: 3, padding: [[0, 1]], countIncludePad: true }).countIncludePad).toBe(true);
    expect(windowSpec('avg', [9], { kernel: 3, padding: 1 }).countIncludePad).toBe(true);
  });
});

/** Every bad input of the foundation, with the code it must raise and what the message must name. */
const BAD: [string, () => unknown, string, string][] = [
  ['wrong rank', () => hostTensor(new Float32Array(4), [2, 2]), 'INVALID_RANK', 'shape'],
  ['rank does not fit the layout', () => hostTensor(new Float32Array(8), [1, 2, 2, 2], 'NCW'), 'INVALID_RANK', 'shape'],
  ['data length', () => hostTensor(new Float32Array(5), [1, 1, 2, 2]), 'DATA_LENGTH', 'data.length'],
  ['non-integer shape', () => hostTensor(new Float32Array(4), [1, 1, 2.5, 2]), 'INVALID_SHAPE', 'shape'],
  ['unknown layout', () => hostTensor(new Float32Array(4), [1, 1, 2, 2], 'NCHWX' as never), 'INVALID_LAYOUT', 'layout'],
  ['kernel 0', () => windowSpec('max', [8, 8], { kernel: 0 }), 'INVALID_KERNEL', 'kernel'],
  ['kernel 1.5', () => windowSpec('max', [8, 8], { kernel: 1.5 }), 'INVALID_KERNEL', 'kernel'],
  ['kernel of the wrong length', () => windowSpec('max', [8, 8], { kernel: [2, 2, 2] }), 'INVALID_OPTION', 'kernel'],
  ['stride 0', () => windowSpec('max', [8, 8], { kernel: 2, stride: 0 }), 'INVALID_STRIDE', 'stride'],
  ['stride -1', () => windowSpec('avg', [8, 8], { kernel: 2, stride: [1, -1] }), 'INVALID_STRIDE', 'stride'],
  ['dilation 0', () => windowSpec('max', [8, 8], { kernel: 2, dilation: 0 }), 'INVALID_DILATION', 'dilation'],
  ['padding over half the kernel', () => windowSpec('max', [8, 8], { kernel: 3, padding: 2 }), 'INVALID_PADDING', 'padding'],
  ['padding over half the dilated kernel', () => windowSpec('max', [8, 8], { kernel: 2, dilation: 2, padding: 2 }), 'INVALID_PADDING', 'padding'],
  ['negative padding', () => windowSpec('avg', [8, 8], { kernel: 3, padding: -1 }), 'INVALID_PADDING', 'padding'],
  ['unknown padding word', () => windowSpec('avg', [8, 8], { kernel: 3, padding: 'full' as never }), 'INVALID_PADDING', 'padding'],
  ['empty output', () => windowSpec('max', [3, 3], { kernel: 5 }), 'EMPTY_OUTPUT', 'kernel'],
  ['a window of padding only', () => windowSpec('max', [2], { kernel: 2, dilation: 3, padding: 1, stride: 1 }), 'EMPTY_WINDOW', 'dilation'],
  ['unknown mode', () => windowSpec('median' as never, [8], { kernel: 2 }), 'INVALID_MODE', 'mode'],
  ['NaN kernel', () => windowSpec('max', [8], { kernel: NaN }), 'NOT_FINITE', 'kernel'],
  ['Infinity stride', () => windowSpec('max', [8], { kernel: 2, stride: Infinity }), 'NOT_FINITE', 'stride'],
  ['NaN p', () => windowSpec('lp', [8], { kernel: 2, p: NaN }), 'NOT_FINITE', 'p'],
  ['p = 0', () => windowSpec('lp', [8], { kernel: 2, p: 0 }), 'INVALID_P', 'p'],
  ['p < 0', () => windowSpec('lp', [8], { kernel: 2, p: -2 }), 'INVALID_P', 'p'],
  ['lp padding', () => windowSpec('lp', [8], { kernel: 2, p: 2, padding: 1 } as never), 'INVALID_OPTION', 'padding'],
  ['dilation on Lp pooling', () => windowSpec('lp', [8], { kernel: 2, p: 2, dilation: 2 } as never), 'INVALID_OPTION', 'dilation'],
  ['divisorOverride 0', () => windowSpec('avg', [8], { kernel: 2, divisorOverride: 0 }), 'INVALID_OPTION', 'divisorOverride'],
  ['lambda above 1', () => windowSpec('mixed', [8], { kernel: 2, lambda: 1.5 }), 'INVALID_OPTION', 'lambda'],
  ['lambda NaN', () => windowSpec('mixed', [8], { kernel: 2, lambda: NaN }), 'NOT_FINITE', 'lambda'],
  ['SoftPool padding', () => windowSpec('soft', [8], { kernel: 2, padding: 1 } as never), 'INVALID_OPTION', 'padding'],
  ['stochastic dilation', () => windowSpec('stochasticEval', [8], { kernel: 2, dilation: 2 } as never), 'INVALID_OPTION', 'dilation'],
  ['ceilMode not boolean', () => windowSpec('max', [8], { kernel: 2, ceilMode: 1 as never }), 'INVALID_OPTION', 'ceilMode'],
  ['largePadding not boolean', () => windowSpec('avg', [8], { kernel: 3, padding: 2, largePadding: 'yes' as never }), 'INVALID_OPTION', 'largePadding'],
  ['unknown index convention', () => windowSpec('max', [8], { kernel: 2, indexConvention: 'tf' as never }), 'INVALID_OPTION', 'indexConvention'],
  ['index convention on average', () => windowSpec('avg', [8], { kernel: 2, indexConvention: 'flat' } as never), 'INVALID_OPTION', 'indexConvention'],
  [
    'backward with flat indices',
    () =>
      reference.maxPoolBackward(
        hostTensor(new Float32Array(4), [1, 1, 4]),
        hostTensor(new Float32Array(8), [1, 1, 8]),
        hostTensor(new Int32Array(4), [1, 1, 4]),
        {
          kernel: 2,
          indexConvention: 'flat',
        },
      ),
    'INVALID_OPTION',
    'indexConvention',
  ],
];

describe("TensorFlow's and ONNX's window rules", () => {
  it('largePadding takes padding beyond half the kernel; an average over padding only is 0', () => {
    const spec = windowSpec('avg', [1, 1, 1], { kernel: 1, padding: 2, largePadding: true, countIncludePad: false });
    expect(spec.outputSpatial).toEqual([5, 5, 5]);
    expect(avgDivisor(spec, [-2, -2, -2])).toBe(1);
    const y = reference.avgPool(hostTensor(Float32Array.of(7), [1, 1, 1, 1, 1]), { kernel: 1, padding: 2, largePadding: true, countIncludePad: false });
    expect(Array.from(y.data).filter((v) => v !== 0)).toEqual([7]);
    expect(y.data[62]).toBe(7);
  });

  it('an average with dilation divides by the taps it counts, not the cells it spans', () => {
    // Kernel 3, dilation 2 over 5 cells, padding 2 (largePadding): window 0 taps cells -2, 0, 2.
    const spec = windowSpec('avg', [5], { kernel: 3, dilation: 2, padding: 2, stride: 1, countIncludePad: false });
    expect(avgDivisor(spec, [-2])).toBe(2);
    expect(avgDivisor({ ...spec, countIncludePad: true }, [-2])).toBe(3);
    expect(avgDivisor(spec, [1])).toBe(2);
  });

  it('with largePadding a max window of padding only gives -Infinity and index -1, which the backward skips', () => {
    const x = hostTensor(Float32Array.of(3, 5), [1, 1, 2]);
    const options = { kernel: 1, padding: 1, stride: 1, largePadding: true };
    const { output, indices } = reference.maxPool(x, options);
    expect(Array.from(output.data)).toEqual([-Infinity, 3, 5, -Infinity]);
    expect(Array.from(indices.data)).toEqual([-1, 0, 1, -1]);
    const flat = reference.maxPool(x, { ...options, indexConvention: 'flat' });
    expect(Array.from(flat.indices.data)).toEqual([-1, 0, 1, -1]);
    const grad = reference.maxPoolBackward(hostTensor(Float32Array.of(1, 2, 4, 8), [1, 1, 4]), x, indices, options);
    expect(Array.from(grad.data)).toEqual([2, 4]);
  });

  it("'sameLower' puts the odd padding cell before, 'same' after", () => {
    expect(windowSpec('max', [6], { kernel: 2, stride: 1, padding: 'same' })).toMatchObject({ padBefore: [0], padAfter: [1] });
    expect(windowSpec('max', [6], { kernel: 2, stride: 1, padding: 'sameLower' })).toMatchObject({ padBefore: [1], padAfter: [0] });
  });

  it('index conventions count what ONNX and TensorFlow count', () => {
    // Input [N=2, C=3, H=4, W=5]; the winner at (h=2, w=1) of item 1, channel 2: plane index 11.
    const s = 2 * 5 + 1;
    expect(conventionIndex('plane', s, 1, 2, 3, [4, 5])).toBe(11);
    expect(conventionIndex('flat', s, 1, 2, 3, [4, 5])).toBe((1 * 3 + 2) * 20 + 11);
    expect(conventionIndex('flatColumnMajor', s, 1, 2, 3, [4, 5])).toBe((1 * 3 + 2) * 20 + 2 + 1 * 4);
    expect(conventionIndex('channelsLast', s, 1, 2, 3, [4, 5])).toBe(11 * 3 + 2);
    expect(conventionIndex('channelsLastBatch', s, 1, 2, 3, [4, 5])).toBe((1 * 20 + 11) * 3 + 2);
  });
});

describe('bad input gets a typed error naming the parameter, its value and the rule', () => {
  it.each(BAD)('%s', (_, call, code, param) => {
    let caught: unknown;
    try {
      call();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PoolError);
    const err = caught as PoolError;
    expect(err.code).toBe(code);
    expect(err.param).toBe(param);
    expect(err.message.startsWith(`${param} = `)).toBe(true);
    expect(err.message).toMatch(/: \w/);
  });

  it('gradient shapes are checked against the forward output', () => {
    const x = hostTensor(new Float32Array(16), [1, 1, 4, 4]);
    const g = hostTensor(new Float32Array(9), [1, 1, 3, 3]);
    expect(() => reference.avgPoolBackward(g, x, { kernel: 2 })).toThrow(
      /gradOutput.shape = \[1, 1, 3, 3\]: must be the forward output's shape \[1, 1, 2, 2\]/,
    );
  });
});

describe('layouts', () => {
  it('relayout round-trips and keeps logical coordinates', () => {
    const dims = dimsOf([2, 3, 4, 5], 'NCHW');
    const data = Float32Array.from({ length: 120 }, (_, i) => i);
    const last = relayout(data, dims, false, true);
    expect(shapeOf(dims, 'NHWC')).toEqual([2, 4, 5, 3]);
    // element n=1, c=2, h=3, w=4
    expect(last[((1 * 4 + 3) * 5 + 4) * 3 + 2]).toBe(data[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
    expect(relayout(last, dims, true, false)).toEqual(data);
  });
});

describe('max unpooling output size', () => {
  it("takes PyTorch's default, a spatial size, or a full [N, C, ...spatial] size", async () => {
    const { unpoolSpec } = await import('../../src/unpool-spec');
    expect(unpoolSpec([4, 4], { kernel: 2 }).outputSpatial).toEqual([8, 8]);
    expect(unpoolSpec([4, 4], { kernel: 2, outputSize: [9, 8] }).outputSpatial).toEqual([9, 8]);
    expect(unpoolSpec([4, 4], { kernel: 2, outputSize: [1, 3, 9, 9] }).outputSpatial).toEqual([9, 9]);
    expect(() => unpoolSpec([4, 4], { kernel: 2, outputSize: [10, 8] })).toThrow(/outputSize = \[10, 8\]: must be between 8 and 9 in dimension 0/);
  });
});

describe('unbatched layouts', () => {
  it('read a shape without its batch as batch 1 and write results without it; region outputs take the batched form', () => {
    expect(dimsOf([3, 7, 6], 'CHW')).toEqual({ batch: 1, channels: 3, spatial: [7, 6] });
    expect(dimsOf([7, 6, 3], 'HWC')).toEqual({ batch: 1, channels: 3, spatial: [7, 6] });
    expect(dimsOf([2, 5, 4, 6], 'CDHW')).toEqual({ batch: 1, channels: 2, spatial: [5, 4, 6] });
    expect(shapeOf({ batch: 1, channels: 3, spatial: [4, 3] }, 'HWC')).toEqual([4, 3, 3]);
    expect(shapeOf({ batch: 1, channels: 3, spatial: [9] }, 'CW')).toEqual([3, 9]);
    expect(layoutInfo('WC')).toEqual({ rank: 1, channelsLast: true, batched: false });
    expect(layoutFor(2, true, false)).toBe('HWC');
    expect(layoutFor(2, true)).toBe('NHWC');
    expect(batchedLayout('CDHW')).toBe('NCDHW');
    expect(batchedLayout('NHWC')).toBe('NHWC');
    expect(resolveLayout([3, 7, 6], undefined)).toBe('NCW');
    expect(resolveLayout([3, 7, 6], 'CHW')).toBe('CHW');
    expect(() => resolveLayout([1, 3, 7, 6], 'CHW')).toThrow(/must have 3 dimensions for layout CHW/);
  });
  it('tell a caller whose option has one entry too many to give an unbatched image its layout', () => {
    expect(() => windowSpec('max', [8], { kernel: [2, 2] })).toThrow(/one per spatial dimension\); the input has 1 spatial dimension: .*'CHW' or 'HWC'/);
    expect(() => windowSpec('max', [8, 8], { kernel: [2, 2, 2] })).toThrow(/'CDHW' or 'DHWC'/);
    expect(() => windowSpec('max', [8, 8], { kernel: [2, 2, 2, 2] })).toThrow(/one per spatial dimension\)$/);
  });
});

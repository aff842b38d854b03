// webgpu-pool/onnx's attribute mapping and the reader of ONNX's test data (the
// conformance runner, test/onnx/run.mjs, runs the operators themselves).
import { describe, expect, it } from 'vitest';
import { PoolError } from '../../src/errors';
import {
  onnxAveragePoolOptions,
  onnxLpPoolOptions,
  onnxMaxPoolOptions,
  onnxMaxRoiPoolOptions,
  onnxMaxUnpoolOptions,
  onnxPadding,
  onnxRoiAlignOptions,
  int64ToInt32,
} from '../../src/onnx/index';
import { listPoolingCaseDirs, loadOnnxCase, readOnnxTensor } from '../support/onnx-data';

describe("ONNX's attributes as the engine's options", () => {
  it('pads [begins…, ends…] become [before, after] pairs; auto_pad becomes a padding word', () => {
    expect(onnxPadding({ pads: [1, 2, 3, 4] }, 2)).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(onnxPadding({ auto_pad: 'SAME_UPPER', pads: [9, 9] }, 1)).toBe('same');
    expect(onnxPadding({ auto_pad: 'SAME_LOWER' }, 1)).toBe('sameLower');
    expect(onnxPadding({ auto_pad: 'VALID' }, 1)).toBe('valid');
  });

  it('MaxPool: Indices in storage_order, padding of any size, ceil_mode dropped under SAME', () => {
    expect(onnxMaxPoolOptions({ kernel_shape: [3], pads: [2, 2], storage_order: 1 }, 1, true)).toMatchObject({
      kernel: [3],
      stride: [1],
      padding: [[2, 2]],
      largePadding: true,
      indices: true,
      indexConvention: 'flatColumnMajor',
    });
    expect(onnxMaxPoolOptions({ kernel_shape: [2, 2], auto_pad: 'SAME_UPPER', ceil_mode: 1 }, 2, false)).toMatchObject({ ceilMode: undefined, indices: false });
  });

  it('AveragePool counts padding only with count_include_pad; LpPool is the norm, p = 2 by default', () => {
    expect(onnxAveragePoolOptions({ kernel_shape: [2] }, 1).countIncludePad).toBe(false);
    expect(onnxAveragePoolOptions({ kernel_shape: [2], count_include_pad: 1 }, 1).countIncludePad).toBe(true);
    expect(onnxLpPoolOptions({ kernel_shape: [2] }, 1)).toMatchObject({ p: 2, norm: true });
  });

  it("MaxUnpool's output_shape keeps the indices in the inferred size", () => {
    expect(onnxMaxUnpoolOptions({ kernel_shape: [2, 2], strides: [2, 2] }, [2, 2])).toMatchObject({ outputSize: [4, 4], indexConvention: 'flat' });
    expect(onnxMaxUnpoolOptions({ kernel_shape: [2, 2], strides: [2, 2] }, [2, 2], [1, 1, 5, 5])).toMatchObject({ outputSize: [5, 5], indexSize: [4, 4] });
  });

  it("RoiAlign's half_pixel is torchvision's aligned; sampling_ratio 0 is adaptive; MaxRoiPool is roi_pool", () => {
    expect(onnxRoiAlignOptions({})).toEqual({ outputSize: [1, 1], spatialScale: 1, samplingRatio: 0, aligned: true });
    expect(onnxRoiAlignOptions({ coordinate_transformation_mode: 'output_half_pixel', output_height: 5, output_width: 4 })).toMatchObject({
      outputSize: [5, 4],
      aligned: false,
    });
    expect(onnxMaxRoiPoolOptions({ pooled_shape: [2, 3], spatial_scale: 0.5 })).toEqual({ outputSize: [2, 3], spatialScale: 0.5 });
  });

  it.each([
    ["RoiAlign's max mode", () => onnxRoiAlignOptions({ mode: 'max' }), 'INVALID_OPTION', 'mode'],
    ['MaxRoiPool without pooled_shape', () => onnxMaxRoiPoolOptions({}), 'INVALID_OPTION', 'pooled_shape'],
    ['an unknown attribute', () => onnxMaxPoolOptions({ kernel_shape: [2], p: 2 } as never, 1, false), 'INVALID_OPTION', 'p'],
    ['no kernel_shape', () => onnxAveragePoolOptions({}, 2), 'INVALID_KERNEL', 'kernel_shape'],
    ['pads of the wrong length', () => onnxMaxPoolOptions({ kernel_shape: [2, 2], pads: [1, 1] }, 2, false), 'INVALID_PADDING', 'pads'],
    ['an unknown auto_pad', () => onnxMaxPoolOptions({ kernel_shape: [2], auto_pad: 'SAME' as never }, 1, false), 'INVALID_PADDING', 'auto_pad'],
    ['ceil_mode 2', () => onnxMaxPoolOptions({ kernel_shape: [2], ceil_mode: 2 }, 1, false), 'INVALID_OPTION', 'ceil_mode'],
    ['an int64 index past int32', () => int64ToInt32([2n ** 31n]), 'TOO_LARGE', 'indices[0]'],
  ])('%s raises a PoolError naming it', (_, call, code, param) => {
    let caught: unknown;
    try {
      call();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PoolError);
    expect((caught as PoolError).code).toBe(code);
    expect((caught as PoolError).param).toBe(param);
  });
});

describe("the reader of ONNX's test data", () => {
  it('decodes a packed negative int64 (ten-byte varint) and checks dims against the values', () => {
    // dims [1] (field 1), data_type INT64 (field 2 = 7), int64_data [-1] packed (field 7).
    const bytes = Uint8Array.of(0x08, 1, 0x10, 7, 0x3a, 10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    const t = readOnnxTensor(bytes);
    expect(t).toMatchObject({ dims: [1], dtype: 'int64' });
    expect(Array.from(t.data as BigInt64Array)).toEqual([-1n]);
    expect(() => readOnnxTensor(Uint8Array.of(0x08, 2, 0x10, 7, 0x3a, 1, 0x05))).toThrow(/1 values for dims \[2\]/);
  });

  it('finds every pooling case of the data, each one pooling node with data sets that match their dims', () => {
    const ids = listPoolingCaseDirs();
    expect(ids.length).toBeGreaterThanOrEqual(50);
    expect(ids).toContain('node/test_maxpool_2d_pads');
    expect(ids).toContain('pytorch-operator/test_operator_maxpool');
    const pads = loadOnnxCase('node/test_maxpool_2d_pads');
    expect(pads.model.nodes[0]).toMatchObject({ opType: 'MaxPool', attributes: { kernel_shape: [3, 3], pads: [2, 2, 2, 2] } });
    expect(pads.sets[0].inputs[0].dims).toEqual([1, 3, 28, 28]);
    const argmax = loadOnnxCase('node/test_maxpool_with_argmax_2d_precomputed_strides');
    expect(argmax.sets[0].outputs.map((t) => t.dtype)).toEqual(['float32', 'int64']);
    expect(argmax.model.nodes[0].attributes.storage_order).toBe(1);
    expect(loadOnnxCase('node/test_maxpool_2d_uint8').sets[0].inputs[0].dtype).toBe('uint8');
    expect(loadOnnxCase('node/test_averagepool_2d_same_lower').model.nodes[0].attributes.auto_pad).toBe('SAME_LOWER');
  });
});

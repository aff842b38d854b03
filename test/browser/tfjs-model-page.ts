// The page tfjs-model.test.ts drives: tf.layers models (2-D and 3-D) built in code
// with seeded weights, run on TF.js's webgpu backend with TF.js's own kernels and
// then with webgpu-pool/tfjs installed: predictions and one training step each way.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { installTfjsKernels, type TfLike } from '../../src/tfjs/index';
import { withErrorScope } from '../support/error-scope';

/** Seeded values in [-1, 1) (a linear congruential generator: the same on every run). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

/** Conv, MaxPooling2D, AveragePooling2D ('same'), GlobalAveragePooling2D and a dense head. */
function model2d(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [15, 15, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  m.add(tfl.layers.globalAveragePooling2d({}));
  m.add(tfl.layers.dense({ units: 4, activation: 'softmax' }));
  return m;
}

/** Conv3D, MaxPooling3D and a dense head. */
function model3d(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv3d({ inputShape: [6, 7, 6, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling3d({ poolSize: 2, padding: 'same' }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
  return m;
}

interface Run {
  predictions: number[];
  trained: number[];
}

/** Predictions, then one SGD step on fixed labels, from the seeded weights. */
async function runModel(make: () => tfl.LayersModel, inputShape: number[], classes: number): Promise<Run> {
  const model = make();
  model.setWeights(
    model.getWeights().map((w, i) =>
      tf.tensor(
        seeded(w.size, 17 + i).map((v) => v * 0.5),
        w.shape,
      ),
    ),
  );
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const batch = inputShape[0];
  const x = tf.tensor(
    seeded(
      inputShape.reduce((a, b) => a * b, 1),
      5,
    ),
    inputShape,
  );
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % classes),
      'int32',
    ),
    classes,
  );
  const predictions = Array.from(await (model.predict(x) as tf.Tensor).data());
  await model.trainOnBatch(x, y);
  const trained = (await Promise.all(model.getWeights().map((w) => w.data()))).flatMap((d) => Array.from(d));
  model.dispose();
  tf.dispose([x, y]);
  return { predictions, trained };
}

async function compare(make: () => tfl.LayersModel, inputShape: number[], classes: number) {
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const without = await withErrorScope(device, () => runModel(make, inputShape, classes));
  const plugin = installTfjsKernels(tf as unknown as TfLike);
  try {
    const withPlugin = await withErrorScope(device, () => runModel(make, inputShape, classes));
    return { without, withPlugin, counts: JSON.parse(JSON.stringify(plugin.counts)) };
  } finally {
    plugin.uninstall();
  }
}

async function start() {
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (!(await tf.setBackend('webgpu'))) throw new Error("TF.js's webgpu backend did not start");
  await tf.ready();
  (window as unknown as { tfjsModel: unknown }).tfjsModel = {
    model2d: () => compare(model2d, [4, 15, 15, 3], 4),
    model3d: () => compare(model3d, [2, 6, 7, 6, 2], 3),
    /** The plugin's errors: each is a PoolError with INVALID_OPTION. */
    errors() {
      const out: Record<string, string> = {};
      const attempt = (name: string, fn: () => unknown) => {
        try {
          fn();
          out[name] = 'no error';
        } catch (e) {
          out[name] = `${(e as { name?: string }).name}: ${(e as { code?: string }).code}: ${(e as Error).message}`;
        }
      };
      attempt('not TF.js', () => installTfjsKernels({} as TfLike));
      const first = installTfjsKernels(tf as unknown as TfLike);
      attempt('twice', () => installTfjsKernels(tf as unknown as TfLike));
      first.uninstall();
      const noWebgpu = {
        ...(tf as unknown as TfLike),
        getKernel: (name: string, backend: string) => (backend === 'webgpu' ? undefined : tf.getKernel(name, backend)),
      };
      attempt('no webgpu backend', () => installTfjsKernels(noWebgpu as TfLike));
      // After uninstall, TF.js's own kernel is back.
      const restored = tf.getKernel('MaxPool', 'webgpu')?.kernelFunc.name;
      return { out, restored };
    },
  };
}

start().then(
  () => ((window as unknown as { harnessReady: unknown }).harnessReady = true),
  (e) => ((window as unknown as { harnessReady: unknown }).harnessReady = String((e as Error).stack ?? e)),
);

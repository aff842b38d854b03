// The TF.js plugin section of the benchmark (issue 19): each kernel webgpu-pool/tfjs
// registers, timed through TF.js (tf.* and tf.engine().runKernel) with TF.js's own
// kernels and with the plugin installed, and a tf.layers model's inference and
// one training step each way: same device, same run (test/bench/suite.ts).
import * as tfl from '@tensorflow/tfjs-layers';
import { installTfjsKernels, type TfLike } from '../../src/tfjs/index';
import type { IntegrationEntry, IntegrationRow } from './integration';
import type { TfHandle } from './suite';
import { randomData } from '../support/random';

type Tf = TfHandle['tf'];
type T = ReturnType<Tf['tensor']>;

interface KernelCase {
  id: string;
  kernel: string;
  /** Inputs made once; `call` runs the kernel on them. */
  make(tf: Tf): { inputs: T[]; call: () => T | T[] };
  bytes: number;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const tensor = (tf: Tf, shape: number[], seed: number) => tf.tensor(randomData(size(shape), seed), shape);

/** One case per registered kernel, each at a size a model meets. */
function kernelCases(quick: boolean): KernelCase[] {
  const n = quick ? 1 : 4;
  const s2 = [n, 112, 112, 64];
  const p2 = [n, 56, 56, 64];
  const s3 = [1, 16, 56, 56, 16];
  const p3 = [1, 8, 28, 28, 16];
  const g = [quick ? 1 : 8, 7, 7, 2048];
  const pool2 = { filterSize: [3, 3], strides: [2, 2], pad: 'same' };
  const pool3 = { filterSize: [2, 2, 2], strides: [2, 2, 2], pad: 'valid', dataFormat: 'NDHWC' };
  const bytes = (...shapes: number[][]) => 4 * shapes.reduce((a, sh) => a + size(sh), 0);
  const grad2 = (kernel: string, withOutput: boolean): KernelCase => ({
    id: `${kernel} 3x3 s2 same ${s2.join('x')}`,
    kernel,
    make: (tf) => {
      const input = tensor(tf, s2, 1);
      const dy = tensor(tf, p2, 2);
      const output = tf.maxPool(input as never, 3, 2, 'same');
      const inputs = withOutput ? { dy, input, output } : { dy, input };
      return { inputs: [input, dy, output], call: () => tf.engine().runKernel(kernel, inputs as never, pool2 as never) as T };
    },
    bytes: bytes(s2, p2, s2),
  });
  const grad3 = (kernel: string): KernelCase => ({
    id: `${kernel} 2x2x2 s2 ${s3.join('x')}`,
    kernel,
    make: (tf) => {
      const input = tensor(tf, s3, 3);
      const dy = tensor(tf, p3, 4);
      return { inputs: [input, dy], call: () => tf.engine().runKernel(kernel, { dy, input } as never, pool3 as never) as T };
    },
    bytes: bytes(s3, p3, s3),
  });
  return [
    {
      id: `MaxPool 3x3 s2 same ${s2.join('x')}`,
      kernel: 'MaxPool',
      make: (tf) => one(tf, s2, (x) => tf.maxPool(x as never, 3, 2, 'same')),
      bytes: bytes(s2, p2),
    },
    {
      id: `AvgPool 3x3 s2 same ${s2.join('x')}`,
      kernel: 'AvgPool',
      make: (tf) => one(tf, s2, (x) => tf.avgPool(x as never, 3, 2, 'same')),
      bytes: bytes(s2, p2),
    },
    {
      id: `MaxPool3D 2x2x2 s2 ${s3.join('x')}`,
      kernel: 'MaxPool3D',
      make: (tf) => one(tf, s3, (x) => tf.maxPool3d(x as never, 2, 2, 'valid')),
      bytes: bytes(s3, p3),
    },
    {
      id: `AvgPool3D 2x2x2 s2 ${s3.join('x')}`,
      kernel: 'AvgPool3D',
      make: (tf) => one(tf, s3, (x) => tf.avgPool3d(x as never, 2, 2, 'valid')),
      bytes: bytes(s3, p3),
    },
    grad2('MaxPoolGrad', true),
    grad2('AvgPoolGrad', false),
    grad3('MaxPool3DGrad'),
    grad3('AvgPool3DGrad'),
    {
      id: `MaxPoolWithArgmax 3x3 s2 same ${s2.join('x')}`,
      kernel: 'MaxPoolWithArgmax',
      // Distinct values: on ties TF.js's webgpu kernel reports the last maximum, the plugin the first (TensorFlow's).
      make: (tf) => {
        const x = tf.tensor(
          Float32Array.from({ length: size(s2) }, (_, i) => ((i * 7919) % size(s2)) / size(s2)),
          s2,
        );
        return { inputs: [x], call: () => Object.values(tf.maxPoolWithArgmax(x as never, 3, 2, 'same')) as T[] };
      },
      bytes: bytes(s2, p2, p2),
    },
    { id: `Mean axes 1,2 ${g.join('x')}`, kernel: 'Mean', make: (tf) => one(tf, g, (x) => tf.mean(x, [1, 2])), bytes: bytes(g, [g[0], g[3]]) },
    { id: `Max axes 1,2 ${g.join('x')}`, kernel: 'Max', make: (tf) => one(tf, g, (x) => tf.max(x, [1, 2])), bytes: bytes(g, [g[0], g[3]]) },
  ];
}

function one(tf: Tf, shape: number[], f: (x: T) => T | T[]) {
  const x = tensor(tf, shape, 9);
  return { inputs: [x], call: () => f(x) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const base = { speedup: null, speedupOf: '', bytes: null, gbps: null, copyGBps: null, ofCopy: null } as const;

/** Seeded weights, so both runs start from the same model. */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * 0.3;
  });
}

/** The model of test/browser/tfjs-model-page.ts at a larger input. */
function model(tf: Tf, side: number): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [side, side, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  m.add(tfl.layers.globalAveragePooling2d({}));
  m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
  m.setWeights(m.getWeights().map((w, i) => tf.tensor(seeded(w.size, 11 + i), w.shape)));
  m.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  return m;
}

export function tfjsPluginEntries(): IntegrationEntry[] {
  return [
    {
      id: 'tfjs plugin kernels',
      op: 'tfjs',
      async run(ctx) {
        const tfh = ctx.tf;
        if (!tfh) throw new Error('needs TF.js on the bench device');
        const { tf } = tfh;
        const sync = async () => {
          tfh.flush();
          await ctx.engine.device.queue.onSubmittedWorkDone();
        };
        const rows: IntegrationRow[] = [];
        for (const c of kernelCases(ctx.quick)) {
          const { inputs, call } = c.make(tf);
          const run = () => [call()].flat() as unknown as { dispose(): void }[];
          try {
            const own = await ctx.timeGpu(run, sync, ctx.samples, ctx.targetMs);
            const wanted = await Promise.all(([call()].flat() as T[]).map((t) => t.data()));
            const plugin = installTfjsKernels(tf as unknown as TfLike);
            let ours: number;
            let got: ArrayLike<number>[];
            try {
              ours = await ctx.timeGpu(run, sync, ctx.samples, ctx.targetMs);
              got = await Promise.all(([call()].flat() as T[]).map((t) => t.data()));
              if (!plugin.counts.engine[c.kernel]) throw new Error(`${c.kernel} did not run on the engine`);
            } finally {
              plugin.uninstall();
            }
            let diff = 0;
            got.forEach((g, k) => {
              for (let i = 0; i < g.length; i++) diff = Math.max(diff, Math.abs(g[i] - Number(wanted[k][i])));
            });
            const note = `${diff <= 1e-4 ? 'same results' : `DIFFERS (max abs diff ${diff.toExponential(1)})`}; TF.js kernel vs the plugin's, through tf`;
            ctx.log(`tfjs ${c.id}: TF.js ${own.toFixed(3)} ms, plugin ${ours.toFixed(3)} ms (${(own / ours).toFixed(2)}x)`);
            const gb = (ms: number) => c.bytes / (ms * 1e6);
            rows.push(
              { ...base, id: `tfjs ${c.id}`, layout: 'NHWC', variant: 'TF.js kernel', ms: own, bytes: c.bytes, gbps: gb(own), samples: [], note },
              {
                ...base,
                id: `tfjs ${c.id}`,
                layout: 'NHWC',
                variant: 'webgpu-pool/tfjs',
                ms: ours,
                speedup: own / ours,
                speedupOf: 'TF.js kernel',
                bytes: c.bytes,
                gbps: gb(ours),
                samples: [],
                note,
              },
            );
          } finally {
            tf.dispose(inputs);
          }
        }
        return rows;
      },
    },
    {
      id: 'tfjs plugin model',
      op: 'tfjs',
      async run(ctx) {
        const tfh = ctx.tf;
        if (!tfh) throw new Error('needs TF.js on the bench device');
        const { tf } = tfh;
        const side = ctx.quick ? 32 : 64;
        const batch = ctx.quick ? 2 : 8;
        const x = tf.tensor(seeded(batch * side * side * 3, 3), [batch, side, side, 3]);
        const y = tf.oneHot(
          tf.tensor1d(
            Array.from({ length: batch }, (_, i) => i % 10),
            'int32',
          ),
          10,
        );
        const rows: IntegrationRow[] = [];
        const id = `tfjs model conv/maxpool/conv/avgpool/global avg/dense ${batch}x${side}x${side}x3`;
        const measure = async (m: tfl.LayersModel) => {
          const infer: number[] = [];
          const train: number[] = [];
          for (let s = -2; s < ctx.samples; s++) {
            let t0 = performance.now();
            const p = m.predict(x) as ReturnType<Tf['tensor']>;
            await p.data();
            if (s >= 0) infer.push(performance.now() - t0);
            p.dispose();
            t0 = performance.now();
            await m.trainOnBatch(x, y);
            if (s >= 0) train.push(performance.now() - t0);
          }
          return { infer: median(infer), train: median(train), prediction: await (m.predict(x) as ReturnType<Tf['tensor']>).data() };
        };
        try {
          const own = await measure(model(tf, side));
          const plugin = installTfjsKernels(tf as unknown as TfLike);
          let ours: Awaited<ReturnType<typeof measure>>;
          try {
            ours = await measure(model(tf, side));
          } finally {
            plugin.uninstall();
          }
          let diff = 0;
          ours.prediction.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - own.prediction[i]))));
          const note = `predictions after the same training steps differ by at most ${diff.toExponential(1)}; until data() returns`;
          ctx.log(`${id}: inference ${own.infer.toFixed(1)} -> ${ours.infer.toFixed(1)} ms, train step ${own.train.toFixed(1)} -> ${ours.train.toFixed(1)} ms`);
          const r = (variant: string, ms: number, of: number | null) =>
            ({
              ...base,
              id,
              layout: 'NHWC',
              variant,
              ms,
              speedup: of === null ? null : of / ms,
              speedupOf: of === null ? '' : variant.replace('webgpu-pool/tfjs', 'TF.js kernels'),
              samples: [],
              note,
            }) as IntegrationRow;
          rows.push(
            r('inference, TF.js kernels', own.infer, null),
            r('inference, webgpu-pool/tfjs', ours.infer, own.infer),
            r('train step, TF.js kernels', own.train, null),
            r('train step, webgpu-pool/tfjs', ours.train, own.train),
          );
        } finally {
          tf.dispose([x, y]);
        }
        return rows;
      },
    },
  ];
}

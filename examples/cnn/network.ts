// The example network and its CPU forward pass:
//
//   input [N, 1, 16, 16]
//   conv 3×3, 1 → 8, padding 1, ReLU     [N, 8, 16, 16]
//   max pool 2×2, stride 2               [N, 8, 8, 8]     (the engine / reference.maxPool)
//   conv 3×3, 8 → 16, padding 1, ReLU    [N, 16, 8, 8]
//   global average pool                  [N, 16, 1, 1]    (the engine / reference.avgPool)
//   dense 16 → 5, softmax                [N, 5]
//
// The global-average head replaces fully connected layers over the feature map
// (as in Network in Network). The convolutions and the dense layer here are the
// readable CPU definitions that the WGSL in shaders/ follows and that training
// differentiates; the pooling is the library's CPU reference.
import { reference, type MaxPoolOptions } from '../../src/index';
import { CLASSES, IMAGE_SIZE } from './data';

/** Layer sizes. */
export const ARCHITECTURE = {
  imageSize: IMAGE_SIZE,
  inChannels: 1,
  conv1: 8,
  conv2: 16,
  classes: CLASSES.length,
  kernel: 3,
} as const;

/** The one max-pooling step. */
export const POOL1: MaxPoolOptions = { kernel: 2, stride: 2 };

/** Global average pooling of a host tensor [N, C, H, W] → [N, C, 1, 1] on the CPU reference. */
export function globalAvgPoolCpu(x: reference.HostTensor): reference.HostTensor {
  return reference.globalAvgPool(x);
}

/** One layer's parameters, row-major: conv [out, in, k, k], dense [out, in]. */
export interface LayerWeights {
  weight: Float32Array;
  bias: Float32Array;
}

export interface Weights {
  conv1: LayerWeights;
  conv2: LayerWeights;
  dense: LayerWeights;
}

/** How many parameters each layer has: [weight, bias]. */
export function parameterShapes(): Record<keyof Weights, [number, number]> {
  const { inChannels, conv1, conv2, classes, kernel } = ARCHITECTURE;
  return {
    conv1: [conv1 * inChannels * kernel * kernel, conv1],
    conv2: [conv2 * conv1 * kernel * kernel, conv2],
    dense: [classes * conv2, classes],
  };
}

/** The weights file as written by `npm run train:example`. */
export interface WeightsFile {
  format: 'webgpu-pool-cnn-example/1';
  architecture: typeof ARCHITECTURE & { classNames: string[] };
  training: Record<string, unknown> & { heldOutAccuracy: number };
  weights: Record<keyof Weights, { weight: number[]; bias: number[] }>;
}

/** Checks a parsed weights file against this network and returns its weights. */
export function weightsFromJson(json: unknown): Weights {
  const file = json as WeightsFile;
  if (file?.format !== 'webgpu-pool-cnn-example/1') throw new Error('weights: not a webgpu-pool CNN example weights file');
  const shapes = parameterShapes();
  const out = {} as Weights;
  for (const name of Object.keys(shapes) as (keyof Weights)[]) {
    const layer = file.weights?.[name];
    const [w, b] = shapes[name];
    if (layer?.weight?.length !== w || layer?.bias?.length !== b) {
      throw new Error(`weights.${name}: expected ${w} weights and ${b} biases (was the architecture changed? retrain with npm run train:example)`);
    }
    out[name] = { weight: Float32Array.from(layer.weight), bias: Float32Array.from(layer.bias) };
  }
  return out;
}

/** Weights as JSON arrays, each value the shortest decimal that reads back as the same float32. */
export function weightsToJson(weights: Weights): WeightsFile['weights'] {
  const list = (a: Float32Array) => Array.from(a, (v) => Number(v.toPrecision(9)));
  const out = {} as WeightsFile['weights'];
  for (const name of Object.keys(weights) as (keyof Weights)[]) {
    out[name] = { weight: list(weights[name].weight), bias: list(weights[name].bias) };
  }
  return out;
}

/**
 * 2-D convolution, stride 1, zero padding (kernel − 1) / 2 so the output keeps the
 * input's size, plus bias, then ReLU when `relu`. x: [n, cin, h, w] → [n, cout, h, w].
 */
export function conv2d(x: Float32Array, n: number, cin: number, h: number, w: number, layer: LayerWeights, cout: number, relu: boolean): Float32Array {
  const k = ARCHITECTURE.kernel;
  const pad = (k - 1) / 2;
  const out = new Float32Array(n * cout * h * w);
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cout; co++) {
      for (let y = 0; y < h; y++) {
        for (let xo = 0; xo < w; xo++) {
          let sum = layer.bias[co];
          for (let ci = 0; ci < cin; ci++) {
            const plane = (b * cin + ci) * h * w;
            const wBase = (co * cin + ci) * k * k;
            for (let ky = 0; ky < k; ky++) {
              const yi = y + ky - pad;
              if (yi < 0 || yi >= h) continue;
              for (let kx = 0; kx < k; kx++) {
                const xi = xo + kx - pad;
                if (xi < 0 || xi >= w) continue;
                sum += layer.weight[wBase + ky * k + kx] * x[plane + yi * w + xi];
              }
            }
          }
          out[((b * cout + co) * h + y) * w + xo] = relu ? Math.max(0, sum) : sum;
        }
      }
    }
  }
  return out;
}

/** Dense layer: x [n, cin] → [n, cout] = x · weightᵀ + bias. */
export function dense(x: Float32Array, n: number, cin: number, layer: LayerWeights, cout: number): Float32Array {
  const out = new Float32Array(n * cout);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < cout; o++) {
      let sum = layer.bias[o];
      for (let i = 0; i < cin; i++) sum += layer.weight[o * cin + i] * x[b * cin + i];
      out[b * cout + o] = sum;
    }
  }
  return out;
}

/** Softmax of each row of logits [n, k], shifted by the row's maximum. */
export function softmax(logits: Float32Array, n: number, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let b = 0; b < n; b++) {
    let max = -Infinity;
    for (let i = 0; i < k; i++) max = Math.max(max, logits[b * k + i]);
    let sum = 0;
    for (let i = 0; i < k; i++) sum += Math.exp(logits[b * k + i] - max);
    for (let i = 0; i < k; i++) out[b * k + i] = Math.exp(logits[b * k + i] - max) / sum;
  }
  return out;
}

/** Every activation of a forward pass, for training and for inspection. */
export interface Activations {
  n: number;
  /** conv1 + ReLU [n, 8, 16, 16]. */
  a1: reference.HostTensor;
  /** Max pool [n, 8, 8, 8] and its winners' indices. */
  p1: reference.HostTensor;
  p1Indices: reference.HostTensor<Int32Array>;
  /** conv2 + ReLU [n, 16, 8, 8]. */
  a2: reference.HostTensor;
  /** Global average [n, 16, 1, 1]. */
  g: reference.HostTensor;
  logits: Float32Array;
  probabilities: Float32Array;
}

/** The network's forward pass on the CPU; images [n, 1, 16, 16]. */
export function forwardCpu(weights: Weights, images: Float32Array, n: number): Activations {
  const { imageSize: s, inChannels, conv1, conv2, classes } = ARCHITECTURE;
  const a1 = reference.hostTensor(conv2d(images, n, inChannels, s, s, weights.conv1, conv1, true), [n, conv1, s, s]);
  const pooled = reference.maxPool(a1, POOL1);
  const [, , ph, pw] = pooled.output.shape;
  const a2 = reference.hostTensor(conv2d(pooled.output.data, n, conv1, ph, pw, weights.conv2, conv2, true), [n, conv2, ph, pw]);
  const g = globalAvgPoolCpu(a2);
  const logits = dense(g.data, n, conv2, weights.dense, classes);
  return { n, a1, p1: pooled.output, p1Indices: pooled.indices, a2, g, logits, probabilities: softmax(logits, n, classes) };
}

/** The index of each row's largest probability. */
export function argmax(probabilities: Float32Array, k: number): Int32Array {
  const n = probabilities.length / k;
  const out = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    let best = 0;
    for (let i = 1; i < k; i++) if (probabilities[b * k + i] > probabilities[b * k + best]) best = i;
    out[b] = best;
  }
  return out;
}

/** Fraction of predictions equal to the labels. */
export function accuracy(predicted: Int32Array, labels: Int32Array): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return right / labels.length;
}

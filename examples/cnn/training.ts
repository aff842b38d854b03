// Training of the example network on the CPU: minibatch Adam on cross-entropy,
// the convolution and dense gradients written out here, the pooling gradients
// from the library's CPU reference (reference.maxPoolBackward and
// reference.avgPoolBackward). Deterministic: the same settings give the same
// weights, bit for bit, on every run.
import { reference } from '../../src/index';
import { generate, gaussian, rng, type Dataset } from './data';
import { accuracy, argmax, ARCHITECTURE, forwardCpu, parameterShapes, POOL1, type Activations, type LayerWeights, type Weights } from './network';

export interface TrainSettings {
  /** Seed of the weight initialization and of the batch order. */
  seed: number;
  /** Seed and size of the generated training set. */
  dataSeed: number;
  trainCount: number;
  /** Seed and size of the held-out set whose accuracy is recorded. */
  heldOutSeed: number;
  heldOutCount: number;
  epochs: number;
  batchSize: number;
  /** Adam's step size, divided by 10 for the last third of the epochs. */
  learningRate: number;
}

export const DEFAULT_SETTINGS: TrainSettings = {
  seed: 1,
  dataSeed: 1001,
  trainCount: 6000,
  heldOutSeed: 2002,
  heldOutCount: 1000,
  epochs: 10,
  batchSize: 32,
  learningRate: 0.01,
};

export interface EpochLog {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  seconds: number;
}

/** He-normal initialization of every layer, zero biases. */
export function initialWeights(seed: number): Weights {
  const r = rng(seed);
  const shapes = parameterShapes();
  const { inChannels, conv1, conv2, kernel } = ARCHITECTURE;
  const fanIn = { conv1: inChannels * kernel * kernel, conv2: conv1 * kernel * kernel, dense: conv2 };
  const out = {} as Weights;
  for (const name of Object.keys(shapes) as (keyof Weights)[]) {
    const [w, b] = shapes[name];
    const scale = Math.sqrt(2 / fanIn[name]);
    out[name] = { weight: Float32Array.from({ length: w }, () => gaussian(r) * scale), bias: new Float32Array(b) };
  }
  return out;
}

/** Gradients of one convolution layer (stride 1, same padding, ReLU already folded into `gradOut`). */
function conv2dBackward(
  x: Float32Array,
  n: number,
  cin: number,
  h: number,
  w: number,
  layer: LayerWeights,
  cout: number,
  gradOut: Float32Array,
  needInputGrad: boolean,
): { weight: Float64Array; bias: Float64Array; input: Float32Array | null } {
  const k = ARCHITECTURE.kernel;
  const pad = (k - 1) / 2;
  const gw = new Float64Array(layer.weight.length);
  const gb = new Float64Array(cout);
  const gx = needInputGrad ? new Float32Array(x.length) : null;
  for (let b = 0; b < n; b++) {
    for (let co = 0; co < cout; co++) {
      for (let y = 0; y < h; y++) {
        for (let xo = 0; xo < w; xo++) {
          const g = gradOut[((b * cout + co) * h + y) * w + xo];
          if (g === 0) continue;
          gb[co] += g;
          for (let ci = 0; ci < cin; ci++) {
            const plane = (b * cin + ci) * h * w;
            const wBase = (co * cin + ci) * k * k;
            for (let ky = 0; ky < k; ky++) {
              const yi = y + ky - pad;
              if (yi < 0 || yi >= h) continue;
              for (let kx = 0; kx < k; kx++) {
                const xi = xo + kx - pad;
                if (xi < 0 || xi >= w) continue;
                gw[wBase + ky * k + kx] += g * x[plane + yi * w + xi];
                if (gx) gx[plane + yi * w + xi] += g * layer.weight[wBase + ky * k + kx];
              }
            }
          }
        }
      }
    }
  }
  return { weight: gw, bias: gb, input: gx };
}

/** Multiplies a gradient by ReLU's derivative (1 where the activation is positive). */
function reluBackward(grad: Float32Array, activation: Float32Array): Float32Array {
  for (let i = 0; i < grad.length; i++) if (activation[i] <= 0) grad[i] = 0;
  return grad;
}

type Gradients = Record<keyof Weights, { weight: Float64Array; bias: Float64Array }>;

/** Mean cross-entropy of a batch and the gradient of every parameter. */
export function backward(weights: Weights, images: Float32Array, act: Activations, labels: Int32Array): { loss: number; grads: Gradients } {
  const { n } = act;
  const { imageSize: s, inChannels, conv1, conv2, classes } = ARCHITECTURE;
  // Softmax + cross-entropy: d loss / d logits = (p − onehot) / n.
  let loss = 0;
  const gLogits = new Float32Array(n * classes);
  for (let b = 0; b < n; b++) {
    loss -= Math.log(Math.max(act.probabilities[b * classes + labels[b]], 1e-12));
    for (let k = 0; k < classes; k++) gLogits[b * classes + k] = (act.probabilities[b * classes + k] - (k === labels[b] ? 1 : 0)) / n;
  }
  // Dense.
  const dw = new Float64Array(classes * conv2);
  const db = new Float64Array(classes);
  const gG = new Float32Array(n * conv2);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < classes; k++) {
      const g = gLogits[b * classes + k];
      db[k] += g;
      for (let c = 0; c < conv2; c++) {
        dw[k * conv2 + c] += g * act.g.data[b * conv2 + c];
        gG[b * conv2 + c] += g * weights.dense.weight[k * conv2 + c];
      }
    }
  }
  // Global average pool, then ReLU, then conv2.
  const [, , ph, pw] = act.a2.shape;
  const gA2 = reference.globalAvgPoolBackward(reference.hostTensor(gG, act.g.shape), act.a2);
  const g2 = conv2dBackward(act.p1.data, n, conv1, ph, pw, weights.conv2, conv2, reluBackward(gA2.data, act.a2.data), true);
  // Max pool, then ReLU, then conv1.
  const gA1 = reference.maxPoolBackward(reference.hostTensor(g2.input!, act.p1.shape), act.a1, act.p1Indices, POOL1);
  const g1 = conv2dBackward(images, n, inChannels, s, s, weights.conv1, conv1, reluBackward(gA1.data, act.a1.data), false);
  return {
    loss: loss / n,
    grads: { conv1: { weight: g1.weight, bias: g1.bias }, conv2: { weight: g2.weight, bias: g2.bias }, dense: { weight: dw, bias: db } },
  };
}

/** Adam's state for every parameter array. */
class Adam {
  #m = new Map<Float32Array, Float64Array>();
  #v = new Map<Float32Array, Float64Array>();
  #t = 0;
  constructor(
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {}

  step(weights: Weights, grads: Gradients, lr: number): void {
    this.#t++;
    const c1 = 1 - this.beta1 ** this.#t;
    const c2 = 1 - this.beta2 ** this.#t;
    for (const name of Object.keys(weights) as (keyof Weights)[]) {
      for (const part of ['weight', 'bias'] as const) {
        const p = weights[name][part];
        const g = grads[name][part];
        let m = this.#m.get(p);
        let v = this.#v.get(p);
        if (!m || !v) {
          m = new Float64Array(p.length);
          v = new Float64Array(p.length);
          this.#m.set(p, m);
          this.#v.set(p, v);
        }
        for (let i = 0; i < p.length; i++) {
          m[i] = this.beta1 * m[i] + (1 - this.beta1) * g[i];
          v[i] = this.beta2 * v[i] + (1 - this.beta2) * g[i] * g[i];
          p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.eps);
        }
      }
    }
  }
}

/** Accuracy of `weights` on a dataset, in batches. */
export function evaluate(weights: Weights, data: Dataset, batchSize = 250): number {
  const plane = ARCHITECTURE.imageSize * ARCHITECTURE.imageSize;
  const predicted = new Int32Array(data.count);
  for (let start = 0; start < data.count; start += batchSize) {
    const n = Math.min(batchSize, data.count - start);
    const act = forwardCpu(weights, data.images.subarray(start * plane, (start + n) * plane), n);
    predicted.set(argmax(act.probabilities, ARCHITECTURE.classes), start);
  }
  return accuracy(predicted, data.labels);
}

/** Trains from scratch; `log` hears about every epoch. */
export function train(settings: TrainSettings, log: (e: EpochLog) => void = () => {}): { weights: Weights; history: EpochLog[] } {
  const data = generate(settings.trainCount, settings.dataSeed);
  const weights = initialWeights(settings.seed);
  const order = rng(settings.seed + 1);
  const adam = new Adam();
  const plane = ARCHITECTURE.imageSize * ARCHITECTURE.imageSize;
  const history: EpochLog[] = [];
  const indices = Int32Array.from({ length: data.count }, (_, i) => i);
  const batchImages = new Float32Array(settings.batchSize * plane);
  const batchLabels = new Int32Array(settings.batchSize);
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const started = Date.now();
    for (let i = indices.length - 1; i > 0; i--) {
      const j = Math.floor(order() * (i + 1));
      [indices[i], indices[j]] = [indices[j], indices[i]];
    }
    const lr = epoch > Math.ceil((settings.epochs * 2) / 3) ? settings.learningRate / 10 : settings.learningRate;
    let lossSum = 0;
    let right = 0;
    for (let start = 0; start + settings.batchSize <= data.count; start += settings.batchSize) {
      const n = settings.batchSize;
      for (let b = 0; b < n; b++) {
        const at = indices[start + b];
        batchImages.set(data.images.subarray(at * plane, (at + 1) * plane), b * plane);
        batchLabels[b] = data.labels[at];
      }
      const act = forwardCpu(weights, batchImages, n);
      const { loss, grads } = backward(weights, batchImages, act, batchLabels);
      lossSum += loss * n;
      const predicted = argmax(act.probabilities, ARCHITECTURE.classes);
      for (let b = 0; b < n; b++) if (predicted[b] === batchLabels[b]) right++;
      adam.step(weights, grads, lr);
    }
    const seen = Math.floor(data.count / settings.batchSize) * settings.batchSize;
    const entry = { epoch, loss: lossSum / seen, trainAccuracy: right / seen, seconds: (Date.now() - started) / 1000 };
    history.push(entry);
    log(entry);
  }
  return { weights, history };
}

// The CNN example's training (examples/cnn/training.ts) on the CPU: its gradients
// against finite differences, a short run that lowers the loss and repeats bit
// for bit, and the committed weights.json scoring what it records.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../../examples/cnn/data';
import { forwardCpu, weightsFromJson, type Weights } from '../../examples/cnn/network';
import { backward, DEFAULT_SETTINGS, evaluate, initialWeights, train } from '../../examples/cnn/training';

function loss(weights: Weights, images: Float32Array, labels: Int32Array): number {
  return backward(weights, images, forwardCpu(weights, images, labels.length), labels).loss;
}

describe('CNN example training', () => {
  it('gradients of every layer match central differences', () => {
    const data = generate(6, 77);
    const weights = initialWeights(5);
    const { grads } = backward(weights, data.images, forwardCpu(weights, data.images, data.count), data.labels);
    const eps = 1e-3;
    const wrong: string[] = [];
    for (const layer of ['conv1', 'conv2', 'dense'] as const) {
      for (const part of ['weight', 'bias'] as const) {
        const p = weights[layer][part];
        for (const i of [0, Math.floor(p.length / 2), p.length - 1]) {
          const saved = p[i];
          p[i] = saved + eps;
          const up = loss(weights, data.images, data.labels);
          p[i] = saved - eps;
          const down = loss(weights, data.images, data.labels);
          p[i] = saved;
          const numeric = (up - down) / (2 * eps);
          const analytic = grads[layer][part][i];
          if (Math.abs(numeric - analytic) > 2e-3 + 0.05 * Math.abs(analytic)) wrong.push(`${layer}.${part}[${i}]: analytic ${analytic}, numeric ${numeric}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('a short run lowers the loss and is deterministic', () => {
    const settings = { ...DEFAULT_SETTINGS, trainCount: 256, epochs: 3, batchSize: 16 };
    const a = train(settings);
    const b = train(settings);
    expect(a.history[2].loss).toBeLessThan(a.history[0].loss);
    expect(b.history.map((e) => e.loss)).toEqual(a.history.map((e) => e.loss));
    expect(Array.from(b.weights.conv2.weight)).toEqual(Array.from(a.weights.conv2.weight));
  });

  it('weights.json scores the held-out accuracy it records, with seeds apart from the training data', () => {
    const file = JSON.parse(readFileSync(new URL('../../examples/cnn/weights.json', import.meta.url), 'utf8'));
    const t = file.training;
    expect(t.heldOutSeed).not.toBe(t.dataSeed);
    const accuracy = evaluate(weightsFromJson(file), generate(t.heldOutCount, t.heldOutSeed));
    expect(accuracy).toBeCloseTo(t.heldOutAccuracy, 4);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });
});

// Pooling in Node on a GPU device from the `webgpu` package (Dawn), with the
// built library: npm run build:lib && node examples/node-pool.mjs
// Installed from npm, import from 'webgpu-pool' instead of '../dist/index.js'.
import { existsSync } from 'node:fs';
import { createPoolEngine, reference } from '../dist/index.js';

// Without a GPU, Dawn can run on Chromium's SwiftShader Vulkan driver (Debian's
// lavapipe is too old for it); the Vulkan loader reads this when `webgpu` loads,
// hence the import after it. On a machine with a GPU nothing needs setting.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;
const { create } = await import('webgpu');

const engine = await createPoolEngine({ gpu: create([]) });
const data = Float32Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => Math.sin(i));
const x = engine.tensor(data, [2, 3, 8, 8]);
const { output, indices } = engine.maxPool(x, { kernel: 3, stride: 2, padding: 1 });
const ones = engine.tensor(new Float32Array(output.size).fill(1), output.shape);
const grad = engine.maxPoolBackward(ones, x, indices, { kernel: 3, stride: 2, padding: 1 });

const got = await output.read();
const want = reference.maxPool(reference.hostTensor(data, [2, 3, 8, 8]), { kernel: 3, stride: 2, padding: 1 }).output.data;
const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
console.log(`max pool ${x.shape.join('x')} -> ${output.shape.join('x')} on the GPU; largest |GPU - CPU| = ${worst}`);
console.log(`gradient of ones sums to ${(await grad.read()).reduce((a, b) => a + b, 0)} (one per output)`);
engine.destroy();
process.exitCode = worst === 0 ? 0 : 1;

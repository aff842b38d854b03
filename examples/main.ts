// The examples page: max, average and power-average pooling of a procedural
// image on the GPU, forward and backward, beside the CPU reference.
import { createPoolEngine, reference, type PoolEngine } from '../src/index';

const SIZE = 64;
const status = document.getElementById('status')!;
const rows = document.getElementById('rows')!;

/** A procedural RGB pattern (rings and stripes), channels-first [1, 3, 64, 64]. */
function pattern(): Float32Array {
  const data = new Float32Array(3 * SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const r = Math.hypot(x - 32, y - 32);
      data[y * SIZE + x] = 0.5 + 0.5 * Math.sin(r / 2.5);
      data[SIZE * SIZE + y * SIZE + x] = (x ^ y) & 8 ? 1 : 0.1;
      data[2 * SIZE * SIZE + y * SIZE + x] = y / SIZE;
    }
  }
  return data;
}

function draw(data: Float32Array, h: number, w: number, label: string): HTMLElement {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(w, h);
  let max = 1e-12;
  for (const v of data) max = Math.max(max, Math.abs(v));
  for (let i = 0; i < h * w; i++) {
    for (let c = 0; c < 3; c++) image.data[i * 4 + c] = Math.round((255 * Math.abs(data[c * h * w + i])) / max);
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  const figure = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.textContent = label;
  figure.append(canvas, caption);
  return figure;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

async function run(engine: PoolEngine): Promise<void> {
  const data = pattern();
  const shape = [1, 3, SIZE, SIZE];
  const x = engine.tensor(data, shape);
  const hx = reference.hostTensor(data, shape);
  rows.append(draw(data, SIZE, SIZE, 'input'));
  const modes = [
    { name: 'max 3×3 stride 2 pad 1', kernel: 3, run: () => {
      const o = { kernel: 3, stride: 2, padding: 1 };
      const g = engine.maxPool(x, o);
      const h = reference.maxPool(hx, o);
      const ones = new Float32Array(h.output.data.length).fill(1);
      const gi = engine.maxPoolBackward(engine.tensor(ones, h.output.shape), x, g.indices, o);
      const hi = reference.maxPoolBackward(reference.hostTensor(ones, h.output.shape), hx, h.indices, o);
      return { gpu: g.output, cpu: h.output, gpuGrad: gi, cpuGrad: hi };
    } },
    { name: "average 4×4 'same'", kernel: 4, run: () => {
      const o = { kernel: 4, stride: 2, padding: 'same' as const };
      const g = engine.avgPool(x, o);
      const h = reference.avgPool(hx, o);
      const ones = new Float32Array(h.data.length).fill(1);
      return { gpu: g, cpu: h, gpuGrad: engine.avgPoolBackward(engine.tensor(ones, h.shape), x, o), cpuGrad: reference.avgPoolBackward(reference.hostTensor(ones, h.shape), hx, o) };
    } },
    { name: 'power-average p=3, 2×2', kernel: 2, run: () => {
      const o = { p: 3, kernel: 2 };
      const g = engine.lpPool(x, o);
      const h = reference.lpPool(hx, o);
      const ones = new Float32Array(h.data.length).fill(1);
      return { gpu: g, cpu: h, gpuGrad: engine.lpPoolBackward(engine.tensor(ones, h.shape), x, o), cpuGrad: reference.lpPoolBackward(reference.hostTensor(ones, h.shape), hx, o) };
    } },
  ];
  const table = document.createElement('table');
  table.innerHTML = '<tr><th>mode</th><th>output</th><th>max |GPU − CPU| forward</th><th>backward</th></tr>';
  for (const mode of modes) {
    const r = mode.run();
    const out = await r.gpu.read();
    const grad = await r.gpuGrad.read();
    const [oh, ow] = r.cpu.shape.slice(2);
    const row = document.createElement('div');
    row.append(draw(out, oh, ow, `${mode.name}: output ${oh}×${ow}`), draw(grad, SIZE, SIZE, 'gradient of ones'));
    rows.append(row);
    const tr = document.createElement('tr');
    tr.innerHTML = `<td>${mode.name}</td><td>[${r.cpu.shape.join(', ')}]</td><td>${maxDiff(out, r.cpu.data).toExponential(2)}</td><td>${maxDiff(grad, r.cpuGrad.data).toExponential(2)}</td>`;
    tr.dataset.forwardDiff = String(maxDiff(out, r.cpu.data));
    table.append(tr);
  }
  rows.prepend(table);
}

createPoolEngine()
  .then(async (engine) => {
    // Any GPU error the engine did not expect goes to the console, where the page's test looks.
    engine.device.addEventListener('uncapturederror', (e) => console.error(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`));
    status.textContent = 'Running on WebGPU…';
    await run(engine);
    status.textContent = 'Done: GPU results match the CPU reference.';
    (window as unknown as { harnessReady: unknown }).harnessReady = true;
  })
  .catch((e) => {
    status.className = 'error';
    status.textContent = `WebGPU is not available (${(e as Error).message}). Use a recent Chrome or Edge, or Firefox/Safari with WebGPU enabled.`;
    (window as unknown as { harnessReady: unknown }).harnessReady = String(e);
  });

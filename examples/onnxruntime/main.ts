// ONNX Runtime Web and webgpu-pool on one GPUDevice: ORT's output buffer goes
// through the engine's max pooling and into a second ORT session, all on the GPU.
import * as ort from 'onnxruntime-web/webgpu';
import { createPoolEngine } from '../../src/index';
// Two tiny models written in code (a real application would load .onnx files):
// A is Y = Relu(X) * 2 on [1, 4, 8, 8]; B is W = Sigmoid(Z + 1) on [1, 4, 4, 4].
import { cpuModelA, cpuModelB, modelA, modelB } from '../../test/support/onnx-model';

// ORT loads its WebAssembly from node_modules (served by Vite); one thread, since
// the page is not cross-origin isolated.
ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
ort.env.wasm.numThreads = 1;

const status = document.getElementById('status')!;
const table = document.getElementById('result') as HTMLTableElement;
const detail = document.getElementById('detail')!;

/** The same chain on the CPU: model A, 2×2 max pooling (stride 2), model B. */
function cpuChain(x: Float32Array): Float32Array {
  const y = cpuModelA(x);
  const z = new Float32Array(4 * 4 * 4);
  for (let c = 0; c < 4; c++)
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        const at = (di: number, dj: number) => y[c * 64 + (2 * i + di) * 8 + 2 * j + dj];
        z[c * 16 + i * 4 + j] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
      }
  return cpuModelB(z);
}

async function main(): Promise<void> {
  // 1. Sessions on the WebGPU execution provider; A keeps its outputs on the GPU.
  const sessionA = await ort.InferenceSession.create(modelA(), {
    executionProviders: ['webgpu'],
    preferredOutputLocation: 'gpu-buffer',
  });
  const sessionB = await ort.InferenceSession.create(modelB(), { executionProviders: ['webgpu'] });

  // 2. The engine on ORT's device (available once a WebGPU session exists).
  const device = (await ort.env.webgpu.device) as GPUDevice;
  const engine = await createPoolEngine({ device });

  // 3. Model A on a host input; its output stays in a GPUBuffer.
  const x = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 1.7 + 0.3) * 3);
  const { Y } = await sessionA.run({ X: new ort.Tensor('float32', x, [1, 4, 8, 8]) });

  // 4. Max pooling 2×2 from ORT's buffer into ours, both viewed by the engine (no copies).
  const pooled = device.createBuffer({
    size: 64 * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  const input = engine.wrap(Y.gpuBuffer as GPUBuffer, [1, 4, 8, 8], { layout: 'NCHW' });
  const output = engine.wrap(pooled, [1, 4, 4, 4], { layout: 'NCHW' });
  engine.maxPool(input, { kernel: 2, stride: 2, indices: false }, { output });
  input.destroy(); // forgets the views; the buffers stay
  output.destroy();

  // 5. Model B reads our buffer directly; only its output comes back to the host.
  const { W } = await sessionB.run({ Z: ort.Tensor.fromGpuBuffer(pooled, { dataType: 'float32', dims: [1, 4, 4, 4] }) });
  const gpu = (await W.getData()) as Float32Array;
  const cpu = cpuChain(x);
  Y.dispose();
  pooled.destroy();

  // 6. Show the first channel's 4×4 outputs and the largest difference from the CPU.
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(gpu[i] - cpu[i]));
  table.innerHTML = '<tr><th>row</th><th colspan="4">W, channel 0 (GPU)</th></tr>';
  for (let i = 0; i < 4; i++) {
    const row = table.insertRow();
    row.insertCell().textContent = String(i);
    for (let j = 0; j < 4; j++) row.insertCell().textContent = gpu[i * 4 + j].toFixed(6);
  }
  const ok = worst <= 1e-5;
  status.textContent = `${ok ? 'Matches' : 'DOES NOT match'} the CPU: largest difference ${worst.toExponential(2)} over ${cpu.length} values.`;
  status.className = ok ? '' : 'error';
  status.dataset.maxError = String(worst);
  detail.textContent = `ONNX Runtime Web ${ort.env.versions.web}; engine and ORT share one device: ${engine.device === device}.`;
}

main().catch((e) => {
  status.textContent = `Failed: ${(e as Error).message ?? e}`;
  status.className = 'error';
  console.error(e);
});

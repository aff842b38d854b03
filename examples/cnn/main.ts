// The CNN example page: draw or generate a shape, classify it on the GPU (pooling
// on the engine, the whole forward pass one submission), show the probabilities
// beside the CPU forward pass, and each layer's GPU time (measured as the page
// says: timestamp queries inside that submission, or a separate per-layer run).
// A toggle switches the activations between float32 and float16 (packed halves);
// the held-out check classifies the same set in both and shows them side by side.
import { createPoolEngine } from '../../src/index';
import { CLASSES, IMAGE_SIZE, drawShape, rng, type ShapeClass } from './data';
import { precisionCheck, type PrecisionReport } from './evaluate';
import { CnnGpu, PRECISIONS, type Classification, type LayerTiming, type Precision, type Prepared } from './gpu';
import { forwardCpu, type WeightsFile } from './network';
import { loadWeights } from './weights';

/** Seeds of the page's random shapes: far from the training and held-out seeds. */
const RANDOM_SEED_BASE = 900_000;
/** The held-out check's seed; training used other seeds (see weights.json). */
const HELD_OUT_SEED = 3003;
/** The held-out check's size. */
const HELD_OUT_COUNT = 500;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const pad = $<HTMLCanvasElement>('pad');
const padContext = pad.getContext('2d', { willReadFrequently: true })!;
const inputCanvas = $<HTMLCanvasElement>('input');
const kindSelect = $<HTMLSelectElement>('kind');
const perLayer = $<HTMLInputElement>('per-layer');
const precisionSelect = $<HTMLSelectElement>('precision');
const scale = pad.width / IMAGE_SIZE;

/** The image the network sees, [1, 1, 16, 16]. */
let input: Float32Array = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);

function showInput(): void {
  const context = inputCanvas.getContext('2d')!;
  const image = context.createImageData(IMAGE_SIZE, IMAGE_SIZE);
  for (let i = 0; i < input.length; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, input[i])));
    image.data.set([v, v, v, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
}

/** The pad, averaged over 12×12 blocks into the network's 16×16 input. */
function inputFromPad(): Float32Array {
  const pixels = padContext.getImageData(0, 0, pad.width, pad.height).data;
  const out = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let y = 0; y < pad.height; y++) {
    for (let x = 0; x < pad.width; x++) {
      out[Math.floor(y / scale) * IMAGE_SIZE + Math.floor(x / scale)] += pixels[(y * pad.width + x) * 4] / 255 / (scale * scale);
    }
  }
  return out;
}

function clearPad(): void {
  padContext.fillStyle = '#000';
  padContext.fillRect(0, 0, pad.width, pad.height);
}

let randomCount = 0;

/** A generated shape (of the chosen class, or any) on the pad and as the input. */
function randomShape(): ShapeClass {
  const r = rng(RANDOM_SEED_BASE + randomCount++);
  const chosen = kindSelect.value as ShapeClass | '';
  const kind = chosen || CLASSES[Math.floor(r() * CLASSES.length)];
  input = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
  drawShape(kind, r, input);
  for (let i = 0; i < input.length; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, input[i])));
    padContext.fillStyle = `rgb(${v},${v},${v})`;
    padContext.fillRect((i % IMAGE_SIZE) * scale, Math.floor(i / IMAGE_SIZE) * scale, scale, scale);
  }
  return kind;
}

function showPrediction(gpu: Float32Array, cpu: Float32Array, precision: Precision): void {
  let best = 0;
  for (let k = 1; k < CLASSES.length; k++) if (gpu[k] > gpu[best]) best = k;
  $('prediction').textContent = `Prediction: ${CLASSES[best]} (${(100 * gpu[best]).toFixed(1)}%)`;
  const table = $('probabilities');
  table.dataset.precision = precision;
  table.innerHTML = `<tr><th>class</th><th></th><th>GPU (${precision})</th><th>CPU (float32)</th></tr>`;
  CLASSES.forEach((name, k) => {
    const tr = document.createElement('tr');
    if (k === best) tr.className = 'predicted';
    tr.dataset.class = name;
    tr.dataset.probability = String(gpu[k]);
    tr.innerHTML =
      `<td>${name}</td><td><span class="bar" style="width:${(120 * gpu[k]).toFixed(1)}px"></span></td>` +
      `<td class="num">${(100 * gpu[k]).toFixed(2)}%</td><td class="num">${(100 * cpu[k]).toFixed(2)}%</td>`;
    table.append(tr);
  });
}

/** The inference line: one submission, and how long it took to the probabilities on the host. */
function showInference(result: Classification, runs: number): void {
  const p = $('inference');
  p.dataset.runs = String(runs);
  p.dataset.ms = String(result.ms);
  p.dataset.precision = result.precision;
  const stored = result.precision === 'float16' ? 'float16 activations (packed halves)' : 'float32 activations';
  p.textContent =
    `Forward pass in ${stored}: one command encoder, one queue.submit (conv1, engine max pool, conv2, engine global average pool, dense, softmax, ` +
    `copy of the probabilities); ${result.ms.toFixed(2)} ms from submit to probabilities on the page.`;
}

function showPrepared(prepared: Prepared): void {
  const p = $('prepared');
  p.dataset.ms = String(prepared.ms);
  p.dataset.pipelines = String(prepared.enginePipelines + prepared.examplePipelines);
  p.textContent =
    `Pipelines prepared in ${prepared.ms.toFixed(1)} ms at load: ${prepared.enginePipelines} of the engine's for the pooling calls ` +
    `(engine.prepare, batch size ${prepared.batchSizes.join(', ')}) and the example's ${prepared.examplePipelines} (createComputePipelineAsync) ` +
    `for ${prepared.precisions.join(' and ')}, so no inference compiles anything.` +
    (prepared.precisions.includes('float16')
      ? " engine.prepare takes no dtype, so a float16 forward pass on zeros at load compiles the engine's float16 pooling kernels."
      : '');
}

function showTimings(timings: LayerTiming[], method: CnnGpu['timingMethod'], precision: Precision): void {
  const table = $('timings');
  table.dataset.precision = precision;
  table.innerHTML = `<tr><th>layer (${precision})</th><th>output</th><th>time</th></tr>`;
  for (const t of timings) {
    const tr = document.createElement('tr');
    tr.dataset.ms = String(t.ms);
    tr.innerHTML = `<td>${t.layer}</td><td>[${t.shape.join(', ')}]</td><td class="num">${t.ms.toFixed(3)} ms</td>`;
    table.append(tr);
  }
  $('timing-method').textContent =
    method === 'timestamp-query'
      ? 'Measured with timestamp queries inside the single submission of the forward pass: an empty pass writes a timestamp between each two layers, ' +
        'on the GPU clock (the browser may round them to 0.1 ms).'
      : 'This device has no timestamp-query, so these times come from a separate per-layer run after the inference: each layer is submitted on its own ' +
        'and timed on the page clock, from its submit until queue.onSubmittedWorkDone() resolves (includes submission overhead). ' +
        'The inference itself is one submission.';
}

/** The held-out check: one row per precision (and the CPU's), the same images. */
function showPrecisionReport(report: PrecisionReport): void {
  const table = $('precision-table');
  table.innerHTML =
    '<tr><th>precision</th><th>accuracy</th><th>GPU batch</th><th>same class as float32</th><th>max |p − float32 p|</th><th>mean |p − float32 p|</th></tr>';
  for (const r of report.results) {
    const tr = document.createElement('tr');
    tr.dataset.precision = r.precision;
    tr.dataset.accuracy = String(r.accuracy);
    tr.dataset.ms = String(r.ms);
    tr.dataset.agreement = String(r.agreement);
    tr.dataset.maxDifference = String(r.maxDifference);
    tr.innerHTML =
      `<td>${r.precision} (GPU)</td><td class="num">${(100 * r.accuracy).toFixed(1)}%</td><td class="num">${r.ms.toFixed(1)} ms</td>` +
      `<td class="num">${(100 * r.agreement).toFixed(1)}%</td><td class="num">${r.maxDifference.toExponential(2)}</td>` +
      `<td class="num">${r.meanDifference.toExponential(2)}</td>`;
    table.append(tr);
  }
  if (report.cpuAccuracy !== null) {
    const tr = document.createElement('tr');
    tr.dataset.precision = 'cpu';
    tr.dataset.accuracy = String(report.cpuAccuracy);
    tr.innerHTML = `<td>float32 (CPU reference)</td><td class="num">${(100 * report.cpuAccuracy).toFixed(1)}%</td><td></td><td></td><td></td><td></td>`;
    table.append(tr);
  }
}

function describeModel(file: WeightsFile): string {
  const t = file.training as Record<string, unknown>;
  return (
    `Weights: weights.json, trained by npm run train:example (seed ${t.seed}, ${t.trainCount} images from data seed ${t.dataSeed}, ` +
    `${t.epochs} epochs, ${t.seconds} s); held-out accuracy ${(100 * file.training.heldOutAccuracy).toFixed(1)}% on ${t.heldOutCount} images (seed ${t.heldOutSeed}).`
  );
}

async function start(): Promise<void> {
  if (!navigator.gpu) throw new Error('navigator.gpu is missing');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() found no adapter');
  // Timestamp queries when the adapter has them, for the per-layer GPU times.
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ label: 'cnn.device', requiredFeatures });
  device.addEventListener('uncapturederror', (e) => console.error(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`));
  const engine = await createPoolEngine({ device, label: 'cnn.pool' });
  const { weights, file } = await loadWeights();
  // Every pipeline a batch of 1 uses (the engine's pooling and the example's kernels) compiled before the first inference.
  const model = await CnnGpu.create(engine, weights, { batchSizes: [1], precisions: [...PRECISIONS] });
  showPrepared(model.prepared);
  $('model').textContent = describeModel(file);
  for (const name of CLASSES) kindSelect.add(new Option(name, name));

  let busy = false;
  let again = false;
  let runs = 0;
  /** Classifies the current input; a request made while one runs is served after it. */
  const classify = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        showInput();
        const image = input.slice();
        const precision = precisionSelect.value as Precision;
        // With timestamp queries the timed run is still the one submission; without, times need a separate per-layer run.
        const stamped = perLayer.checked && model.timingMethod === 'timestamp-query';
        const result = await model.classify(image, 1, { timing: stamped, precision });
        showPrediction(result.probabilities, forwardCpu(weights, image, 1).probabilities, precision);
        showInference(result, ++runs);
        if (stamped) {
          showTimings(result.timings!, model.timingMethod, precision);
        } else if (perLayer.checked) {
          showTimings((await model.classify(image, 1, { timing: true, precision })).timings!, model.timingMethod, precision);
        }
      } while (again);
    } catch (e) {
      status.className = 'error';
      status.textContent = `Error: ${(e as Error).message}`;
      console.error(e);
    } finally {
      busy = false;
    }
  };

  const showRandom = async () => {
    const kind = randomShape();
    $('truth').textContent = `generated: ${kind}`;
    await classify();
  };
  $('random').addEventListener('click', showRandom);
  $('clear').addEventListener('click', () => {
    clearPad();
    input = inputFromPad();
    $('truth').textContent = 'drawn';
    void classify();
  });
  kindSelect.addEventListener('change', showRandom);
  perLayer.addEventListener('change', () => void classify());
  precisionSelect.addEventListener('change', () => void classify());

  let drawing: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => {
    const box = pad.getBoundingClientRect();
    return { x: ((e.clientX - box.left) * pad.width) / box.width, y: ((e.clientY - box.top) * pad.height) / box.height };
  };
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    drawing = at(e);
    $('truth').textContent = 'drawn';
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const to = at(e);
    padContext.strokeStyle = '#fff';
    padContext.lineWidth = 1.5 * scale;
    padContext.lineCap = 'round';
    padContext.beginPath();
    padContext.moveTo(drawing.x, drawing.y);
    padContext.lineTo(to.x, to.y);
    padContext.stroke();
    drawing = to;
    input = inputFromPad();
    void classify();
  });
  const stop = () => {
    drawing = null;
  };
  pad.addEventListener('pointerup', stop);
  pad.addEventListener('pointercancel', stop);

  $('check').addEventListener('click', async () => {
    const result = $('check-result');
    result.className = '';
    result.textContent = 'running…';
    try {
      const r = await precisionCheck(model, HELD_OUT_COUNT, HELD_OUT_SEED, { weights });
      showPrecisionReport(r);
      const [f32, f16] = r.results;
      result.dataset.float32 = String(f32.accuracy);
      result.dataset.float16 = String(f16.accuracy);
      result.textContent =
        `Held-out accuracy on ${r.count} images (seed ${r.seed}): float32 ${(100 * f32.accuracy).toFixed(1)}%, ` +
        `float16 ${(100 * f16.accuracy).toFixed(1)}% (${(100 * (f16.accuracy - f32.accuracy)).toFixed(1)} points); ` +
        `float16 classifies ${(100 * f16.agreement).toFixed(1)}% of them as float32 does.`;
    } catch (e) {
      result.className = 'error';
      result.textContent = `Error: ${(e as Error).message}`;
      console.error(e);
    }
  });

  clearPad();
  await showRandom();
  if (status.className === 'error') throw new Error(status.textContent ?? 'classification failed');
  status.textContent = `Running on WebGPU (one submission per inference; layer times by ${model.timingMethod === 'timestamp-query' ? 'timestamp queries' : 'a separate per-layer run, wall-clock'}).`;
}

start()
  .then(() => {
    (window as unknown as { harnessReady: unknown }).harnessReady = true;
  })
  .catch((e) => {
    status.className = 'error';
    status.textContent = `WebGPU is not available or the example failed (${(e as Error).message}). Use a recent Chrome or Edge, or Firefox/Safari with WebGPU enabled.`;
    (window as unknown as { harnessReady: unknown }).harnessReady = String(e);
  });

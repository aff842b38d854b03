// The demo page: every pooling mode of the engine on a picture, forward and
// backward, the GPU beside the CPU reference, a gallery and a shift panel.
import { createPoolEngine, reference, relayout, PoolError, type PoolEngine, type Layout } from '../src/index';
import { builtInImage, draw, imageFromFile, shifted, SIZE } from './demo/image';
import { MODES, optionsOf, type ModeSpec } from './demo/modes';
import { tracked } from './demo/tracked';
import { drawGradient } from './demo/colormap';
import { TIMING_SIZES, timeMode, WARM_RUNS, type Timings } from './demo/timing';
import { renderRoiGallery } from './demo/roi-gallery';
import { renderHowItWorks } from './demo/how-it-works';
import { renderFullGallery } from './demo/gallery';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const dims = { batch: 1, channels: 3, spatial: [SIZE, SIZE] };

let engine: PoolEngine | null = null;
let image = builtInImage();
let clicked: [number, number] | null = null;
const values: Record<string, Record<string, string | boolean>> = {};

interface Run {
  out: Float32Array; // channels-first
  shape: number[]; // channels-first [1, C, h, w]
  grad: Float32Array;
  clickGrad: Float32Array | null;
  forwardMs: number;
  backwardMs: number;
}

const toFirst = (data: Float32Array, shape: readonly number[], layout: Layout | 'NC') => {
  // Flat features ([N, F], spatial pyramid pooling) are the same in every layout: shown as one row.
  if (shape.length === 2) return { data, shape: [shape[0], 1, 1, shape[1]] };
  const last = layout === 'NHWC';
  const d = last ? { batch: shape[0], channels: shape[3], spatial: [shape[1], shape[2]] } : { batch: shape[0], channels: shape[1], spatial: shape.slice(2) };
  return { data: relayout(data, d, last, false), shape: [d.batch, d.channels, ...d.spatial] };
};

function oneHot(shape: number[], cell: [number, number] | null): Float32Array | null {
  if (!cell) return null;
  const [, c, h, w] = shape;
  if (cell[0] >= h || cell[1] >= w) return null;
  const g = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) g[(k * h + cell[0]) * w + cell[1]] = 1;
  return g;
}

/** One mode on the GPU (engine) or the CPU (reference), in a layout; results come back channels-first. */
async function runOn(
  gpu: boolean,
  mode: ModeSpec,
  o: Record<string, unknown>,
  data: Float32Array,
  layout: Layout,
  cell: [number, number] | null,
): Promise<Run> {
  const last = layout === 'NHWC';
  const shape = last ? [1, SIZE, SIZE, 3] : [1, 3, SIZE, SIZE];
  const input = relayout(data, dims, false, last);
  const { api, free } = tracked(gpu ? engine : reference);
  const read = async (t: any) => (gpu ? await t.read() : t.data) as Float32Array;
  try {
    const x = gpu ? api.tensor(input, shape, layout) : reference.hostTensor(input, shape, layout);
    let t0 = performance.now();
    const f = mode.forward(api, x, o);
    const outRaw = await read(f.output);
    const forwardMs = performance.now() - t0;
    const out = toFirst(outRaw, f.output.shape, layout);
    const onesFirst = new Float32Array(out.data.length).fill(1);
    // Upstream gradients are made in the output's own layout (flat 'NC' for the pyramid).
    const flat = f.output.shape.length === 2;
    const layoutOf = (d: Float32Array, s: number[]) => (flat ? d : relayout(d, { batch: s[0], channels: s[1], spatial: s.slice(2) }, false, last));
    const make = (d: Float32Array, s: readonly number[], l: string = layout) => (gpu ? api.tensor(d, s, l) : reference.hostTensor(d, s, l as Layout));
    t0 = performance.now();
    const g = mode.backward(api, make(layoutOf(onesFirst, out.shape), f.output.shape, f.output.layout), x, f, o);
    const grad = toFirst(await read(g), shape, layout).data;
    const backwardMs = performance.now() - t0;
    const hot = oneHot(out.shape, cell);
    const clickGrad = hot
      ? toFirst(await read(mode.backward(api, make(layoutOf(hot, out.shape), f.output.shape, f.output.layout), x, f, o)), shape, layout).data
      : null;
    return { out: out.data, shape: out.shape, grad, clickGrad, forwardMs, backwardMs };
  } finally {
    free();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return a.length === b.length ? d : Infinity;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

function currentMode(): ModeSpec {
  return MODES.find((m) => m.id === $<HTMLSelectElement>('mode').value)!;
}

function buildControls(mode: ModeSpec): void {
  const box = $('controls');
  box.replaceChildren();
  values[mode.id] ??= {};
  for (const spec of mode.options) {
    const label = document.createElement('label');
    label.textContent = spec.key;
    let input: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === 'bool') {
      input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = Boolean(values[mode.id][spec.key] ?? spec.value);
    } else if (spec.choices) {
      input = document.createElement('select');
      for (const c of spec.choices) input.append(new Option(c, c));
      input.value = String(values[mode.id][spec.key] ?? spec.value);
    } else {
      input = document.createElement('input');
      input.type = 'number';
      if (spec.min !== undefined) input.min = String(spec.min);
      if (spec.max !== undefined) input.max = String(spec.max);
      input.step = String(spec.step ?? 1);
      input.value = String(values[mode.id][spec.key] ?? spec.value);
    }
    input.id = `opt-${spec.key}`;
    input.addEventListener('change', () => {
      values[mode.id][spec.key] = input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value;
      void render();
    });
    label.append(input);
    box.append(label);
  }
  $('blurb').textContent = mode.blurb;
}

let runs = 0;

/** Runs the selected mode on the GPU and the CPU and shows both. */
async function render(): Promise<void> {
  const mode = currentMode();
  const layout = $<HTMLSelectElement>('layout').value as Layout;
  const o = optionsOf(mode, values[mode.id] ?? {});
  $('error').textContent = '';
  const report: Record<string, unknown> = { mode: mode.id, run: ++runs };
  try {
    const cpu = await runOn(false, mode, o, image, 'NCHW', clicked);
    const gpu = engine ? await runOn(true, mode, o, image, layout, clicked) : null;
    const shown = gpu ?? cpu;
    const [, , h, w] = shown.shape;
    draw($('output'), shown.out, h, w, clicked && clicked[0] < h && clicked[1] < w ? clicked : undefined);
    $('output-caption').textContent = `output ${h} × ${w} — click a cell`;
    drawGradient($('grad'), shown.grad, SIZE, SIZE, $('grad-legend'));
    if (shown.clickGrad) drawGradient($('click-grad'), shown.clickGrad, SIZE, SIZE, $('click-legend'));
    const df = gpu ? maxDiff(gpu.out, cpu.out) : NaN;
    const db = gpu ? maxDiff(gpu.grad, cpu.grad) : NaN;
    $('diff-forward').textContent = gpu ? df.toExponential(2) : '–';
    $('diff-backward').textContent = gpu ? db.toExponential(2) : '–';
    Object.assign(report, { diffForward: df, diffBackward: db, shape: shown.shape });
    report.timings = await renderTimings(mode, o, layout);
  } catch (e) {
    // The engine's own message says which parameter broke which rule.
    $('error').textContent = e instanceof PoolError ? e.message : `unexpected: ${(e as Error).message}`;
    if (!(e instanceof PoolError)) console.error(e);
    report.error = (e as Error).message;
  }
  await renderHow();
  (window as unknown as { lastRun: unknown }).lastRun = report;
}

/** The "How it works" panel for the selected mode; its report is kept on window for the tests. */
async function renderHow(): Promise<void> {
  const mode = currentMode();
  const report = await renderHowItWorks($('how-it-works'), mode, optionsOf(mode, values[mode.id] ?? {}), engine);
  (window as unknown as { howItWorks: unknown }).howItWorks = report;
}

/** Compiles every mode's pipelines for the picture, in both layouts, before the first run (engine.prepare): no figure includes compilation. */
function prepareModes(e: PoolEngine): Promise<number> {
  const calls = MODES.flatMap((m) =>
    m.prepare.flatMap((op) =>
      (['NCHW', 'NHWC'] as const).map((layout) => ({
        op,
        layout,
        shape: layout === 'NHWC' ? [1, SIZE, SIZE, 3] : [1, 3, SIZE, SIZE],
        options: optionsOf(m, {}),
      })),
    ),
  );
  return e.prepare(calls);
}

/** The timing table: medians of warm runs at the size picked (demo/timing.ts says how each column is timed). */
async function renderTimings(mode: ModeSpec, o: Record<string, unknown>, layout: Layout): Promise<Timings> {
  const size = TIMING_SIZES.find((s) => s.id === $<HTMLSelectElement>('size').value)!;
  $('timing-caption').textContent = `Timing ${size.label}, ${layout}…`;
  const t = await timeMode(engine, mode, o, size, image, layout, $<HTMLInputElement>('with-tfjs').checked);
  const cell = (v: number | null, none: string) => (v === null ? none : ms(v));
  $('gpu-forward').textContent = cell(t.gpuForward, 'no WebGPU');
  $('gpu-backward').textContent = cell(t.gpuBackward, 'no WebGPU');
  $('cpu-forward').textContent = ms(t.cpuForward);
  $('cpu-backward').textContent = ms(t.cpuBackward);
  $('tf-forward').textContent = cell(t.tfForward, t.tfNote);
  $('timing-caption').textContent =
    `Median of ${WARM_RUNS} warm runs on ${size.label}, ${layout}: GPU from the call until the device is idle (no read back), ` +
    'the CPU reference on host arrays, TF.js on the same device (channels-last, forward).';
  return t;
}

async function renderGallery(): Promise<void> {
  // Every mode in the gallery; its report is kept on window for the tests.
  (window as unknown as { gallery: unknown }).gallery = await renderFullGallery($('gallery'), image, engine, tracked);
  const rows: string[] = ['<tr><th>mode</th><th>1 px</th><th>2 px</th><th>3 px</th></tr>'];
  for (const mode of MODES.filter((m) => m.gallery)) {
    const o = optionsOf(mode, {});
    const outOf = async (data: Float32Array) => {
      const { api, free } = tracked(engine ?? reference);
      try {
        const x = engine ? api.tensor(data, [1, 3, SIZE, SIZE]) : reference.hostTensor(data, [1, 3, SIZE, SIZE]);
        const f = mode.forward(api, x, o);
        const out = engine ? await f.output.read() : f.output.data;
        return { out: out as Float32Array, shape: f.output.shape as number[] };
      } finally {
        free();
      }
    };
    const base = await outOf(image);
    const scale = base.out.reduce((a, b) => a + Math.abs(b), 0) / base.out.length || 1;
    const cells: string[] = [];
    for (const by of [1, 2, 3]) {
      const moved = await outOf(shifted(image, by));
      // Compare with the original moved by the same amount, scaled by the pooling stride.
      const change = moved.out.reduce((a, v, i) => a + Math.abs(v - base.out[i]), 0) / base.out.length / scale;
      cells.push(`<td>${change.toFixed(3)}</td>`);
    }
    rows.push(`<tr><td>${mode.name}</td>${cells.join('')}</tr>`);
  }
  $('shift').innerHTML = rows.join('');
}

/** The region pooling panel; its report is kept on window for the tests. */
async function renderRois(): Promise<void> {
  (window as unknown as { roiGallery: unknown }).roiGallery = await renderRoiGallery($('roi-gallery'), image, engine);
}

async function start(): Promise<void> {
  for (const m of MODES) $<HTMLSelectElement>('mode').append(new Option(m.name, m.id));
  for (const s of TIMING_SIZES) $<HTMLSelectElement>('size').append(new Option(s.label, s.id));
  try {
    engine = await createPoolEngine();
    engine.device.addEventListener('uncapturederror', (e) => console.error(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`));
    (window as unknown as { prepared: number }).prepared = await prepareModes(engine);
  } catch (e) {
    const w = $('warning');
    w.style.display = 'block';
    w.textContent =
      `WebGPU is not available here (${(e as Error).message}). Use a recent Chrome or Edge, or enable WebGPU in Firefox or Safari ` +
      '(chrome://flags/#enable-unsafe-webgpu on Linux). The CPU reference still runs below.';
  }
  draw($('input'), image, SIZE, SIZE);
  $('mode').addEventListener('change', () => {
    clicked = null;
    buildControls(currentMode());
    void render();
  });
  $('layout').addEventListener('change', () => void render());
  // A new selected cell redraws the panel only.
  $('how-it-works').addEventListener('cellchange', () => void renderHow());
  $('size').addEventListener('change', () => void render());
  $('with-tfjs').addEventListener('change', () => void render());
  $('output').addEventListener('click', (ev) => {
    const canvas = ev.target as HTMLCanvasElement;
    const r = canvas.getBoundingClientRect();
    clicked = [Math.floor(((ev.clientY - r.top) / r.height) * canvas.height), Math.floor(((ev.clientX - r.left) / r.width) * canvas.width)];
    void render();
  });
  $('file').addEventListener('change', async () => {
    const file = $<HTMLInputElement>('file').files?.[0];
    if (!file) return;
    image = await imageFromFile(file);
    draw($('input'), image, SIZE, SIZE);
    await Promise.all([render(), renderGallery(), renderRois()]);
  });
  $('builtin').addEventListener('click', async () => {
    image = builtInImage();
    draw($('input'), image, SIZE, SIZE);
    await Promise.all([render(), renderGallery(), renderRois()]);
  });
  buildControls(currentMode());
  clicked = [10, 10];
  await render();
  await renderGallery();
  await renderRois();
}

start().then(
  () => ((window as unknown as { harnessReady: unknown }).harnessReady = true),
  (e) => {
    console.error(e);
    (window as unknown as { harnessReady: unknown }).harnessReady = String(e);
  },
);

// The "How it works" panel: the selected mode on a 6 × 6 grid of small numbers,
// forward and backward, so its rule can be read off the cells. The backward gets
// an upstream gradient of 1 at the selected output cell and 0 elsewhere, so the
// input cells it reaches are the ones that cell depends on: no window geometry is
// worked out here, the gradient shows it. GPU when there is one, and always the
// CPU reference beside it.
//
// Hovering or focusing an output cell selects it and dispatches 'cellchange' on
// the container; the page then calls renderHowItWorks again (the panel only).
import { PoolError, reference, type PoolEngine } from '../../src/index';
import type { ModeSpec } from './modes';
import { tracked } from './tracked';

export interface HowItWorksReport {
  mode: string;
  cell: [number, number];
  /** Flat input indices highlighted: where the one-hot gradient is nonzero. */
  window: number[];
  /** The 36 input-gradient values shown (the GPU's when it ran). */
  gradient: number[];
  cpuGradient: number[];
  /** Largest |GPU − CPU| over the output and the gradient; null without a GPU. */
  maxDiff: number | null;
  ran: 'gpu' | 'cpu';
  /** Why no grids are shown, when they are not. */
  note?: string;
}

const H = 6;
const W = 6;
// Distinct small integers with a tie (two 9s: the first maximum wins). Cell (1, 1)
// is the maximum of its 2 × 2 block, so max unpooling's output there is not a 0.
const INPUT = Float32Array.from([1, 3, 0, 5, 2, 4, 6, 8, 2, 7, 1, 3, 4, 0, 9, 3, 6, 5, 2, 7, 5, 1, 8, 0, 9, 3, 6, 4, 2, 7, 5, 1, 8, 0, 3, 6]);

const MAX_STYLE = new Set(['max', 'fractional', 'adaptiveMax', 'globalMax']);

/** The backward rule of the mode's family, in one line. */
function rule(mode: ModeSpec, o: Record<string, unknown>): string {
  if (MAX_STYLE.has(mode.id) || (mode.id === 'pyramid' && o.mode !== 'avg')) {
    return "the whole gradient goes to the window's winner (the first maximum on ties).";
  }
  const k = Number(o.kernel);
  switch (mode.id) {
    case 'avg':
      return `the gradient is spread evenly over the window: 1/k² each (k = ${k}: 1/${k * k}).`;
    case 'adaptiveAvg':
    case 'pyramid':
      return "the gradient is spread evenly over the output cell's bin: 1/(cells in the bin) each.";
    case 'stochastic':
      return 'the gradient goes to the sampled cell.';
    case 'globalAvg':
      return `every cell gets 1/(H·W) = 1/${H * W}.`;
    case 'mixed':
      return `λ of it goes to the window's winner and (1 − λ)/k² to every cell of the window (k = ${k}).`;
    case 'lp':
      return 'each cell of the window gets (xᵢ / y)^(p − 1): the larger the value, the larger its share.';
    case 'gem':
      return `each cell gets (xᵢ / y)^(p − 1) / (H·W): the larger the value, the larger its share.`;
    case 'soft':
      return 'each cell gets its softmax weight wᵢ times (1 + xᵢ − y): the largest values take most of it.';
    case 'stochasticEval':
      return 'each cell gets (2xᵢ − y) / Σx: cells above half the output gain, the others lose.';
    case 'unpool':
      return 'a cell holding a put-back maximum sends its gradient to that winner; the zeros around it send nothing.';
    case 'strip':
      return "the cell's row gets 1/W each and its column 1/H each (the cell itself both).";
    default:
      return 'each input cell gets as much gradient as it moves the selected output.';
  }
}

/** Rows and columns of the output as shown: [1, 1, h, w] as is, flat features [1, F] as one row. */
function gridOf(shape: readonly number[]): [number, number] | null {
  if (shape.length === 4 && shape[0] === 1 && shape[1] === 1) return [shape[2], shape[3]];
  if (shape.length === 2 && shape[0] === 1) return [1, shape[1]];
  return null;
}

interface Pass {
  output: Float32Array;
  shape: readonly number[];
  grid: [number, number] | null;
  cell: [number, number];
  gradient: Float32Array;
  winner: number | null;
}

/** Forward, then backward of a one-hot at `want` (or (0, 0) when the output has no such cell). */
async function pass(gpu: PoolEngine | null, mode: ModeSpec, o: Record<string, unknown>, want: [number, number]): Promise<Pass> {
  const { api, free } = tracked(gpu ?? reference);
  const read = async (t: any) => (gpu ? await t.read() : t.data) as Float32Array;
  const make = (d: Float32Array, s: readonly number[], l?: string) => (gpu ? api.tensor(d, s, l) : reference.hostTensor(d, s, l as any));
  try {
    const x = make(INPUT, [1, 1, H, W]);
    const f = mode.forward(api, x, o);
    const output = Float32Array.from(await read(f.output));
    const grid = gridOf(f.output.shape);
    const cell: [number, number] = grid && want[0] < grid[0] && want[1] < grid[1] ? want : [0, 0];
    if (!grid) return { output, shape: f.output.shape, grid, cell, gradient: new Float32Array(0), winner: null };
    const at = cell[0] * grid[1] + cell[1];
    const hot = new Float32Array(output.length);
    hot[at] = 1;
    const gradient = Float32Array.from(await read(mode.backward(api, make(hot, f.output.shape, f.output.layout), x, f, o)));
    // Indices name a winner only with one per output cell (max unpooling's belong to the pooled map).
    const indices = f.indices ? await read(f.indices) : null;
    const winner = indices && indices.length === output.length ? indices[at] : null;
    return { output, shape: f.output.shape, grid, cell, gradient, winner };
  } finally {
    free();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) if (!(Number.isNaN(a[i]) && Number.isNaN(b[i]))) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** A table of `values` (rows × cols) to 2 decimals; `decorate` adds classes and attributes to cell i. */
function table(values: ArrayLike<number>, [rows, cols]: [number, number], kind: string, decorate: (td: HTMLTableCellElement, i: number) => void) {
  const t = el('table', undefined, `hiw-grid hiw-${kind}`);
  for (let r = 0; r < rows; r++) {
    const tr = t.insertRow();
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const td = tr.insertCell();
      td.textContent = values[i].toFixed(2);
      if (values[i] === 0) td.classList.add('hiw-zero');
      decorate(td, i);
    }
  }
  return t;
}

function figure(content: HTMLElement, caption: string): HTMLElement {
  const f = el('figure');
  f.append(content, el('figcaption', caption));
  return f;
}

const selected = new WeakMap<HTMLElement, [number, number]>();
let queue: Promise<unknown> = Promise.resolve();

/** Draws the panel into `container` for the mode and its options; reports what it showed and how far the GPU is from the CPU. */
export function renderHowItWorks(
  container: HTMLElement,
  mode: ModeSpec,
  options: Record<string, unknown>,
  engine: PoolEngine | null,
): Promise<HowItWorksReport> {
  // One at a time, in call order: the last call's panel and report are the ones that stay.
  const job = queue.then(() => draw(container, mode, options, engine));
  queue = job.catch(() => undefined);
  return job;
}

async function draw(container: HTMLElement, mode: ModeSpec, o: Record<string, unknown>, engine: PoolEngine | null): Promise<HowItWorksReport> {
  const want = selected.get(container) ?? [0, 0];
  const report: HowItWorksReport = { mode: mode.id, cell: [0, 0], window: [], gradient: [], cpuGradient: [], maxDiff: null, ran: engine ? 'gpu' : 'cpu' };
  let cpu: Pass;
  let gpu: Pass | null;
  try {
    cpu = await pass(null, mode, o, want);
    gpu = engine ? await pass(engine, mode, o, want) : null;
  } catch (e) {
    // Settings made for the 64 × 64 picture may not fit 6 × 6; the engine's message says why.
    if (!(e instanceof PoolError)) console.error(e);
    report.note = `These settings do not fit a ${H} × ${W} input: ${(e as Error).message}`;
    container.replaceChildren(el('p', report.note, 'muted'));
    return report;
  }
  if (!cpu.grid) {
    report.note = `The output, shape [${cpu.shape.join(', ')}], is not a grid of one channel: nothing to show here.`;
    container.replaceChildren(el('p', report.note, 'muted'));
    return report;
  }
  const shown = gpu ?? cpu;
  const lit = [...shown.gradient.keys()].filter((i) => shown.gradient[i] !== 0);
  Object.assign(report, {
    cell: shown.cell,
    window: lit,
    gradient: [...shown.gradient],
    cpuGradient: [...cpu.gradient],
    maxDiff: gpu ? Math.max(maxDiff(gpu.output, cpu.output), maxDiff(gpu.gradient, cpu.gradient)) : null,
  });

  const [cr, cc] = shown.cell;
  const inWindow = new Set(lit);
  const input = table(INPUT, [H, W], 'input', (td, i) => {
    td.dataset.i = String(i);
    if (inWindow.has(i)) td.classList.add('hiw-window');
    if (i === shown.winner) td.classList.add('hiw-winner');
  });
  const output = table(shown.output, shown.grid!, 'output', (td, i) => {
    const [r, c] = [Math.floor(i / shown.grid![1]), i % shown.grid![1]];
    td.dataset.cell = `${r},${c}`;
    td.tabIndex = 0;
    if (r === cr && c === cc) td.classList.add('hiw-selected');
  });
  const gradient = table(shown.gradient, [H, W], 'gradient', (td, i) => inWindow.has(i) && td.classList.add('hiw-window'));
  const pick = (ev: Event) => {
    const cell = (ev.target as HTMLElement).closest<HTMLElement>('td[data-cell]')?.dataset.cell;
    if (!cell) return;
    const [r, c] = cell.split(',').map(Number);
    const now = selected.get(container);
    if (now && now[0] === r && now[1] === c) return;
    selected.set(container, [r, c]);
    container.dispatchEvent(new CustomEvent('cellchange', { detail: [r, c] }));
  };
  output.addEventListener('mouseover', pick);
  output.addEventListener('focusin', pick);

  const row = el('div', undefined, 'row');
  const [h, w] = shown.grid!;
  row.append(
    figure(input, `input ${H} × ${W}: shaded where the gradient lands${shown.winner !== null ? ', the winner outlined' : ''}`),
    figure(output, `output ${h} × ${w}: hover or focus a cell`),
    figure(gradient, `input gradient for a 1 at output (${cr}, ${cc})`),
  );
  const forward = el('p', `Forward: ${mode.blurb}`, 'muted');
  const backward = el('p', `Backward: ${rule(mode, o)}`, 'hiw-rule');
  const check = el(
    'p',
    gpu ? `Ran on the GPU; largest |GPU − CPU| over output and gradient: ${report.maxDiff!.toExponential(2)}.` : 'Ran on the CPU reference (no WebGPU).',
    'muted',
  );
  // Keyboard users keep their place: the new selected cell takes the focus the old panel had.
  const hadFocus = container.contains(document.activeElement);
  container.replaceChildren(forward, backward, row, check);
  if (hadFocus) output.querySelector<HTMLElement>('.hiw-selected')?.focus();
  return report;
}

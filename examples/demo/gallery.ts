// The gallery: the picture through every mode of MODES with its default options,
// on the GPU when there is one. Outputs that are not pictures get their own
// drawing: per-channel vectors as a colour swatch, the spatial pyramid as its
// levels' grids, strip pooling as bars along the picture's edges.
import { reference, type PoolEngine } from '../../src/index';
import { draw, SIZE } from './image';
import { MODES, optionsOf, type ModeSpec } from './modes';

export interface GalleryReport {
  /** Mode ids drawn. */
  drawn: string[];
  /** Mode ids whose forward pass threw. */
  failed: string[];
}

/** Runs calls on an api and frees every tensor they made (the demo's `tracked`). */
export type Track = (api: any) => { api: any; free(): void };

type Data = Float32Array;

/** Paints channels-first [3, h, w] data as cells of `cell` px at (x, y); `top` is full brightness. */
function paint(ctx: CanvasRenderingContext2D, data: Data, h: number, w: number, x: number, y: number, cell: number, top: number): void {
  const plane = h * w;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const [r, g, b] = [0, 1, 2].map((c) => Math.round(255 * Math.min(1, Math.abs(data[c * plane + i * w + j]) / top) || 0));
      ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
      ctx.fillRect(x + j * cell, y + i * cell, cell, cell);
    }
}

function largest(...arrays: Data[]): number {
  let m = 1e-12;
  for (const a of arrays) for (const v of a) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

function canvasOf(w: number, h: number): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  return [canvas, canvas.getContext('2d')!];
}

/** A [1, 3, 1, 1] output as a square of its colour, outlined so a white or black colour still shows. */
function swatch(data: Data): HTMLCanvasElement {
  const [canvas, ctx] = canvasOf(128, 128);
  ctx.strokeStyle = '#000';
  ctx.strokeRect(31.5, 31.5, 65, 65);
  // True colour for a picture in [0, 1]: not stretched to the brightest channel.
  paint(ctx, data, 1, 1, 32, 32, 64, Math.max(1, largest(data)));
  return canvas;
}

/** The pyramid's [1, 3·Σl²] vector: level after level, each a channels-first [3, l, l] block; drawn side by side. */
function pyramid(data: Data, levels: number[]): HTMLCanvasElement {
  const block = 48;
  const gap = 8;
  const [canvas, ctx] = canvasOf(levels.length * (block + gap) - gap, block);
  canvas.style.width = `${canvas.width}px`;
  canvas.style.height = `${canvas.height}px`;
  // The engine's default levels, unless the options name others; a wrong guess must not draw garbage.
  if (levels.reduce((n, l) => n + 3 * l * l, 0) !== data.length) throw new Error(`levels ${levels} do not fit ${data.length} features`);
  const top = largest(data);
  let at = 0;
  levels.forEach((l, k) => {
    const x = k * (block + gap);
    paint(ctx, data.subarray(at, at + 3 * l * l), l, l, x, 0, block / l, top);
    at += 3 * l * l;
    // Cell edges, so that equal neighbours still read as a 2 × 2 or 4 × 4 grid.
    ctx.fillStyle = '#fff';
    for (let i = 1; i < l; i++) {
      ctx.fillRect(x + (i * block) / l, 0, 1, block);
      ctx.fillRect(x, (i * block) / l, block, 1);
    }
  });
  return canvas;
}

/** Strip pooling: the expanded output dimmed in the picture's box, the row strip as a bar on its right, the column strip under it. */
function strips(expanded: Data, rows: Data, cols: Data): HTMLCanvasElement {
  const gap = 2;
  const bar = 6;
  const [canvas, ctx] = canvasOf(SIZE + gap + bar, SIZE + gap + bar);
  paint(ctx, expanded, SIZE, SIZE, 0, 0, 1, largest(expanded) / 0.4);
  const top = largest(rows, cols);
  for (let k = 0; k < bar; k++) {
    paint(ctx, rows, SIZE, 1, SIZE + gap + k, 0, 1, top);
    paint(ctx, cols, 1, SIZE, 0, SIZE + gap + k, 1, top);
  }
  return canvas;
}

// No-break spaces: a caption wraps between words, never inside a shape.
const shapeText = (s: readonly number[]) => s.join('\u00a0×\u00a0');

function figure(canvas: HTMLCanvasElement | null, text: string): HTMLElement {
  const f = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.textContent = text;
  if (canvas) f.append(canvas);
  f.append(caption);
  return f;
}

/** One mode's figure; its tensors are freed before it returns. */
async function modeFigure(mode: ModeSpec, image: Float32Array, engine: PoolEngine | null, track: Track): Promise<HTMLElement> {
  const o = optionsOf(mode, {});
  const { api, free } = track(engine ?? reference);
  const read = async (t: any) => (engine ? await t.read() : t.data) as Float32Array;
  try {
    const shape = [1, 3, SIZE, SIZE];
    const x = engine ? api.tensor(image, shape) : reference.hostTensor(image, shape);
    const f = mode.forward(api, x, o);
    const out = await read(f.output);
    const s = f.output.shape as number[];
    if (mode.id === 'strip') {
      const { rows, cols } = f.extra as { rows: any; cols: any };
      const text = `${mode.name}: rows ${shapeText(rows.shape)}, columns ${shapeText(cols.shape)}`;
      return figure(strips(out, await read(rows), await read(cols)), text);
    }
    if (s.length === 2) {
      const levels = (o.levels as number[] | undefined) ?? [1, 2, 4];
      return figure(pyramid(out, levels), `${mode.name}: ${shapeText(s)}, levels ${levels.map((l) => shapeText([l, l])).join(', ')}`);
    }
    let canvas: HTMLCanvasElement;
    if (s[2] * s[3] === 1) canvas = swatch(out);
    else {
      canvas = document.createElement('canvas');
      draw(canvas, out, s[2], s[3]);
    }
    return figure(canvas, `${mode.name}: ${shapeText(s)}`);
  } finally {
    free();
  }
}

/** Draws one figure per mode into `container` and reports which modes drew and which failed. */
export async function renderFullGallery(container: HTMLElement, image: Float32Array, engine: PoolEngine | null, track: Track): Promise<GalleryReport> {
  const report: GalleryReport = { drawn: [], failed: [] };
  const figures: HTMLElement[] = [];
  for (const mode of MODES) {
    try {
      figures.push(await modeFigure(mode, image, engine, track));
      report.drawn.push(mode.id);
    } catch (e) {
      // One broken mode should not blank the rest of the gallery.
      figures.push(figure(null, `${mode.name}: failed (${(e as Error).message})`));
      report.failed.push(mode.id);
    }
  }
  // Replaced in one go, so a render that overlaps another never mixes their figures.
  container.replaceChildren(...figures);
  return report;
}

// The region pooling panel: RoIAlign crops four fixed boxes of the picture to
// 16 × 16, on the GPU when there is one, checked against the CPU reference.
import { reference, type PoolEngine, type PoolTensor } from '../../src/index';
import { draw, SIZE } from './image';

export interface RoiGalleryReport {
  boxes: number;
  ran: 'gpu' | 'cpu';
  maxDiff: number | null;
}

// Rows (batchIndex, x1, y1, x2, y2) in input pixels: the rings' centre, a wide
// strip past the right edge (samples outside read 0), the disc, a tall strip.
const BOXES = [
  [0, 8, 12, 40, 44],
  [0, 40, 2, 72, 22],
  [0, 36, 34, 56, 54],
  [0, 2, 34, 14, 62],
];
const COLOURS = ['white', 'yellow', 'cyan', 'magenta'];
const OUT = 16;
const OPTIONS = { outputSize: OUT, spatialScale: 1, samplingRatio: 2, aligned: true };
// The overview is drawn at 4× so the box outlines stay sharp.
const VIEW = SIZE * 4;

function figure(canvas: HTMLCanvasElement, text: string): HTMLElement {
  const f = document.createElement('figure');
  const caption = document.createElement('figcaption');
  caption.textContent = text;
  f.append(canvas, caption);
  return f;
}

/** The picture scaled up with each box outlined in its colour. */
function overview(image: Float32Array): HTMLCanvasElement {
  const small = document.createElement('canvas');
  draw(small, image, SIZE, SIZE);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = VIEW;
  canvas.style.width = canvas.style.height = `${VIEW}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, VIEW, VIEW);
  const s = VIEW / SIZE;
  ctx.lineWidth = 2;
  BOXES.forEach(([, x1, y1, x2, y2], k) => {
    ctx.strokeStyle = COLOURS[k];
    ctx.strokeRect(x1 * s, y1 * s, (x2 - x1) * s, (y2 - y1) * s);
  });
  return canvas;
}

/** Draws the panel into `container` and reports where it ran and how far the GPU is from the CPU. */
export async function renderRoiGallery(container: HTMLElement, image: Float32Array, engine: PoolEngine | null): Promise<RoiGalleryReport> {
  const shape = [1, 3, SIZE, SIZE];
  const rois = { data: BOXES.flat(), shape: [BOXES.length, 5] };
  const cpu = reference.roiAlign(reference.hostTensor(image, shape), rois, OPTIONS).data;
  let gpu: Float32Array | null = null;
  if (engine) {
    const x = engine.tensor(image, shape);
    let out: PoolTensor<'float32'> | undefined;
    try {
      out = engine.roiAlign(x, rois, OPTIONS);
      gpu = await out.read();
    } finally {
      out?.destroy();
      x.destroy();
    }
  }
  let maxDiff: number | null = null;
  if (gpu) {
    maxDiff = gpu.length === cpu.length ? 0 : Infinity;
    for (let i = 0; i < gpu.length; i++) maxDiff = Math.max(maxDiff, Math.abs(gpu[i] - cpu[i]));
  }
  const shown = gpu ?? cpu;
  const plane = 3 * OUT * OUT;
  const figures = [figure(overview(image), 'boxes on the picture')];
  BOXES.forEach(([, x1, y1, x2, y2], k) => {
    const canvas = document.createElement('canvas');
    draw(canvas, shown.subarray(k * plane, (k + 1) * plane), OUT, OUT);
    figures.push(figure(canvas, `${COLOURS[k]} (${x1}, ${y1})–(${x2}, ${y2})`));
  });
  // Replaced in one go, so a render that overlaps another never mixes their figures.
  container.replaceChildren(...figures);
  return { boxes: BOXES.length, ran: gpu ? 'gpu' : 'cpu', maxDiff };
}

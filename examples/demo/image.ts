// Images for the demo: a procedural picture, a user's file (read locally), and
// drawing channels-first [1, C, H, W] data onto canvases.

export const SIZE = 64;

/** A procedural RGB picture (rings, a checker, a gradient, a disc), channels-first [1, 3, 64, 64]. */
export function builtInImage(): Float32Array {
  const data = new Float32Array(3 * SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const i = y * SIZE + x;
      const r = Math.hypot(x - 24, y - 28);
      data[i] = 0.5 + 0.5 * Math.sin(r / 2.2);
      data[SIZE * SIZE + i] = (x >> 3) % 2 === (y >> 3) % 2 ? 0.9 : 0.15;
      data[2 * SIZE * SIZE + i] = Math.hypot(x - 46, y - 44) < 12 ? 1 : y / SIZE / 2;
    }
  }
  return data;
}

/** A picture the user picked, scaled to 64 × 64, as channels-first RGB in [0, 1]. Nothing leaves the page. */
export async function imageFromFile(file: File): Promise<Float32Array> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0, SIZE, SIZE);
  const pixels = ctx.getImageData(0, 0, SIZE, SIZE).data;
  const data = new Float32Array(3 * SIZE * SIZE);
  for (let i = 0; i < SIZE * SIZE; i++) for (let c = 0; c < 3; c++) data[c * SIZE * SIZE + i] = pixels[i * 4 + c] / 255;
  return data;
}

/** The picture moved right and down by `by` pixels (edges repeat). */
export function shifted(data: Float32Array, by: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) out[(c * SIZE + y) * SIZE + x] = data[(c * SIZE + Math.max(0, y - by)) * SIZE + Math.max(0, x - by)];
  return out;
}

/**
 * Draws channels-first [C, H, W] data (C = 3 as RGB, else grey from channel 0)
 * scaled to [0, 1] by its largest magnitude; `highlight` outlines one cell.
 */
export function draw(canvas: HTMLCanvasElement, data: ArrayLike<number>, h: number, w: number, highlight?: [number, number]): void {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(w, h);
  let max = 1e-12;
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) max = Math.max(max, Math.abs(data[i]));
  const channels = data.length >= 3 * h * w ? 3 : 1;
  for (let i = 0; i < h * w; i++) {
    for (let c = 0; c < 3; c++) {
      const v = data[(channels === 3 ? c : 0) * h * w + i];
      image.data[i * 4 + c] = Math.round((255 * Math.abs(v)) / max);
    }
    image.data[i * 4 + 3] = 255;
  }
  if (highlight) {
    const [hy, hx] = highlight;
    const i = (hy * w + hx) * 4;
    image.data.set([255, 0, 255, 255], i);
  }
  ctx.putImageData(image, 0, 0);
}

// Gradients drawn so they can be read: summed over the channels, on a diverging
// colour map (blue below 0, white at 0, red above) normalised to the largest
// |value|, with a legend that states the range. Grey-scale magnitudes made most
// gradients nearly black: a max-pool gradient is a few cells among zeros.

const NEGATIVE = [33, 102, 172];
const POSITIVE = [178, 24, 43];

/** The colour of t in [-1, 1]: white at 0, blending to blue (−1) or red (+1). */
export function diverging(t: number): [number, number, number] {
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const a = Math.min(Math.abs(t), 1);
  return [0, 1, 2].map((i) => Math.round(255 + (end[i] - 255) * a)) as [number, number, number];
}

/** Channels-first [C, H, W] summed over C; the largest finite |value|. */
function summed(data: ArrayLike<number>, h: number, w: number): { plane: Float32Array; max: number } {
  const plane = new Float32Array(h * w);
  const channels = Math.max(1, Math.floor(data.length / (h * w)));
  for (let c = 0; c < channels; c++) for (let i = 0; i < h * w; i++) plane[i] += data[c * h * w + i];
  let max = 0;
  for (const v of plane) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  return { plane, max };
}

/** Draws a gradient on the diverging map, and its legend (a colour bar with −max, 0, +max) into `legend`. */
export function drawGradient(canvas: HTMLCanvasElement, data: ArrayLike<number>, h: number, w: number, legend: HTMLElement): number {
  const { plane, max } = summed(data, h, w);
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    image.data.set([...diverging(max > 0 ? plane[i] / max : 0), 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
  const bar = document.createElement('canvas');
  bar.className = 'legend-bar';
  bar.width = 64;
  bar.height = 1;
  const bctx = bar.getContext('2d')!;
  const row = bctx.createImageData(64, 1);
  for (let x = 0; x < 64; x++) row.data.set([...diverging((x / 63) * 2 - 1), 255], x * 4);
  bctx.putImageData(row, 0, 0);
  const label = document.createElement('span');
  const fmt = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? v.toPrecision(3) : v.toExponential(2));
  label.textContent = `${fmt(-max)}   0   ${fmt(max)} (summed over channels)`;
  legend.replaceChildren(bar, label);
  return max;
}

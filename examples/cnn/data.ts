// The example's data: small grayscale images of shapes, drawn by code from a
// seed (nothing is downloaded). Each image shows one shape — its class — at a
// random position, size, rotation, stroke width and brightness, outlined or
// filled, over a noisy background. The same seed gives the same images
// everywhere (Node, the page, the tests).

/** Image side in pixels. */
export const IMAGE_SIZE = 16;

/** The classes, in the order of the network's outputs. */
export const CLASSES = ['circle', 'square', 'triangle', 'plus', 'cross'] as const;
export type ShapeClass = (typeof CLASSES)[number];

/** A batch of images, [count, 1, IMAGE_SIZE, IMAGE_SIZE] channels-first, and their classes. */
export interface Dataset {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample from two uniforms (Box–Muller). */
export function gaussian(r: () => number): number {
  const u = 1 - r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

type Point = [number, number];

/** Distance from p to the segment a–b. */
function segmentDistance(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Whether p is inside the polygon (even-odd rule). */
function insidePolygon(p: Point, vertices: Point[]): boolean {
  let inside = false;
  for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
    const [a, b] = [vertices[i], vertices[j]];
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** One shape's geometry: whether a point (in pixels) is covered by its ink. */
function shapeCover(kind: ShapeClass, cx: number, cy: number, radius: number, angle: number, stroke: number, filled: boolean): (p: Point) => boolean {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const at = (x: number, y: number): Point => [cx + x * cos - y * sin, cy + x * sin + y * cos];
  const half = stroke / 2;
  if (kind === 'circle') {
    return ([x, y]) => {
      const d = Math.hypot(x - cx, y - cy);
      return filled ? d <= radius + half : Math.abs(d - radius) <= half;
    };
  }
  if (kind === 'plus' || kind === 'cross') {
    // Two bars through the centre; a cross is a plus turned by 45°. "Filled" draws them thicker.
    const turn = kind === 'cross' ? Math.PI / 4 : 0;
    const c2 = Math.cos(turn);
    const s2 = Math.sin(turn);
    const r = radius * (kind === 'cross' ? 1.1 : 1);
    const ends = [at(r * c2, r * s2), at(-r * c2, -r * s2), at(-r * s2, r * c2), at(r * s2, -r * c2)];
    const w = filled ? half * 1.8 : half;
    return (p) => segmentDistance(p, ends[0], ends[1]) <= w || segmentDistance(p, ends[2], ends[3]) <= w;
  }
  const corners: Point[] =
    kind === 'square'
      ? [at(-radius * 0.85, -radius * 0.85), at(radius * 0.85, -radius * 0.85), at(radius * 0.85, radius * 0.85), at(-radius * 0.85, radius * 0.85)]
      : [at(0, -radius), at(radius * 0.95, radius * 0.7), at(-radius * 0.95, radius * 0.7)];
  return (p) => {
    if (filled && insidePolygon(p, corners)) return true;
    for (let i = 0; i < corners.length; i++) {
      if (segmentDistance(p, corners[i], corners[(i + 1) % corners.length]) <= half) return true;
    }
    return false;
  };
}

const SUBSAMPLES = 4;

/** Draws one image of `kind` into `out` (IMAGE_SIZE² values), with its randomness from `r`. */
export function drawShape(kind: ShapeClass, r: () => number, out: Float32Array): void {
  const size = IMAGE_SIZE;
  const radius = size * (0.2 + 0.22 * r());
  const margin = radius + 1;
  const cx = margin + r() * (size - 2 * margin);
  const cy = margin + r() * (size - 2 * margin);
  const angle = (r() - 0.5) * (Math.PI / 6);
  const stroke = 1 + r() * 1.2;
  const filled = r() < 0.3;
  const ink = 0.6 + 0.4 * r();
  const background = 0.15 * r();
  const noise = 0.03 + 0.07 * r();
  const covers = shapeCover(kind, cx, cy, radius, angle, stroke, filled);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      for (let sy = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++) {
          if (covers([x + (sx + 0.5) / SUBSAMPLES, y + (sy + 0.5) / SUBSAMPLES])) hits++;
        }
      }
      const coverage = hits / (SUBSAMPLES * SUBSAMPLES);
      out[y * size + x] = background + (ink - background) * coverage + noise * gaussian(r);
    }
  }
}

/** `count` images from `seed`, classes in a seeded shuffle of a balanced list. */
export function generate(count: number, seed: number): Dataset {
  const r = rng(seed);
  const plane = IMAGE_SIZE * IMAGE_SIZE;
  const images = new Float32Array(count * plane);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % CLASSES.length;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  for (let i = 0; i < count; i++) drawShape(CLASSES[labels[i]], r, images.subarray(i * plane, (i + 1) * plane));
  return { images, labels, count };
}

// Counter-based random numbers: PCG's output hash of (seed, stream, index), so a
// given seed yields the same numbers on every device, in any order, and in the
// CPU reference. The WGSL twin is pcg_hash in shaders/common.wgsl.

/** PCG (O'Neill) RXS-M-XS 32-bit output hash of one 32-bit state. */
export function pcgHash(input: number): number {
  const state = (Math.imul(input >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul((state >>> ((state >>> 28) + 4)) ^ state, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The key of a (seed, stream) pair: its numbers hash key ^ index (kernels take it as a uniform). */
export function streamKey(seed: number, stream: number): number {
  return pcgHash(pcgHash(seed >>> 0) ^ (stream >>> 0));
}

/** A uniform number in [0, 1) for (seed, stream, index), with 24 bits so it is exact in float32. */
export function uniform01(seed: number, stream: number, index: number): number {
  const h = pcgHash(streamKey(seed, stream) ^ (index >>> 0));
  return (h >>> 8) / 16777216;
}

/** The random stream of stochastic pooling's picks ('STOC'); the kernels take streamKey(seed, STOCHASTIC_STREAM) as a uniform. */
export const STOCHASTIC_STREAM = 0x53544f43;

/**
 * The pooling modes as the kernels know them: the value of every pipeline's MODE
 * override, one list for every kernel family. shaders/modes.wgsl holds the same
 * list (MODE_MAX, MODE_AVG, …), and a test checks that the two agree.
 */
export const MODE = {
  max: 0,
  avg: 1,
  lp: 2,
  soft: 3,
  mixed: 4,
  stochasticEval: 5,
  stochastic: 6,
  gem: 7,
} as const;

export type KernelMode = keyof typeof MODE;

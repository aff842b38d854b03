// @include window_small
// @requires Window
// Stochastic pooling's pick over a small window (window_small.wgsl), after the
// kernel's fold kept each tap's weight, running sum of weights and plane index:
// the first tap whose running sum passes the goal r · Σ weights. Weights are
// never negative, so running sums never decrease and the first tap that passes
// is the last one to pass when the taps are visited from the last back to the
// first: each tap is one test and two selects, written out like the fold.
// Where none passes (rounding), the state the fold left stays: the last positive
// weight, or the first tap with weight 0. `Window` is the kernel's state: Window4,
// or its scalar twin in window_forward_small.wgsl.

// Takes tap t where its running sum passes the goal.
fn pick_tap(win: ptr<function, Window>, t: u32) {
  let passes = (*win).running[t] > (*win).goal;
  (*win).best = select((*win).best, (*win).weight[t], passes);
  (*win).best_s = select((*win).best_s, (*win).tap_s[t], passes);
}

// The taps of window row r (of K_D · K_H), last first.
fn pick_row(win: ptr<function, Window>, r: u32) {
  if (K_W > 2u) { pick_tap(win, r * K_W + 2u); }
  if (K_W > 1u) { pick_tap(win, r * K_W + 1u); }
  pick_tap(win, r * K_W);
}

fn pick_plane(win: ptr<function, Window>, d: u32) {
  if (K_H > 2u) { pick_row(win, d * K_H + 2u); }
  if (K_H > 1u) { pick_row(win, d * K_H + 1u); }
  pick_row(win, d * K_H);
}

fn pick_window(win: ptr<function, Window>) {
  if (K_D > 2u) { pick_plane(win, 2u); }
  if (K_D > 1u) { pick_plane(win, 1u); }
  pick_plane(win, 0u);
}

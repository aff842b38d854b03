// @include window_params
// Shared by the small-window forward kernels (window_forward_small_*.wgsl): windows
// of at most 3 taps per dimension, whose tap counts are override constants. The
// kernels write each tap out under `if (K_W > 1u)`-style guards that fold away
// when the pipeline is made, instead of looping: a tap loop (and its bounds,
// computed with divisions) costs more than the loads on a software adapter, and
// written-out taps let any compiler keep the window in registers.
// Every test is a select or a non-short-circuit `&`/`|`, not a branch: on a
// software adapter a data-dependent branch costs both of its sides.

override K_D: u32 = 1u;
override K_H: u32 = 1u;
override K_W: u32 = 1u;
// The most taps a window has (stochastic pooling keeps each tap's weight).
const MAX_SMALL_TAPS: u32 = 27u;

// The state of 4 windows folded side by side (4 channels, or 4 outputs of a row).
struct Window4 {
  // Max: the winner so far. Stochastic: the last positive weight, then the pick.
  best: vec4<f32>,
  best_s: vec4<u32>,
  // Average: the sum. Stochastic: Σ weights.
  sum: vec4<f32>,
  // Stochastic: each tap's weight, the running sum of weights up to it and its
  // plane index, and the pick's goal r · Σ weights (window_small_pick.wgsl).
  weight: array<vec4<f32>, MAX_SMALL_TAPS>,
  running: array<vec4<f32>, MAX_SMALL_TAPS>,
  tap_s: array<vec4<u32>, MAX_SMALL_TAPS>,
  goal: vec4<f32>,
}
// Max, for the kernels that fold a window row's winner into its window: the
// winner so far and its plane index. Takes a greater value or a NaN
// (PyTorch's `val > maxval || isnan(val)`).
struct Best {
  v: vec4<f32>,
  s: vec4<u32>,
}

fn take(best: ptr<function, Best>, v: vec4<f32>, s: vec4<u32>) {
  let t = (v > (*best).v) | is_nan4(v);
  (*best).v = select((*best).v, v, t);
  (*best).s = select((*best).s, s, t);
}

// Strides (equal to the uniforms'), for the kernels that place taps or windows by them.
override S_D: u32 = 1u;
override S_H: u32 = 1u;
override S_W: u32 = 1u;
// The rolling kernels (window_forward_rolling_*.wgsl), which walk down a column
// of outputs: the window rows an output row shares with the next (0 to 2), and
// those it adds (1 or 2).
fn carried() -> u32 { return select(0u, K_H - S_H, S_H < K_H); }
fn fresh() -> u32 { return min(S_H, K_H); }
// Whether some window reaches into padding or past the input's end (ceil mode);
// false drops every bounds test.
override CLIPPED: bool = true;

// The first of the taps start, start + dil, start + 2·dil that is not in the
// leading padding. Window specs reject windows made only of padding, so it is
// inside the input: max pooling's winner when every value is -inf.
fn first_tap(start: i32, dil: u32) -> i32 {
  let d = i32(dil);
  return select(select(start + 2 * d, start + d, start + d >= 0), start, start >= 0);
}

// Whether tap position `pos` lies inside an input dimension of `size`.
fn inside(pos: i32, size: u32) -> bool {
  return !CLIPPED | ((pos >= 0) & (pos < i32(size)));
}

// The value of a tap outside the input: nothing to a sum, never a maximum, no weight.
fn outside_value() -> f32 {
  return select(0.0, f32_neg_inf(), MODE == MODE_MAX);
}

// Stochastic pooling's weights max(x, 0), NaN and subnormals weighing 0 (MIN_NORMAL).
fn stochastic_weight(v: f32) -> f32 { return select(0.0, v, v >= MIN_NORMAL); }
fn stochastic_weight4(v: vec4<f32>) -> vec4<f32> { return select(vec4<f32>(0.0), v, v >= vec4<f32>(MIN_NORMAL)); }

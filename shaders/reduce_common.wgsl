// @include binned_params
// The whole-map reductions' shared rules (reduce_rows*.wgsl, gem_stats.wgsl):
// max pooling's candidate and its order, and GeM's clamp.

// A max-pooling candidate: a value and its flat plane index (NO_INDEX: none yet).
struct Candidate {
  value: f32,
  index: u32,
}

// torch.clamp(v, min = eps): NaN stays NaN.
fn clamp_eps(v: f32) -> f32 {
  return select(max(v, P.eps), v, is_nan(v));
}

// Whether candidate b beats candidate a, whatever their order in the row: the
// total order of PyTorch's max (NaN first, the later NaN before the earlier; then
// the greater value; then the smaller index).
fn beats(a: Candidate, b: Candidate) -> bool {
  if (b.index == NO_INDEX) { return false; }
  if (a.index == NO_INDEX) { return true; }
  let a_nan = is_nan(a.value);
  if (is_nan(b.value)) { return !a_nan || b.index > a.index; }
  if (a_nan) { return false; }
  return b.value > a.value || (b.value == a.value && b.index < a.index);
}

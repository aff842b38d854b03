// @include binned_params
// Spatial pyramid max pooling's coarse levels from its finest, so the input is read
// once (by the adaptive pooling of the finest level L, before this). Where L is a
// multiple of a level l, each bin of l is exactly the union of k × k bins of L
// (k = L / l): PyTorch's bins start at floor(i·H/l) = floor(i·k·H/L) and end at
// ceil((i+1)·H/l) = ceil((i+1)·k·H/L). So its maximum is the largest of theirs, and
// its winner PyTorch's: the first maximum in row-major order is the fine winner of
// smallest plane index among the tied ones, and with NaN the last NaN is the NaN fine
// winner of largest plane index. One invocation per output feature, as the one-pass
// kernel (adaptive_forward.wgsl with PYRAMID); P.out_h = P.out_w = L.

// The finest level's maxima and their plane indices, [N, C, L, L] in the input's layout.
@group(0) @binding(1) var<storage, read> fine: array<f32>;
@group(0) @binding(2) var<storage, read> fine_indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> indices: array<u32>;
// The level sizes, num_levels of them.
@group(0) @binding(5) var<storage, read> levels: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let n = i / P.features;
  var f = i % P.features;
  var l = 1u;
  for (var q = 0u; q < P.num_levels; q++) {
    l = levels[q];
    let block = P.channels * l * l;
    if (f < block) { break; }
    f -= block;
  }
  let c = f / (l * l);
  let cell = f % (l * l);
  let L = P.out_w;
  let k = L / l;
  let top = (cell / l) * k;
  let left = (cell % l) * k;
  let fine_plane = L * L;
  var at = offset_of(n, c, top * L + left, P.channels, fine_plane);
  var best = fine[at];
  var best_s = fine_indices[at];
  for (var a = 0u; a < k; a++) {
    for (var b = 0u; b < k; b++) {
      at = offset_of(n, c, (top + a) * L + left + b, P.channels, fine_plane);
      let v = fine[at];
      let s = fine_indices[at];
      let nan_v = is_nan(v);
      let nan_best = is_nan(best);
      // A NaN takes over a number, and a later NaN (larger index) an earlier one;
      // among numbers the larger wins, and of equal ones the first (smaller index).
      let take = (nan_v & (!nan_best | (s > best_s))) | (!nan_v & !nan_best & ((v > best) | ((v == best) & (s < best_s))));
      best = select(best, v, take);
      best_s = select(best_s, s, take);
    }
  }
  y[i] = best;
  if (INDICES) { indices[i] = best_s; }
}

// @include binned_params
// Backward of the whole-map reductions (global avg / max, adaptive to 1 × … × 1,
// GeM): a plain per-element kernel, one invocation per input element in memory
// order, each reading its row's gradient. No atomics.

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
// GEM: the forward input. Other modes bind a placeholder.
@group(0) @binding(2) var<storage, read> x: array<f32>;
// MAX: the forward's winner per row. Other modes bind a placeholder.
@group(0) @binding(3) var<storage, read> saved_indices: array<u32>;
// GEM: m = mean(clamp(x, eps)^p) per row (gem_stats.wgsl).
@group(0) @binding(4) var<storage, read> row_mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_in: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let plane = in_plane();
  let at = coords_of(i, P.channels, plane);
  let row = at.x * P.channels + at.y;
  let g = grad_out[row];
  if (MODE == MODE_MAX) {
    grad_in[i] = select(0.0, g, saved_indices[row] == at.z);
  } else if (MODE == MODE_GEM) {
    // PyTorch's chain: pow(1/p), then the mean, then pow(p), then the clamp,
    // which passes the gradient where x >= eps only (never at NaN).
    let v = x[i];
    var grad = 0.0;
    if (v >= P.eps) {
      let grad_m = g * (1.0 / P.p) * pow_real(row_mean[row], 1.0 / P.p - 1.0) / f32(plane);
      grad = grad_m * P.p * pow_real(v, P.p - 1.0);
    }
    grad_in[i] = grad;
  } else {
    grad_in[i] = g / f32(plane);
  }
}

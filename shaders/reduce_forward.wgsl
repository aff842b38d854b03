// Whole-map reductions: one workgroup per (n, c) row, which it reads in place
// in either layout (channels-last rows are strided by C; nothing is transposed).
// Each invocation folds a strided share of the row, then the workgroup combines
// the partial results: through subgroup operations where the device has them
// (reduce_subgroup.wgsl) or through workgroup memory (reduce_workgroup.wgsl).
// Global avg / max pooling, adaptive pooling to 1 × … × 1, GeM forward, GeM's
// backward statistics and the sum of its dL/dp terms all run here.
// Prepended by the host: common.wgsl, binned_params.wgsl, reduce_common.wgsl, one
// of reduce_workgroup.wgsl and reduce_subgroup.wgsl.

// Invocations per workgroup, a power of two from 16 to 256, set per pipeline:
// the host picks fewer for small maps so that fewer invocations idle.
override REDUCE_SIZE: u32 = 256u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// MAX: the winner's flat plane index. Other modes bind a placeholder.
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;
// GEM_STATS: the upstream gradient, one per row, and each row's term of dL/dp.
@group(0) @binding(4) var<storage, read> grad_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_p_terms: array<f32>;

@compute @workgroup_size(REDUCE_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = workgroup_index(wid, nwg);
  if (row >= P.total) { return; }
  let n = row / P.channels;
  let c = row % P.channels;
  let plane = in_plane();

  if (MODE == MODE_MAX) {
    var best = Candidate(f32_neg_inf(), NO_INDEX);
    for (var s = lid; s < plane; s += REDUCE_SIZE) {
      best = fold_max(best, x[offset_of(n, c, s, P.channels, plane)], s);
    }
    let winner = reduce_max(lid, best);
    if (lid == 0u) {
      y[row] = winner.value;
      indices[row] = winner.index;
    }
    return;
  }

  // x: the sum; y: GEM_STATS's second sum, of clamp(v)^p * ln(clamp(v)).
  var acc = vec2<f32>(0.0);
  for (var s = lid; s < plane; s += REDUCE_SIZE) {
    let v = x[offset_of(n, c, s, P.channels, plane)];
    if (MODE == MODE_GEM || MODE == MODE_GEM_STATS) {
      let t = pow_real(clamp_eps(v), P.p);
      acc.x += t;
      if (MODE == MODE_GEM_STATS) { acc.y += t * log(clamp_eps(v)); }
    } else {
      acc.x += v;
    }
  }
  let total = reduce_sum(lid, acc);
  if (lid != 0u) { return; }

  let count = f32(plane);
  if (MODE == MODE_AVG) {
    y[row] = total.x / count;
  } else if (MODE == MODE_SUM) {
    y[row] = total.x;
  } else if (MODE == MODE_GEM) {
    y[row] = pow_real(total.x / count, 1.0 / P.p);
  } else {
    // GEM_STATS: out = m^(1/p) with m = mean(clamp(x)^p), so
    // dout/dp = (1/p) m^(1/p - 1) mean(clamp(x)^p ln clamp(x)) - out ln(m) / p².
    let m = total.x / count;
    let out = pow_real(m, 1.0 / P.p);
    y[row] = m;
    let dout_dp = (1.0 / P.p) * pow_real(m, 1.0 / P.p - 1.0) * (total.y / count) - out * log(m) / (P.p * P.p);
    grad_p_terms[row] = grad_out[row] * dout_dp;
  }
}

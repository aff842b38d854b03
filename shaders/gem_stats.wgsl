// @include reduce_common
// @requires reduce_sum REDUCE_SIZE
// GeM's backward statistics: one workgroup per (n, c) row, which it reads in
// place in either layout (channels-last rows are strided by C; nothing is
// transposed). Each invocation folds a strided share of the row into
// Σ clamp(x)^p and Σ clamp(x)^p · ln clamp(x), then the workgroup combines the
// partial sums: through subgroup operations where the device has them
// (reduce_subgroup.wgsl) or through workgroup memory (reduce_workgroup.wgsl).
// (Global pooling and GeM's forward reduce by rows: reduce_rows*.wgsl.)


@group(0) @binding(1) var<storage, read> x: array<f32>;
// m = mean(clamp(x, eps)^p) per row.
@group(0) @binding(2) var<storage, read_write> row_mean: array<f32>;
// The upstream gradient, one per row, and each row's term of dL/dp.
@group(0) @binding(3) var<storage, read> grad_out: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad_p_terms: array<f32>;

@compute @workgroup_size(REDUCE_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = workgroup_index(wid, nwg);
  if (row >= P.total) { return; }
  let n = row / P.channels;
  let c = row % P.channels;
  let plane = in_plane();

  // x: Σ clamp(v)^p; y: Σ clamp(v)^p · ln clamp(v).
  var acc = vec2<f32>(0.0);
  for (var s = lid; s < plane; s += REDUCE_SIZE) {
    let v = clamp_eps(x[offset_of(n, c, s, P.channels, plane)]);
    let t = pow_real(v, P.p);
    acc += vec2<f32>(t, t * log(v));
  }
  let total = reduce_sum(lid, acc);
  if (lid != 0u) { return; }

  // out = m^(1/p) with m = mean(clamp(x)^p), so
  // dout/dp = (1/p) m^(1/p - 1) mean(clamp(x)^p ln clamp(x)) - out ln(m) / p².
  let count = f32(plane);
  let m = total.x / count;
  let out = pow_real(m, 1.0 / P.p);
  row_mean[row] = m;
  let dout_dp = (1.0 / P.p) * pow_real(m, 1.0 / P.p - 1.0) * (total.y / count) - out * log(m) / (P.p * P.p);
  grad_p_terms[row] = grad_out[row] * dout_dp;
}

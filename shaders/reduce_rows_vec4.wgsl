// Whole-map reductions of small maps for channels-last tensors whose channel
// count is a multiple of 4: one thread per (n, 4 channels), folding the map's
// positions in order with vector loads (the sum in the reference's order).
// Modes AVG, MAX and GEM, with reduce_forward.wgsl's results.
// Prepended by the host: common.wgsl, binned_params.wgsl, reduce_common.wgsl.

@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y4: array<vec4<f32>>;
// MAX: the winners' flat plane indices. Other modes bind a placeholder.
@group(0) @binding(3) var<storage, read_write> indices4: array<vec4<u32>>;

fn term4(v: vec4<f32>) -> vec4<f32> {
  if (MODE == MODE_GEM) {
    return vec4<f32>(pow_real(clamp_eps(v.x), P.p), pow_real(clamp_eps(v.y), P.p), pow_real(clamp_eps(v.z), P.p), pow_real(clamp_eps(v.w), P.p));
  }
  return v;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let n = i / groups;
  let plane = in_plane();
  var at = n * plane * groups + i % groups;
  // Max: position 0 first, then a greater value or a NaN takes (PyTorch's order).
  var best = x4[at];
  var best_s = vec4<u32>(0u);
  var sum = vec4<f32>(0.0);
  sum += term4(best);
  for (var s = 1u; s < plane; s++) {
    at += groups;
    let v = x4[at];
    if (MODE == MODE_MAX) {
      let take = (v > best) | is_nan4(v);
      best = select(best, v, take);
      best_s = select(best_s, vec4<u32>(s), take);
    } else {
      sum += term4(v);
    }
  }
  if (MODE == MODE_MAX) {
    y4[i] = best;
    indices4[i] = best_s;
  } else if (MODE == MODE_GEM) {
    y4[i] = vec4<f32>(pow_real(sum.x / f32(plane), 1.0 / P.p), pow_real(sum.y / f32(plane), 1.0 / P.p),
                      pow_real(sum.z / f32(plane), 1.0 / P.p), pow_real(sum.w / f32(plane), 1.0 / P.p));
  } else {
    y4[i] = sum / f32(plane);
  }
}

// @include reduce_common
// @requires float4_word from_word4 to_word4
// Whole-map reductions for channels-last tensors whose channel count is a
// multiple of 4: reduce_rows.wgsl's passes with one thread per (n, chunk, 4
// channels), folding the chunk's positions in order with vector loads (the first
// pass's sums in the reference's order within a chunk).

override FIRST: bool = true;
override LAST: bool = true;

@group(0) @binding(1) var<storage, read> x4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> y4: array<float4_word>;
// MAX: the winners' flat plane indices. Other modes bind a placeholder.
@group(0) @binding(3) var<storage, read_write> indices4: array<vec4<u32>>;
// MAX after the first pass: the partial results' indices. Otherwise a placeholder.
@group(0) @binding(4) var<storage, read> partial_indices4: array<vec4<u32>>;

fn term4(v: vec4<f32>) -> vec4<f32> {
  if (MODE == MODE_GEM && FIRST) {
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
  let rest = i / groups;
  let lo = (rest % P.chunks) * P.chunk;
  let hi = min(in_plane(), lo + P.chunk);
  let n = rest / P.chunks;
  var at = (n * in_plane() + lo) * groups + i % groups;
  // Max: the chunk's first position, then a greater value or a NaN takes (PyTorch's order).
  var best = from_word4(x4[at]);
  var best_s = select(vec4<u32>(lo), partial_indices4[at], !FIRST && INDICES);
  var sum = vec4<f32>(0.0);
  sum += term4(best);
  for (var s = lo + 1u; s < hi; s++) {
    at += groups;
    let v = from_word4(x4[at]);
    if (MODE == MODE_MAX) {
      let take = max_takes4(v, best);
      best = select(best, v, take);
      best_s = select(best_s, select(vec4<u32>(s), partial_indices4[at], !FIRST && INDICES), take);
    } else {
      sum += term4(v);
    }
  }
  if (MODE == MODE_MAX) {
    y4[i] = to_word4(best);
    if (INDICES) { indices4[i] = best_s; }
    return;
  }
  if (!LAST) {
    y4[i] = to_word4(sum);
  } else if (MODE == MODE_GEM) {
    let mean = sum / P.row_divisor;
    y4[i] = to_word4(vec4<f32>(pow_real(mean.x, 1.0 / P.p), pow_real(mean.y, 1.0 / P.p), pow_real(mean.z, 1.0 / P.p), pow_real(mean.w, 1.0 / P.p)));
  } else {
    y4[i] = to_word4(sum / P.row_divisor);
  }
}

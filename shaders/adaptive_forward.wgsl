// @include binned_params
// Forward adaptive pooling (avg, max), one invocation per output element, each
// pooling its bin: PyTorch's [floor(i * L / out), ceil((i + 1) * L / out)) per
// dimension. With PYRAMID set it is spatial pyramid pooling in one pass: the
// output is [N, C * Σ l²], level after level, each in (C, l, l) order, and each
// invocation finds its level, channel and bin from its feature index.

override PYRAMID: bool = false;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// MAX: the winner's flat plane index. AVG binds a placeholder.
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;
// PYRAMID: the level sizes, num_levels of them. Otherwise a placeholder.
@group(0) @binding(4) var<storage, read> levels: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  var n: u32;
  var c: u32;
  var cell: vec3<u32>;
  var out: vec3<u32>;
  if (PYRAMID) {
    n = i / P.features;
    var f = i % P.features;
    var l = 1u;
    for (var k = 0u; k < P.num_levels; k++) {
      l = levels[k];
      let block = P.channels * l * l;
      if (f < block) { break; }
      f -= block;
    }
    c = f / (l * l);
    out = vec3<u32>(1u, l, l);
    cell = unflatten(f % (l * l), out);
  } else {
    let at = coords_of(i, P.channels, out_plane());
    n = at.x;
    c = at.y;
    out = out_size();
    cell = unflatten(at.z, out);
  }
  let size = in_size();
  let lo = bin_start(cell, size, out);
  let hi = bin_end(cell, size, out);
  let plane = in_plane();
  // Elements along W lie `step` apart in memory; a bin row is walked by offset.
  let step = select(1u, P.channels, CHANNELS_LAST);
  let base = offset_of(n, c, 0u, P.channels, plane);

  // Max: max_takes from the bin's first element. Selects, not branches: a
  // software adapter runs both sides.
  let first = flatten(lo, size);
  var best = x[base + first * step];
  var best_s = first;
  var sum = 0.0;
  for (var d = lo.x; d < hi.x; d++) {
    for (var h = lo.y; h < hi.y; h++) {
      var s = flatten(vec3<u32>(d, h, lo.z), size);
      var at = base + s * step;
      for (var w = lo.z; w < hi.z; w++) {
        let v = x[at];
        if (MODE == MODE_MAX) {
          let take = max_takes(v, best);
          best = select(best, v, take);
          best_s = select(best_s, s, take);
        } else {
          sum += v;
        }
        s++;
        at += step;
      }
    }
  }
  if (MODE == MODE_MAX) {
    y[i] = best;
    if (INDICES) { indices[i] = best_s; }
  } else {
    let extent = hi - lo;
    y[i] = sum / f32(extent.x * extent.y * extent.z);
  }
}

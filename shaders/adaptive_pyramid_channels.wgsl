// @include binned_params
// Spatial pyramid pooling (2-D) in one pass: one invocation per item and group of
// four channels pools every level of those four planes, as vec4 arithmetic, so the
// planes are read from memory once (a level's re-reads hit the cache). Channels-last
// input with C a multiple of 4 loads each element of the four planes as one vec4, and
// a subgroup's loads are one contiguous line; otherwise four scalar loads
// (channels-first planes are walked row by row, as the row reductions do).
// With FROM_FINEST (max pooling whose every level divides the finest, which is at
// most 8: MAX_FINE_CELLS) only the finest level reads the input: each coarser bin is exactly the
// union of k × k fine bins (k = L / l), since PyTorch's bins start at
// floor(i·H/l) = floor(i·k·H/L) and end at ceil((i+1)·H/l) = ceil((i+1)·k·H/L). So its
// maximum is the largest of theirs, and its winner PyTorch's: the first maximum in
// row-major order is the fine winner of smallest plane index among the tied ones,
// and with NaN the last NaN is the NaN fine winner of largest plane index.
// Bins, ties and NaN otherwise as adaptive_forward.wgsl. P.total = N·⌈C/4⌉.

// Channels-last input with C a multiple of 4: the four channels are one vec4.
override VEC4_CHANNELS: bool = false;
override FROM_FINEST: bool = false;
// The finest level's cells kept per invocation for FROM_FINEST (finest ≤ 8; src/ops/adaptive.ts).
const MAX_FINE_CELLS: u32 = 64u;

@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// MAX: the winner's flat plane index. AVG binds a placeholder.
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;
// The level sizes, num_levels of them.
@group(0) @binding(4) var<storage, read> levels: array<u32>;

var<private> fine_best: array<vec4<f32>, MAX_FINE_CELLS>;
var<private> fine_s: array<vec4<u32>, MAX_FINE_CELLS>;

// Element s of the four planes that start at `base`, `step` apart along a row; a
// channel past C repeats the last (its results are not written).
fn load4(base: vec4<u32>, s: u32, step: u32) -> vec4<f32> {
  if (VEC4_CHANNELS) { return x4[(base.x + s * step) >> 2u]; }
  let i = base + vec4<u32>(s * step);
  return vec4<f32>(x4[i.x >> 2u][i.x & 3u], x4[i.y >> 2u][i.y & 3u], x4[i.z >> 2u][i.z & 3u], x4[i.w >> 2u][i.w & 3u]);
}

// Writes cell `cell` of the four channels' level block at o (channel c0 + t at o + t·l²).
fn store4(o: u32, cells: u32, cell: u32, lanes: u32, value: vec4<f32>, s: vec4<u32>) {
  for (var t = 0u; t < lanes; t++) {
    y[o + t * cells + cell] = value[t];
    if (MODE == MODE_MAX && INDICES) { indices[o + t * cells + cell] = s[t]; }
  }
}

// Pools level l of the four planes from the input into its block at o (channel
// c0's cells at o + c0·l²); FROM_FINEST keeps the results for the coarser levels.
fn pool_level(l: u32, o: u32, base: vec4<u32>, step: u32, c0: u32, lanes: u32) {
  for (var i = 0u; i < l; i++) {
    let h0 = bin_start1(i, P.in_h, l);
    let h1 = bin_end1(i, P.in_h, l);
    for (var j = 0u; j < l; j++) {
      let w0 = bin_start1(j, P.in_w, l);
      let w1 = bin_end1(j, P.in_w, l);
      let first = h0 * P.in_w + w0;
      var best = load4(base, first, step);
      var best_s = vec4<u32>(first);
      var sum = vec4<f32>(0.0);
      for (var h = h0; h < h1; h++) {
        for (var s = h * P.in_w + w0; s < h * P.in_w + w1; s++) {
          let v = load4(base, s, step);
          if (MODE == MODE_MAX) {
            let take = max_takes4(v, best);
            best = select(best, v, take);
            best_s = select(best_s, vec4<u32>(s), take);
          } else {
            sum += v;
          }
        }
      }
      let value = select(sum / f32((h1 - h0) * (w1 - w0)), best, MODE == MODE_MAX);
      if (FROM_FINEST) {
        fine_best[i * l + j] = best;
        fine_s[i * l + j] = best_s;
      }
      store4(o + c0 * l * l, l * l, i * l + j, lanes, value, best_s);
    }
  }
}

// Level l (dividing `finest`) from the finest level's kept cells, into its block at o.
fn combine_level(l: u32, finest: u32, o: u32, c0: u32, lanes: u32) {
  let k = finest / l;
  for (var cell = 0u; cell < l * l; cell++) {
    let corner = (cell / l) * k * finest + (cell % l) * k;
    var best = fine_best[corner];
    var best_s = fine_s[corner];
    for (var a = 0u; a < k; a++) {
      for (var b = 0u; b < k; b++) {
        let v = fine_best[corner + a * finest + b];
        let s = fine_s[corner + a * finest + b];
        let nan_v = is_nan4(v);
        let nan_best = is_nan4(best);
        // A NaN takes over a number, and a later NaN (larger index) an earlier one;
        // among numbers the larger wins, and of equal ones the first (smaller index).
        let take = (nan_v & (!nan_best | (s > best_s))) | (!nan_v & !nan_best & ((v > best) | ((v == best) & (s < best_s))));
        best = select(best, v, take);
        best_s = select(best_s, s, take);
      }
    }
    store4(o + c0 * l * l, l * l, cell, lanes, best, best_s);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let r = thread_index(wid, nwg, lid);
  if (r >= P.total) { return; }
  let groups = (P.channels + 3u) / 4u;
  let n = r / groups;
  let c0 = (r % groups) * 4u;
  let lanes = min(4u, P.channels - c0);
  let plane = in_plane();
  let step = select(1u, P.channels, CHANNELS_LAST);
  let c = min(vec4<u32>(c0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(P.channels - 1u));
  let base = select((n * P.channels + c) * plane, n * plane * P.channels + c, CHANNELS_LAST);

  if (!FROM_FINEST) {
    var o = n * P.features;
    for (var k = 0u; k < P.num_levels; k++) {
      pool_level(levels[k], o, base, step, c0, lanes);
      o += P.channels * levels[k] * levels[k];
    }
    return;
  }
  // The finest level from the input, then the others from it.
  var finest = 0u;
  var finest_o = 0u;
  var o = n * P.features;
  for (var k = 0u; k < P.num_levels; k++) {
    if (levels[k] > finest) {
      finest = levels[k];
      finest_o = o;
    }
    o += P.channels * levels[k] * levels[k];
  }
  pool_level(finest, finest_o, base, step, c0, lanes);
  o = n * P.features;
  for (var k = 0u; k < P.num_levels; k++) {
    if (levels[k] != finest) { combine_level(levels[k], finest, o, c0, lanes); }
    o += P.channels * levels[k] * levels[k];
  }
}

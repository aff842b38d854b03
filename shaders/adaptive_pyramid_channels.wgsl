// @include binned_params
// Spatial pyramid pooling (2-D) in one pass: one invocation per item and group of
// four channels pools every level of those four planes, as vec4 arithmetic, so the
// planes are read from memory once (a level's re-reads hit the cache). Channels-last
// input with C a multiple of 4 loads each element of the four planes as one vec4, and
// a subgroup's loads are one contiguous line; otherwise four scalar loads
// (channels-first planes are walked row by row, as the row reductions do).
//
// CHAIN (max pooling whose levels, ascending, each divide the next; at most 4): only the
// finest level L reads the input. Each coarser bin is exactly the union of k × k fine
// bins (k = L / l), since PyTorch's bins start at floor(i·H/l) = floor(i·k·H/L) and end
// at ceil((i+1)·H/l) = ceil((i+1)·k·H/L). So its maximum is the largest of theirs, and
// its winner PyTorch's: the first maximum in row-major order is the fine winner of
// smallest plane index among the tied ones, and with NaN the last NaN is the NaN fine
// winner of largest plane index. Each coarser level is built from the next finer
// one, read back from this invocation's own writes.
// Otherwise every level is read from the input. Bins, ties and NaN as
// adaptive_forward.wgsl. P.total = N·⌈C/4⌉.

// Channels-last input with C a multiple of 4: the four channels are one vec4 (x4).
// Otherwise the scalar view x1 of the same tensor.
override VEC4_CHANNELS: bool = false;
override CHAIN: bool = false;

@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// MAX: the winner's flat plane index. AVG binds a placeholder.
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;
// The level sizes, num_levels of them; with CHAIN then the same sizes ascending.
@group(0) @binding(4) var<storage, read> levels: array<u32>;
@group(0) @binding(5) var<storage, read> x1: array<f32>;

// A bin's pooled value (avg: the sum) and winner, for four channels.
struct Cell {
  best: vec4<f32>,
  best_s: vec4<u32>,
}

// The elements at plane index s of the four planes that start at `base` (a channel past
// C repeats the last; its results are not written).
fn load4(base: vec4<u32>, s: u32, step: u32) -> vec4<f32> {
  if (VEC4_CHANNELS) { return x4[(base.x + s * step) >> 2u]; }
  let i = base + vec4<u32>(s * step);
  return vec4<f32>(x1[i.x], x1[i.y], x1[i.z], x1[i.w]);
}

// The bin [h0, h1) × [w0, w1) of the four planes.
fn pool_bin(h0: u32, h1: u32, w0: u32, w1: u32, base: vec4<u32>, step: u32) -> Cell {
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
  if (MODE == MODE_MAX) { return Cell(best, best_s); }
  return Cell(sum / f32((h1 - h0) * (w1 - w0)), best_s);
}

// Writes cell `cell` of a level of `cells` cells whose block for channel c0 starts at o.
fn store4(o: u32, cells: u32, cell: u32, lanes: u32, p: Cell) {
  store1(o + cell, p.best.x, p.best_s.x);
  if (lanes > 1u) { store1(o + cells + cell, p.best.y, p.best_s.y); }
  if (lanes > 2u) { store1(o + 2u * cells + cell, p.best.z, p.best_s.z); }
  if (lanes > 3u) { store1(o + 3u * cells + cell, p.best.w, p.best_s.w); }
}
fn store1(at: u32, value: f32, s: u32) {
  y[at] = value;
  if (MODE == MODE_MAX && INDICES) { indices[at] = s; }
}

// The start of the next of l bins over a dimension of size q·l + r, and its
// remainder, after the bin that starts at at.x with remainder at.y: bin i starts at
// floor(i·size/l) = i·q + floor(i·r/l) (bin_start1), without a division (a software
// adapter divides lane by lane).
fn next_bin(at: vec2<u32>, q: u32, r: u32, l: u32) -> vec2<u32> {
  let next = at + vec2<u32>(q, r);
  return select(next, next + vec2<u32>(1u, 0u) - vec2<u32>(0u, l), next.y >= l);
}

// Where a bin ends (bin_end1): the next bin's start, plus 1 where it was rounded down.
fn bin_end_at(next: vec2<u32>) -> u32 {
  return next.x + select(0u, 1u, next.y > 0u);
}

// Pools level l of the four planes into its block at o (channel c0's).
fn pool_level(l: u32, o: u32, base: vec4<u32>, step: u32, lanes: u32) {
  var h = vec2<u32>(0u);
  for (var i = 0u; i < l; i++) {
    let h_next = next_bin(h, P.in_h / l, P.in_h % l, l);
    var w = vec2<u32>(0u);
    for (var j = 0u; j < l; j++) {
      let w_next = next_bin(w, P.in_w / l, P.in_w % l, l);
      store4(o, l * l, i * l + j, lanes, pool_bin(h.x, bin_end_at(h_next), w.x, bin_end_at(w_next), base, step));
      w = w_next;
    }
    h = h_next;
  }
}

// CHAIN: cell `cell` of a level of `cells` cells written at o (channel c0 + t at
// o + t·cells; lanes past C read the last). Without INDICES every index reads as 0:
// the winner is not reported, and the value does not depend on which tie wins.
fn read_cell(o: u32, cells: u32, cell: u32, lanes: u32) -> Cell {
  let at = vec4<u32>(o + cell) + min(vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(lanes - 1u)) * cells;
  var s = vec4<u32>(0u);
  if (INDICES) { s = vec4<u32>(indices[at.x], indices[at.y], indices[at.z], indices[at.w]); }
  return Cell(vec4<f32>(y[at.x], y[at.y], y[at.z], y[at.w]), s);
}

// CHAIN: a coarse cell so far extended by a sub-cell. A NaN takes over a number, and a
// later NaN (larger index) an earlier one; among numbers the larger wins, and of equal
// ones the first (smaller index).
fn fold_cell(acc: Cell, p: Cell) -> Cell {
  let nan_p = is_nan4(p.best);
  let nan_acc = is_nan4(acc.best);
  let take = (nan_p & (!nan_acc | (p.best_s > acc.best_s))) |
             (!nan_p & !nan_acc & ((p.best > acc.best) | ((p.best == acc.best) & (p.best_s < acc.best_s))));
  return Cell(select(acc.best, p.best, take), select(acc.best_s, p.best_s, take));
}

// Where level l's block starts in item n's features (the first level of that size).
fn level_offset(n: u32, l: u32) -> u32 {
  var o = n * P.features;
  for (var k = 0u; k < P.num_levels; k++) {
    if (levels[k] == l) { break; }
    o += P.channels * levels[k] * levels[k];
  }
  return o;
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

  if (!CHAIN) {
    var o = n * P.features;
    for (var k = 0u; k < P.num_levels; k++) {
      let l = levels[k];
      pool_level(l, o + c0 * l * l, base, step, lanes);
      o += P.channels * l * l;
    }
    return;
  }

  // The finest level L from the input, then each coarser level l from the next finer
  // one f (k = f / l), read back from this invocation's own writes (ordered within an
  // invocation): nothing is held across the walk of the input.
  let m = P.num_levels - 1u;
  let L = levels[P.num_levels + m];
  let fine = level_offset(n, L) + c0 * L * L;
  pool_level(L, fine, base, step, lanes);
  for (var q = m; q > 0u; q--) {
    let l = levels[P.num_levels + q - 1u];
    let f = levels[P.num_levels + q];
    let k = f / l;
    let o = level_offset(n, l) + c0 * l * l;
    let finer_o = level_offset(n, f) + c0 * f * f;
    for (var cell = 0u; cell < l * l; cell++) {
      let corner = (cell / l) * k * f + (cell % l) * k;
      var acc = read_cell(finer_o, f * f, corner, lanes);
      for (var dy = 0u; dy < k; dy++) {
        for (var dx = select(0u, 1u, dy == 0u); dx < k; dx++) {
          acc = fold_cell(acc, read_cell(finer_o, f * f, corner + dy * f + dx, lanes));
        }
      }
      store4(o, l * l, cell, lanes, acc);
    }
  }
}

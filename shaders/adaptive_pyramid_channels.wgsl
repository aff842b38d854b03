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
// winner of largest plane index. The fine bins are walked coarse cell by coarse cell,
// each folded into one cell in flight per coarser level, which is written when complete.
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
  // The elements row by row in one loop: at.x steps by 1 and, past a row's end (at.y),
  // to the next row's start, until it passes the bin's last element. The first element
  // starts the max (or the sum).
  let bw = w1 - w0;
  let first = h0 * P.in_w + w0;
  var best = load4(base, first, step);
  var best_s = vec4<u32>(first);
  let last = (h1 - 1u) * P.in_w + w1 - 1u;
  var at = step_in_bin(vec2<u32>(first, first + bw), bw);
  while (at.x <= last) {
    let v = load4(base, at.x, step);
    if (MODE == MODE_MAX) {
      let take = max_takes4(v, best);
      best = select(best, v, take);
      best_s = select(best_s, vec4<u32>(at.x), take);
    } else {
      best += v;
    }
    at = step_in_bin(at, bw);
  }
  if (MODE == MODE_MAX) { return Cell(best, best_s); }
  return Cell(best / f32((h1 - h0) * bw), best_s);
}

// The next element of a bin of width bw after plane index at.x, in the row that ends
// at at.y.
fn step_in_bin(at: vec2<u32>, bw: u32) -> vec2<u32> {
  let next = at + vec2<u32>(1u, 0u);
  return select(next, next + vec2<u32>(P.in_w - bw, P.in_w), next.x == next.y);
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

// CHAIN: a coarse cell before any sub-cell (no index), which any sub-cell takes.
const EMPTY_CELL = Cell(vec4<f32>(0.0), vec4<u32>(NO_INDEX));

// CHAIN: a coarse cell so far extended by a sub-cell. An empty cell takes any sub-cell;
// a NaN takes over a number, and a later NaN (larger index) an earlier one; among
// numbers the larger wins, and of equal ones the first (smaller index).
fn fold_cell(acc: Cell, p: Cell) -> Cell {
  let nan_p = is_nan4(p.best);
  let nan_acc = is_nan4(acc.best);
  let take = (acc.best_s == vec4<u32>(NO_INDEX)) | (nan_p & (!nan_acc | (p.best_s > acc.best_s))) |
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

  // The chain padded at the front to 4 sizes s0 ≤ s1 ≤ s2 ≤ s3 = L (a repeated size has
  // ratio 1 to the next, whose store writes its cells). The fine cells are walked
  // coarse cell by coarse cell, so each level needs one cell in flight: a fine cell
  // folds into its level-s2 cell, which folds into its level-s1 cell when complete, and
  // so on. Nothing is read back.
  let m = P.num_levels - 1u;
  let s0 = levels[P.num_levels];
  let s1 = levels[P.num_levels + select(0u, m - 2u, m >= 2u)];
  let s2 = levels[P.num_levels + select(0u, m - 1u, m >= 1u)];
  let s3 = levels[P.num_levels + m];
  let k1 = s1 / s0;
  let k2 = s2 / s1;
  let k3 = s3 / s2;
  let o0 = level_offset(n, s0) + c0 * s0 * s0;
  let o1 = level_offset(n, s1) + c0 * s1 * s1;
  let o2 = level_offset(n, s2) + c0 * s2 * s2;
  let o3 = level_offset(n, s3) + c0 * s3 * s3;
  for (var cell0 = 0u; cell0 < s0 * s0; cell0++) {
    let at0 = vec2<u32>(cell0 / s0, cell0 % s0);
    var acc0 = EMPTY_CELL;
    for (var d1 = 0u; d1 < k1 * k1; d1++) {
      let at1 = at0 * k1 + vec2<u32>(d1 / k1, d1 % k1);
      var acc1 = EMPTY_CELL;
      for (var d2 = 0u; d2 < k2 * k2; d2++) {
        let at2 = at1 * k2 + vec2<u32>(d2 / k2, d2 % k2);
        var acc2 = EMPTY_CELL;
        for (var d3 = 0u; d3 < k3 * k3; d3++) {
          let at3 = at2 * k3 + vec2<u32>(d3 / k3, d3 % k3);
          let p = pool_bin(bin_start1(at3.x, P.in_h, s3), bin_end1(at3.x, P.in_h, s3),
                           bin_start1(at3.y, P.in_w, s3), bin_end1(at3.y, P.in_w, s3), base, step);
          store4(o3, s3 * s3, at3.x * s3 + at3.y, lanes, p);
          acc2 = fold_cell(acc2, p);
        }
        if (k3 > 1u) { store4(o2, s2 * s2, at2.x * s2 + at2.y, lanes, acc2); }
        acc1 = fold_cell(acc1, acc2);
      }
      if (k2 > 1u) { store4(o1, s1 * s1, at1.x * s1 + at1.y, lanes, acc1); }
      acc0 = fold_cell(acc0, acc1);
    }
    if (k1 > 1u) { store4(o0, s0 * s0, cell0, lanes, acc0); }
  }
}

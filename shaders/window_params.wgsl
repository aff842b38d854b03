// @include common modes
// Parameters of a window pooling call (max, avg, lp), shared by the forward and
// backward kernels. Ranks 1 and 2 run as rank 3 with leading sizes of 1. The
// field order is declared once more in src/ops/window-uniforms.ts; a test checks
// that the two lists agree. seed_key (stochastic pooling) is the host's
// pcg_hash(pcg_hash(seed) ^ STOCHASTIC_STREAM): output index i draws
// unit24(pcg_hash(seed_key ^ i)), which is uniform01(seed, STOCHASTIC_STREAM, i) in src/random.ts.
// index_base: the index of a chunk's first output in the whole tensor (a call
// past one storage binding runs in chunks), added to i.
// rows: rows per thread of the kernels that walk down columns of outputs (forward)
// or inputs (backward): the small-window kernels.
struct WindowParams {
  total: u32,
  batch: u32,
  channels: u32,
  in_d: u32,
  in_h: u32,
  in_w: u32,
  out_d: u32,
  out_h: u32,
  out_w: u32,
  k_d: u32,
  k_h: u32,
  k_w: u32,
  stride_d: u32,
  stride_h: u32,
  stride_w: u32,
  dil_d: u32,
  dil_h: u32,
  dil_w: u32,
  pad_d: i32,
  pad_h: i32,
  pad_w: i32,
  pad_after_d: i32,
  pad_after_h: i32,
  pad_after_w: i32,
  count_include_pad: u32,
  divisor_override: f32,
  p: f32,
  lambda: f32,
  index_base: u32,
  seed_key: u32,
  rows: u32,
}

// The window mode (modes.wgsl: MODE_MAX, MODE_AVG, MODE_LP, MODE_SOFT, MODE_MIXED,
// MODE_STOCHASTIC_EVAL, MODE_STOCHASTIC), set per pipeline.
override MODE: u32 = MODE_MAX;
// Max-style forward kernels: false when the call asked for no indices (inference);
// the index stores are skipped and the indices binding holds a placeholder.
override INDICES: bool = true;
// Max: TensorFlow's NaN rule, a NaN never wins (else PyTorch's: a NaN takes over).
// Only the general kernels (window_forward, window_forward_vec4) take it.
override NAN_IGNORE: bool = false;
// Average with dilation (set per pipeline, only then): the divisor counts taps,
// which takes integer divisions. A pipeline without it keeps PyTorch's plain
// count: a software adapter runs both sides of a branch, so a uniform test
// would not spare it the divisions.
override DILATED_DIVISOR: bool = false;

@group(0) @binding(0) var<uniform> P: WindowParams;

// Stride tiles along a dimension of `size` inputs, the first starting at −pad (the cover backward kernels).
fn stride_tiles(size: u32, pad: i32, s: u32) -> u32 { return (size + u32(pad) + s - 1u) / s; }
fn in_plane() -> u32 { return P.in_d * P.in_h * P.in_w; }
fn out_plane() -> u32 { return P.out_d * P.out_h * P.out_w; }

// ceil(a / d) for d > 0 and any sign of a (WGSL's division truncates toward zero).
fn ceil_div(a: i32, d: i32) -> i32 {
  return select(-((-a) / d), (a + d - 1) / d, a > 0);
}

// Taps t in [0, k) of a window starting at `start` with dilation `dil` that land in [lo, hi).
fn taps_within(start: i32, k: u32, dil: u32, lo: i32, hi: i32) -> i32 {
  if (!DILATED_DIVISOR) { return max(min(hi - start, i32(k)) - max(lo - start, 0), 0); }
  let d = i32(dil);
  return max(min(ceil_div(hi - start, d), i32(k)) - max(ceil_div(lo - start, d), 0), 0);
}

// One dimension's factor of PyTorch's average divisor for a window starting at
// `start`: its taps up to the padded edge with count_include_pad, else its real ones.
fn divisor_taps(start: i32, k: u32, dil: u32, size: u32, pad_after: i32) -> i32 {
  if (P.count_include_pad != 0u) { return taps_within(start, k, dil, start, i32(size) + pad_after); }
  return taps_within(start, k, dil, 0, i32(size));
}

// PyTorch's average divisor for the window starting at `start` (may be negative):
// with count_include_pad the window is clipped at the padded edge only. A window of
// padding only (largePadding) sums to 0: it divides by 1 to give 0.
fn avg_divisor(start: vec3<i32>) -> f32 {
  if (P.divisor_override != 0.0) { return P.divisor_override; }
  if (!DILATED_DIVISOR) {
    // Without dilation, in vector form (every output of every average kernel comes here).
    let size = vec3<i32>(i32(P.in_d), i32(P.in_h), i32(P.in_w));
    let k = vec3<i32>(i32(P.k_d), i32(P.k_h), i32(P.k_w));
    let end = min(start + k, size + vec3<i32>(P.pad_after_d, P.pad_after_h, P.pad_after_w));
    let cells = select(max(min(end, size) - max(start, vec3<i32>(0)), vec3<i32>(0)), end - start, P.count_include_pad != 0u);
    return f32(max(cells.x * cells.y * cells.z, 1));
  }
  let n = divisor_taps(start.x, P.k_d, P.dil_d, P.in_d, P.pad_after_d)
    * divisor_taps(start.y, P.k_h, P.dil_h, P.in_h, P.pad_after_h)
    * divisor_taps(start.z, P.k_w, P.dil_w, P.in_w, P.pad_after_w);
  return f32(max(n, 1));
}

fn window_start(out_s: u32) -> vec3<i32> {
  let ow = out_s % P.out_w;
  let oh = (out_s / P.out_w) % P.out_h;
  let od = out_s / (P.out_w * P.out_h);
  return vec3<i32>(i32(od * P.stride_d), i32(oh * P.stride_h), i32(ow * P.stride_w))
    - vec3<i32>(P.pad_d, P.pad_h, P.pad_w);
}

// First and one-past-last kernel tap per dimension that lands inside the input,
// so the tap loops need no bounds test.
fn tap_lo(start: vec3<i32>) -> vec3<u32> {
  let dil = vec3<i32>(i32(P.dil_d), i32(P.dil_h), i32(P.dil_w));
  // ceil(-start / dil) where start < 0
  return vec3<u32>(max((-start + dil - vec3<i32>(1)) / dil, vec3<i32>(0)));
}
fn tap_hi(start: vec3<i32>) -> vec3<u32> {
  let dil = vec3<i32>(i32(P.dil_d), i32(P.dil_h), i32(P.dil_w));
  let size = vec3<i32>(i32(P.in_d), i32(P.in_h), i32(P.in_w));
  let k = vec3<i32>(i32(P.k_d), i32(P.k_h), i32(P.k_w));
  // taps t with start + t * dil < size: t < ceil((size - start) / dil)
  return vec3<u32>(clamp((size - start + dil - vec3<i32>(1)) / dil, vec3<i32>(0), k));
}

// The index of a window of padding only (largePadding): −1 as int32.
const NO_INDEX: u32 = 0xffffffffu;

// The plane index of the first real tap of the window starting at `start` (lo = tap_lo(start)).
fn first_tap_index(start: vec3<i32>, lo: vec3<u32>) -> u32 {
  let at = vec3<u32>(start + vec3<i32>(lo * vec3<u32>(P.dil_d, P.dil_h, P.dil_w)));
  return (at.x * P.in_h + at.y) * P.in_w + at.z;
}

// Outputs along one dimension whose window covers input position `pos`:
// o * stride - pad <= pos <= o * stride - pad + (k - 1) * dil, clipped to [0, out).
// Returns [first, last + 1); a tap lands on `pos` only where (pos + pad - o * stride)
// is a multiple of the dilation (checked by the caller).
fn covering_range(pos: i32, pad: i32, k: u32, dil: u32, stride: u32, out_size: u32) -> vec2<i32> {
  let t = pos + pad;
  let reach = i32((k - 1u) * dil);
  let s = i32(stride);
  let first = max((t - reach + s - 1) / s, 0);
  let lo = select(first, 0, t - reach < 0);
  let hi = min(t / s + 1, i32(out_size));
  return vec2<i32>(lo, select(hi, lo, t < 0));
}

fn hits(pos: i32, pad: i32, o: i32, dil: u32, stride: u32) -> bool {
  return (pos + pad - o * i32(stride)) % i32(dil) == 0;
}

// One dimension's factor of PyTorch's average divisor for the output whose window
// starts at o * stride - pad; the divisor is the product over dimensions (or the
// override), so a backward gather can build it one loop level at a time.
fn divisor_span(o: i32, stride: u32, pad: i32, k: u32, dil: u32, size: u32, pad_after: i32) -> f32 {
  let start = o * i32(stride) - pad;
  if (DILATED_DIVISOR) { return f32(divisor_taps(start, k, dil, size, pad_after)); }
  // PyTorch's count, as the forward's vector form (gathers compute it per covering output).
  let end = min(start + i32(k), i32(size) + pad_after);
  return f32(select(min(end, i32(size)) - max(start, 0), end - start, P.count_include_pad != 0u));
}

// The column a thread of the kernels that walk down columns takes (rowsLaunch in
// src/ops/window-kernels.ts): thread i over a map of depth × height × width
// (width in the thread's own steps along W) with `units` channels, or groups of
// 4, per position, and its run of up to P.rows steps of row_step rows, rows
// [h_begin, h_end). Neighbouring threads take neighbouring elements in memory:
// the units first where units_last (channels-last), else the steps along W.
struct Column {
  n: u32,
  c: u32,
  d: u32,
  w: u32,
  h_begin: u32,
  h_end: u32,
}

fn column_of(i: u32, units: u32, depth: u32, height: u32, width: u32, units_last: bool, row_step: u32) -> Column {
  let chunks = (height / row_step + P.rows - 1u) / P.rows;
  var col: Column;
  var along_w = i;
  if (units_last) {
    col.c = i % units;
    along_w = i / units;
  }
  col.w = along_w % width;
  let rest = along_w / width;
  let chunk = rest % chunks;
  let rest2 = rest / chunks;
  col.d = rest2 % depth;
  col.n = rest2 / depth;
  if (!units_last) {
    col.c = col.n % units;
    col.n = col.n / units;
  }
  col.h_begin = chunk * P.rows * row_step;
  col.h_end = min(col.h_begin + P.rows * row_step, height);
  return col;
}

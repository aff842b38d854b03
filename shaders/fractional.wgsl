// @include common
// Fractional max pooling (Graham 2014) with PyTorch's window starts. Forward:
// one invocation per output, writing the window maximum and its plane
// index (max pooling's rules: first maximum, a NaN takes over). Backward
// (BACKWARD): one invocation per input element, gathering from the outputs whose
// windows cover it and chose it. Rank 2 runs as rank 3 with depth 1.

struct FractionalParams {
  total: u32,
  channels: u32,
  rank: u32,
  in_d: u32,
  in_h: u32,
  in_w: u32,
  out_d: u32,
  out_h: u32,
  out_w: u32,
  k_d: u32,
  k_h: u32,
  k_w: u32,
  // Which of a plane's samples places each dimension (PyTorch: 2-D reads 0 for width).
  slot_d: u32,
  slot_h: u32,
  slot_w: u32,
  // (in − k)/(out − 1) per dimension, computed once on the host in float32.
  alpha_d: f32,
  alpha_h: f32,
  alpha_w: f32,
}

// Set per pipeline: the backward pass (else the forward).
override BACKWARD: bool = false;

@group(0) @binding(0) var<uniform> P: FractionalParams;
// Forward: the input. Backward: the output gradient.
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> samples: array<f32>;
// Backward: the forward's indices. Forward: a placeholder.
@group(0) @binding(3) var<storage, read> saved_indices: array<u32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
// Forward: the winners' plane indices. Backward: a placeholder.
@group(0) @binding(5) var<storage, read_write> out_indices: array<u32>;

// PyTorch's generate_intervals: trunc((i + u)·alpha) − trunc(u·alpha), and in − k for the last window.
fn window_first(u: f32, alpha: f32, input: u32, output: u32, k: u32, i: u32) -> u32 {
  if (i + 1u >= output) { return input - k; }
  return u32(trunc((f32(i) + u) * alpha)) - u32(trunc(u * alpha));
}

fn sample(n: u32, c: u32, slot: u32) -> f32 {
  return samples[(n * P.channels + c) * P.rank + slot];
}

// The first output along one dimension whose window starts after `bound`
// (`output` if none): windows start in non-decreasing order, so a binary search.
fn first_starting_after(bound: i32, u: f32, alpha: f32, input: u32, output: u32, k: u32) -> u32 {
  var lo = 0u;
  var hi = output;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (i32(window_first(u, alpha, input, output, k, mid)) > bound) {
      hi = mid;
    } else {
      lo = mid + 1u;
    }
  }
  return lo;
}

// The outputs along one dimension whose windows [first, first + k) hold `pos`:
// those starting in (pos − k, pos], one run [lo, hi) as the starts never decrease.
fn covering_outputs(pos: u32, u: f32, alpha: f32, input: u32, output: u32, k: u32) -> vec2<u32> {
  let lo = first_starting_after(i32(pos) - i32(k), u, alpha, input, output, k);
  let hi = first_starting_after(i32(pos), u, alpha, input, output, k);
  return vec2<u32>(lo, max(lo, hi));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let in_plane = P.in_d * P.in_h * P.in_w;
  let out_plane = P.out_d * P.out_h * P.out_w;
  if (!BACKWARD) {
    let at = coords_of(i, P.channels, out_plane);
    let n = at.x;
    let c = at.y;
    let ow = at.z % P.out_w;
    let oh = (at.z / P.out_w) % P.out_h;
    let od = at.z / (P.out_w * P.out_h);
    let d0 = window_first(sample(n, c, P.slot_d), P.alpha_d, P.in_d, P.out_d, P.k_d, od);
    let h0 = window_first(sample(n, c, P.slot_h), P.alpha_h, P.in_h, P.out_h, P.k_h, oh);
    let w0 = window_first(sample(n, c, P.slot_w), P.alpha_w, P.in_w, P.out_w, P.k_w, ow);
    var best = f32_neg_inf();
    var best_s = (d0 * P.in_h + h0) * P.in_w + w0;
    var saw_nan = false;
    for (var d = d0; d < d0 + P.k_d; d++) {
      for (var h = h0; h < h0 + P.k_h; h++) {
        for (var w = w0; w < w0 + P.k_w; w++) {
          let s = (d * P.in_h + h) * P.in_w + w;
          let v = src[offset_of(n, c, s, P.channels, in_plane)];
          if (is_nan(v)) {
            best = v;
            best_s = s;
            saw_nan = true;
          } else if (!saw_nan && v > best) {
            best = v;
            best_s = s;
          }
        }
      }
    }
    dst[i] = best;
    out_indices[i] = best_s;
    return;
  }
  let at = coords_of(i, P.channels, in_plane);
  let n = at.x;
  let c = at.y;
  let w = at.z % P.in_w;
  let h = (at.z / P.in_w) % P.in_h;
  let d = at.z / (P.in_w * P.in_h);
  let rd = covering_outputs(d, sample(n, c, P.slot_d), P.alpha_d, P.in_d, P.out_d, P.k_d);
  let rh = covering_outputs(h, sample(n, c, P.slot_h), P.alpha_h, P.in_h, P.out_h, P.k_h);
  let rw = covering_outputs(w, sample(n, c, P.slot_w), P.alpha_w, P.in_w, P.out_w, P.k_w);
  var acc = 0.0;
  for (var od = rd.x; od < rd.y; od++) {
    for (var oh = rh.x; oh < rh.y; oh++) {
      for (var ow = rw.x; ow < rw.y; ow++) {
        let o = offset_of(n, c, (od * P.out_h + oh) * P.out_w + ow, P.channels, out_plane);
        if (saved_indices[o] == at.z) { acc += src[o]; }
      }
    }
  }
  dst[i] = acc;
}

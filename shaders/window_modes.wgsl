// @include window_params
// @requires x
// Window statistics of SoftPool, mixed pooling and stochastic pooling's
// evaluation rule, for the scalar forward and backward kernels (they read `x`).
// Each walks the window's real taps (tap_lo .. tap_hi) in row-major order.

// The memory offset of tap (kd, kh, kw) of the window starting at `start`.
fn tap_offset(base: u32, step: u32, start: vec3<i32>, kd: u32, kh: u32, kw: u32) -> u32 {
  let d = u32(start.x + i32(kd * P.dil_d));
  let h = u32(start.y + i32(kh * P.dil_h));
  let w = u32(start.z + i32(kw * P.dil_w));
  return base + ((d * P.in_h + h) * P.in_w + w) * step;
}

// SoftPool: out = Σ e^{x_i} x_i / Σ e^{x_i}, with e^{x_i − m} (m the window's
// maximum) so that 1e4 does not overflow. `weight_sum` is Σ e^{x_i − m}.
struct SoftWindow {
  m: f32,
  weight_sum: f32,
  out: f32,
}

// e^d for d = x − m ≤ 0, exactly 0 below −88 where f32 has no normal result
// (some exp() implementations return garbage for arguments like −1e30).
fn soft_weight(d: f32) -> f32 {
  return select(exp(d), 0.0, d < -88.0);
}

fn soft_window(n: u32, c: u32, start: vec3<i32>) -> SoftWindow {
  let base = offset_of(n, c, 0u, P.channels, in_plane());
  let step = select(1u, P.channels, CHANNELS_LAST);
  let lo = tap_lo(start);
  let hi = tap_hi(start);
  var m = f32_neg_inf();
  var saw_nan = false;
  for (var kd = lo.x; kd < hi.x; kd++) {
    for (var kh = lo.y; kh < hi.y; kh++) {
      for (var kw = lo.z; kw < hi.z; kw++) {
        let v = x[tap_offset(base, step, start, kd, kh, kw)];
        saw_nan = saw_nan || is_nan(v);
        if (v > m) { m = v; }
      }
    }
  }
  if (saw_nan) { return SoftWindow(f32_nan(), f32_nan(), f32_nan()); }
  var weights = 0.0;
  var weighted = 0.0;
  for (var kd = lo.x; kd < hi.x; kd++) {
    for (var kh = lo.y; kh < hi.y; kh++) {
      for (var kw = lo.z; kw < hi.z; kw++) {
        let v = x[tap_offset(base, step, start, kd, kh, kw)];
        let e = soft_weight(v - m);
        weights += e;
        weighted += e * v;
      }
    }
  }
  return SoftWindow(m, weights, weighted / weights);
}

// Σ_i e^{x_i − m} (v − x_i) over the window: (v − out) · Σ e^{x_i − m} without
// the cancellation of v − out at large magnitudes (SoftPool's backward).
fn soft_spread(n: u32, c: u32, start: vec3<i32>, m: f32, v: f32) -> f32 {
  let base = offset_of(n, c, 0u, P.channels, in_plane());
  let step = select(1u, P.channels, CHANNELS_LAST);
  let lo = tap_lo(start);
  let hi = tap_hi(start);
  var spread = 0.0;
  for (var kd = lo.x; kd < hi.x; kd++) {
    for (var kh = lo.y; kh < hi.y; kh++) {
      for (var kw = lo.z; kw < hi.z; kw++) {
        let xi = x[tap_offset(base, step, start, kd, kh, kw)];
        spread += soft_weight(xi - m) * (v - xi);
      }
    }
  }
  return spread;
}

// Mixed pooling's two parts over one window: max pooling's winner (same rules:
// first maximum, a NaN takes over) and the sum and count of the real elements.
struct MixedWindow {
  best: f32,
  best_s: u32,
  sum: f32,
  count: f32,
}

fn mixed_window(n: u32, c: u32, start: vec3<i32>) -> MixedWindow {
  let base = offset_of(n, c, 0u, P.channels, in_plane());
  let step = select(1u, P.channels, CHANNELS_LAST);
  let lo = tap_lo(start);
  let hi = tap_hi(start);
  var r = MixedWindow(f32_neg_inf(), 0u, 0.0, 0.0);
  var saw_nan = false;
  for (var kd = lo.x; kd < hi.x; kd++) {
    for (var kh = lo.y; kh < hi.y; kh++) {
      for (var kw = lo.z; kw < hi.z; kw++) {
        let s = (u32(start.x + i32(kd * P.dil_d)) * P.in_h + u32(start.y + i32(kh * P.dil_h))) * P.in_w
          + u32(start.z + i32(kw * P.dil_w));
        let v = x[base + s * step];
        if (is_nan(v)) {
          r.best = v;
          r.best_s = s;
          saw_nan = true;
        } else if (!saw_nan && (r.count == 0.0 || v > r.best)) {
          r.best = v;
          r.best_s = s;
        }
        r.sum += v;
        r.count += 1.0;
      }
    }
  }
  return r;
}

// Stochastic pooling's weights a_i = max(x_i, 0) (NaN weighs 0), scaled by the
// largest weight m so that 1e30 does not overflow in a²: (m, Σ a_i/m, Σ (a_i/m)²).
// Then Σa²/Σa = m · y / x, and (2 a_j Σa − Σa²) / (Σa)² = (2 (a_j/m) x − y) / x².
// m = 0 (no positive weight) gives sums of 0; m = ∞ takes the direct sums.
fn stochastic_window(n: u32, c: u32, start: vec3<i32>) -> vec3<f32> {
  let base = offset_of(n, c, 0u, P.channels, in_plane());
  let step = select(1u, P.channels, CHANNELS_LAST);
  let lo = tap_lo(start);
  let hi = tap_hi(start);
  var m = 0.0;
  for (var kd = lo.x; kd < hi.x; kd++) {
    for (var kh = lo.y; kh < hi.y; kh++) {
      for (var kw = lo.z; kw < hi.z; kw++) {
        let v = x[tap_offset(base, step, start, kd, kh, kw)];
        if (v > m) { m = v; }
      }
    }
  }
  let scale = select(1.0, m, m > 0.0 && m < f32_inf());
  var sums = vec2<f32>(0.0);
  for (var kd = lo.x; kd < hi.x; kd++) {
    for (var kh = lo.y; kh < hi.y; kh++) {
      for (var kw = lo.z; kw < hi.z; kw++) {
        let v = x[tap_offset(base, step, start, kd, kh, kw)];
        let a = select(0.0, v, v > 0.0) / scale;
        sums += vec2<f32>(a, a * a);
      }
    }
  }
  return vec3<f32>(scale, sums);
}

// Stochastic pooling's training pick: element i with probability a_i / Σ a
// (a = max(x, 0), NaN weighs 0), by the first running sum above r · Σ a in
// row-major tap order, summed in f32 exactly as the CPU reference does. A window
// whose weights sum to 0 picks its first element. Returns the plane index.
fn stochastic_pick(n: u32, c: u32, start: vec3<i32>, r: f32) -> u32 {
  let base = offset_of(n, c, 0u, P.channels, in_plane());
  let step = select(1u, P.channels, CHANNELS_LAST);
  let lo = tap_lo(start);
  let hi = tap_hi(start);
  var total = 0.0;
  var first = 0xffffffffu;
  var last_positive = 0u;
  for (var kd = lo.x; kd < hi.x; kd++) {
    for (var kh = lo.y; kh < hi.y; kh++) {
      for (var kw = lo.z; kw < hi.z; kw++) {
        let s = (u32(start.x + i32(kd * P.dil_d)) * P.in_h + u32(start.y + i32(kh * P.dil_h))) * P.in_w
          + u32(start.z + i32(kw * P.dil_w));
        let v = x[base + s * step];
        if (first == 0xffffffffu) { first = s; }
        if (v >= MIN_NORMAL) {
          total += v;
          last_positive = s;
        }
      }
    }
  }
  if (!(total > 0.0)) { return first; }
  let goal = r * total;
  var running = 0.0;
  for (var kd = lo.x; kd < hi.x; kd++) {
    for (var kh = lo.y; kh < hi.y; kh++) {
      for (var kw = lo.z; kw < hi.z; kw++) {
        let s = (u32(start.x + i32(kd * P.dil_d)) * P.in_h + u32(start.y + i32(kh * P.dil_h))) * P.in_w
          + u32(start.z + i32(kw * P.dil_w));
        let v = x[base + s * step];
        if (v >= MIN_NORMAL) {
          running += v;
          if (running > goal) { return s; }
        }
      }
    }
  }
  return last_positive; // r · Σ a rounded up to Σ a
}
// @include window_params
// @requires x
// Power-average helpers for the scalar window kernels (they read `x`).

// One power-average window as PyTorch defines it: out = T^(1/p) with
// T = avg_pool(x^p) * prod(kernel) (so a ceil-mode window clipped at the edge is
// scaled by kernel size / clipped size). Computed as out = scale * t^(1/p), with
// scale the window's largest magnitude m and t = T / m^p, so 1e30 does not
// overflow where the result does not; a window whose m is 0, infinite or NaN
// takes the direct formula (scale 1), which gives PyTorch's 0, inf or NaN.
// ONNX's LpPool (set per pipeline): out = (Σ |x|^p)^(1/p) over the real cells,
// with no scaling (padding cells add nothing).
override LP_NORM: bool = false;

// One tap's term of the power sum, scaled by 1/m.
fn lp_term(v: f32, m: f32) -> f32 {
  return pow_real(select(v, abs(v), LP_NORM) / m, P.p);
}

// d term / d v, up to the factor p/m the caller's formula holds: (v/m)^(p−1), or
// sign(v)·|v/m|^(p−1) for the norm.
fn lp_slope(v: f32, m: f32) -> f32 {
  if (LP_NORM) { return sign(v) * pow_real(abs(v) / m, P.p - 1.0); }
  return pow_real(v / m, P.p - 1.0);
}

struct LpWindow {
  scale: f32,
  t: f32,
  divisor: f32,
}

fn lp_window(n: u32, c: u32, start: vec3<i32>) -> LpWindow {
  let plane = in_plane();
  let base = offset_of(n, c, 0u, P.channels, plane);
  let step = select(1u, P.channels, CHANNELS_LAST);
  let lo = tap_lo(start);
  let hi = tap_hi(start);
  var m = 0.0;
  var saw_nan = false;
  for (var sweep = 0u; sweep < 2u; sweep++) {
    var sum = 0.0;
    for (var kd = lo.x; kd < hi.x; kd++) {
      let d = u32(start.x + i32(kd * P.dil_d));
      for (var kh = lo.y; kh < hi.y; kh++) {
        let dh = d * P.in_h + u32(start.y + i32(kh * P.dil_h));
        for (var kw = lo.z; kw < hi.z; kw++) {
          let v = x[base + (dh * P.in_w + u32(start.z + i32(kw * P.dil_w))) * step];
          if (sweep == 0u) {
            saw_nan = saw_nan || is_nan(v);
            m = max(m, abs(v));
          } else {
            sum += lp_term(v, m);
          }
        }
      }
    }
    // The norm is the plain sum: a divisor of prod(kernel) cancels the scaling.
    let cells = f32(P.k_d * P.k_h * P.k_w);
    let divisor = select(avg_divisor(start), cells, LP_NORM);
    if (sweep == 0u && (saw_nan || m == 0.0 || m == f32_inf())) {
      m = 1.0; // direct formula on the next pass
    } else if (sweep == 1u) {
      return LpWindow(m, sum / divisor * cells, divisor);
    }
  }
  return LpWindow(1.0, 0.0, 1.0); // unreachable
}

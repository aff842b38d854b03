// @include window_params
// @requires x
// Power-average helpers for the scalar window kernels (they read `x`).

// One power-average window as PyTorch defines it: out = T^(1/p) with
// T = avg_pool(x^p) * prod(kernel) (so a ceil-mode window clipped at the edge is
// scaled by kernel size / clipped size). Computed as out = scale * t^(1/p), with
// scale the window's largest magnitude m and t = T / m^p, so 1e30 does not
// overflow where the result does not; a window whose m is 0, infinite or NaN
// takes the direct formula (scale 1), which gives PyTorch's 0, inf or NaN.
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
            sum += pow_real(v / m, P.p);
          }
        }
      }
    }
    let divisor = avg_divisor(start);
    let cells = f32(P.k_d * P.k_h * P.k_w);
    if (sweep == 0u && (saw_nan || m == 0.0 || m == f32_inf())) {
      m = 1.0; // direct formula on the next pass
    } else if (sweep == 1u) {
      return LpWindow(m, sum / divisor * cells, divisor);
    }
  }
  return LpWindow(1.0, 0.0, 1.0); // unreachable
}

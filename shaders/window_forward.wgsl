// @include window_lp window_modes
// Forward window pooling: one thread per output element, in memory order.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// Max only: the winner's flat index inside its spatial plane (PyTorch's indices).
// Other modes bind a placeholder.
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let at = coords_of(i, P.channels, out_plane());
  let n = at.x;
  let c = at.y;
  let start = window_start(at.z);

  if (MODE == MODE_LP) {
    let win = lp_window(n, c, start);
    y[i] = win.scale * pow_real(win.t, 1.0 / P.p);
    return;
  }
  if (MODE == MODE_SOFT) {
    y[i] = soft_window(n, c, start).out;
    return;
  }
  if (MODE == MODE_MIXED) {
    let win = mixed_window(n, c, start);
    y[i] = P.lambda * win.best + (1.0 - P.lambda) * (win.sum / win.count);
    return;
  }
  if (MODE == MODE_STOCHASTIC) {
    // The random number of this output, by its logical position (n, c, cell):
    // the same pick in every layout and on every device.
    let r = unit24(pcg_hash(P.seed_key ^ (P.index_base + (n * P.channels + c) * out_plane() + at.z)));
    let s = stochastic_pick(n, c, start, r);
    let v = x[offset_of(n, c, s, P.channels, in_plane())];
    y[i] = select(0.0, v, v >= MIN_NORMAL); // a zero-sum window outputs 0
    if (INDICES) { indices[i] = s; }
    return;
  }
  if (MODE == MODE_STOCHASTIC_EVAL) {
    // Σ a_i² / Σ a_i: the average of the window weighted by p_i = a_i / Σ a.
    let win = stochastic_window(n, c, start);
    y[i] = select(0.0, win.x * (win.z / win.y), win.y > 0.0);
    return;
  }

  var sum = 0.0;
  let plane = in_plane();
  // Element (n, c, s) sits at base + s * step in either layout.
  let base = offset_of(n, c, 0u, P.channels, plane);
  let step = select(1u, P.channels, CHANNELS_LAST);
  let lo = tap_lo(start);
  let hi = tap_hi(start);
  var best = f32_neg_inf();
  // A window whose every element is passed over (NAN_IGNORE) reports its first;
  // one of padding only (largePadding), none (−1).
  var best_s = select(first_tap_index(start, lo), NO_INDEX, any(lo >= hi));
  var found = false;
  var saw_nan = false;
  for (var kd = lo.x; kd < hi.x; kd++) {
    let d = u32(start.x + i32(kd * P.dil_d));
    for (var kh = lo.y; kh < hi.y; kh++) {
      let dh = d * P.in_h + u32(start.y + i32(kh * P.dil_h));
      for (var kw = lo.z; kw < hi.z; kw++) {
        let s = dh * P.in_w + u32(start.z + i32(kw * P.dil_w));
        let v = x[base + s * step];
        if (MODE == MODE_MAX) {
          // PyTorch: `val > maxval || isnan(val)`: the first maximum wins, a NaN
          // always takes over (so the last NaN is reported), padding never wins.
          // NAN_IGNORE (TensorFlow): a NaN is passed over as if absent.
          if (NAN_IGNORE && is_nan(v)) {
            continue;
          }
          if (is_nan(v)) {
            best = v;
            best_s = s;
            saw_nan = true;
          } else if (!saw_nan && (!found || v > best)) {
            best = v;
            best_s = s;
          }
          found = true;
        } else {
          sum += v;
        }
      }
    }
  }
  if (MODE == MODE_MAX) {
    y[i] = best;
    if (INDICES) { indices[i] = best_s; }
  } else {
    y[i] = sum / avg_divisor(start);
  }
}

// @include window_lp window_modes
// Backward window pooling as a deterministic gather: one thread per input
// element collects from every output window that covers it, in a fixed order,
// with integer index math and no atomics.

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
// Max: the forward's indices. Other modes: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices: array<u32>;
// Lp, SoftPool, mixed and stochastic: the forward's input. Max, avg: a placeholder.
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad_in: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let at = coords_of(i, P.channels, in_plane());
  let n = at.x;
  let c = at.y;
  let s_in = at.z;
  let w = i32(s_in % P.in_w);
  let h = i32((s_in / P.in_w) % P.in_h);
  let d = i32(s_in / (P.in_w * P.in_h));

  var acc = 0.0;
  let rd = covering_range(d, P.pad_d, P.k_d, P.dil_d, P.stride_d, P.out_d);
  let rh = covering_range(h, P.pad_h, P.k_h, P.dil_h, P.stride_h, P.out_h);
  let rw = covering_range(w, P.pad_w, P.k_w, P.dil_w, P.stride_w, P.out_w);
  let base = offset_of(n, c, 0u, P.channels, out_plane());
  let step = select(1u, P.channels, CHANNELS_LAST);
  for (var od = rd.x; od < rd.y; od++) {
    if (!hits(d, P.pad_d, od, P.dil_d, P.stride_d)) { continue; }
    let span_d = divisor_span(od, P.stride_d, P.pad_d, P.k_d, P.dil_d, P.in_d, P.pad_after_d);
    for (var oh = rh.x; oh < rh.y; oh++) {
      if (!hits(h, P.pad_h, oh, P.dil_h, P.stride_h)) { continue; }
      let span_dh = span_d * divisor_span(oh, P.stride_h, P.pad_h, P.k_h, P.dil_h, P.in_h, P.pad_after_h);
      for (var ow = rw.x; ow < rw.y; ow++) {
        if (!hits(w, P.pad_w, ow, P.dil_w, P.stride_w)) { continue; }
        let s_out = (u32(od) * P.out_h + u32(oh)) * P.out_w + u32(ow);
        let o = base + s_out * step;
        if (MODE == MODE_MAX) {
          if (saved_indices[o] == s_in) { acc += grad_out[o]; }
        } else if (MODE == MODE_AVG) {
          let divisor = select(span_dh * divisor_span(ow, P.stride_w, P.pad_w, P.k_w, P.dil_w, P.in_w, P.pad_after_w),
                               P.divisor_override, P.divisor_override != 0.0);
          acc += grad_out[o] / divisor;
        } else if (MODE == MODE_SOFT) {
          // d out / d x_j = e^{x_j − m} / Σ e^{x_i − m} · (1 + x_j − out), with
          // x_j − out = Σ_i e^{x_i − m} (x_j − x_i) / Σ e^{x_i − m} (no cancellation).
          let start = window_start(s_out);
          let win = soft_window(n, c, start);
          let spread = soft_spread(n, c, start, win.m, x[i]) / win.weight_sum;
          acc += grad_out[o] * soft_weight(x[i] - win.m) / win.weight_sum * (1.0 + spread);
        } else if (MODE == MODE_MIXED) {
          // λ to the max's winner, (1 − λ) / count to every element.
          let win = mixed_window(n, c, window_start(s_out));
          let to_max = select(0.0, P.lambda, win.best_s == s_in);
          acc += grad_out[o] * (to_max + (1.0 - P.lambda) / win.count);
        } else if (MODE == MODE_STOCHASTIC_EVAL) {
          // d/dx_j of Σa²/Σa = (2 a_j Σa − Σa²) / (Σa)², where x_j ≥ 0 and Σa > 0
          // (in the scaled sums of stochastic_window).
          let win = stochastic_window(n, c, window_start(s_out));
          if (win.y > 0.0 && x[i] >= 0.0) {
            acc += grad_out[o] * (2.0 * (x[i] / win.x) * win.y - win.z) / (win.y * win.y);
          }
        } else {
          // d out / d x_i = t^(1/p - 1) * prod(kernel) / divisor * (x_i / scale)^(p - 1)
          // (sign(x_i)·|x_i / scale|^(p - 1) for the norm),
          // in the scaled form of lp_window; no gradient where t = 0 (PyTorch's relu mask).
          let win = lp_window(n, c, window_start(s_out));
          if (is_nan(win.t) || win.t != 0.0) {
            let cells = f32(P.k_d * P.k_h * P.k_w);
            acc += grad_out[o] * pow_real(win.t, 1.0 / P.p - 1.0) * cells / win.divisor * lp_slope(x[i], win.scale);
          }
        }
      }
    }
  }
  grad_in[i] = acc;
}

// Backward window pooling as a deterministic gather: one thread per input
// element collects from every output window that covers it, in a fixed order,
// with integer index math and no atomics.
// Prepended by the host: common.wgsl, window_params.wgsl.

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
// Max: the forward's indices. Lp: the forward's input. Avg: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad_in: array<f32>;

// Output coordinate along one dimension whose tap k covers input position `pos`, or -1.
fn covering(pos: i32, pad: i32, k: u32, dil: u32, stride: u32, out_size: u32) -> i32 {
  let t = pos + pad - i32(k * dil);
  if (t < 0 || t % i32(stride) != 0) { return -1; }
  let o = t / i32(stride);
  return select(-1, o, o < i32(out_size));
}

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

  var grad_x_pow = 0.0;
  if (MODE == 2u) {
    // d/dx of x^p, the part every covering window shares.
    grad_x_pow = P.p * pow_real(x[i], P.p - 1.0);
  }

  var acc = 0.0;
  for (var kd = 0u; kd < P.k_d; kd++) {
    let od = covering(d, P.pad_d, kd, P.dil_d, P.stride_d, P.out_d);
    if (od < 0) { continue; }
    for (var kh = 0u; kh < P.k_h; kh++) {
      let oh = covering(h, P.pad_h, kh, P.dil_h, P.stride_h, P.out_h);
      if (oh < 0) { continue; }
      for (var kw = 0u; kw < P.k_w; kw++) {
        let ow = covering(w, P.pad_w, kw, P.dil_w, P.stride_w, P.out_w);
        if (ow < 0) { continue; }
        let s_out = (u32(od) * P.out_h + u32(oh)) * P.out_w + u32(ow);
        let o = offset_of(n, c, s_out, P.channels, out_plane());
        if (MODE == 0u) {
          if (saved_indices[o] == s_in) { acc += grad_out[o]; }
        } else if (MODE == 1u) {
          acc += grad_out[o] / avg_divisor(window_start(s_out));
        } else {
          // out = T^(1/p) with T = avg(x^p) * prod(kernel); PyTorch's chain rule
          // order, and no gradient where T = 0 (its relu mask).
          let start = window_start(s_out);
          let divisor = avg_divisor(start);
          let t = lp_window_sum(n, c, start) / divisor * f32(P.k_d * P.k_h * P.k_w);
          if (is_nan(t) || t != 0.0) {
            let g = grad_out[o] * (1.0 / P.p) * pow_real(t, 1.0 / P.p - 1.0) * f32(P.k_d * P.k_h * P.k_w);
            acc += g / divisor * grad_x_pow;
          }
        }
      }
    }
  }
  grad_in[i] = acc;
}

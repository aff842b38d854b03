// @include window_small_taps window_small_pick
// @requires float4_word from_word4 to_word4
// Forward max pooling, average pooling and stochastic pooling's training pick over
// small windows (K_D, K_H, K_W ≤ 3) for channels-last tensors whose channel count
// is a multiple of 4: one thread per column of output positions and 4 channels,
// making up to P.rows of its rows top to bottom, every tap written out. Same semantics as window_forward_vec4.wgsl and window_forward.wgsl:
// the first maximum wins ties, the last NaN wins, padding never wins; average
// divides the in-order sum by PyTorch's divisor; the stochastic pick is the first
// tap whose running sum of weights passes r · Σ weights.

@group(0) @binding(1) var<storage, read> x4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> y4: array<float4_word>;
@group(0) @binding(3) var<storage, read_write> indices4: array<vec4<u32>>;

// Component k of the state is channel 4·c4 + k.
alias Window = Window4;

// Folds tap t, at plane index s (inside the input where `ok`), into the window:
// max takes a greater value or a NaN (PyTorch's `val > maxval || isnan(val)`).
fn fold_tap(win: ptr<function, Window>, base: u32, groups: u32, t: u32, s: u32, ok: bool) {
  let v = select(vec4<f32>(outside_value()), from_word4(x4[select(0u, base + s * groups, ok)]), vec4<bool>(ok));
  if (MODE == MODE_MAX) {
    let take = (v > (*win).best) | is_nan4(v);
    (*win).best = select((*win).best, v, take);
    (*win).best_s = select((*win).best_s, vec4<u32>(s), take);
  } else if (MODE == MODE_STOCHASTIC) {
    let a = stochastic_weight4(v);
    (*win).sum += a;
    (*win).weight[t] = a;
    (*win).running[t] = (*win).sum;
    (*win).tap_s[t] = vec4<u32>(s);
    let positive = a > vec4<f32>(0.0);
    (*win).best = select((*win).best, a, positive);
    (*win).best_s = select((*win).best_s, vec4<u32>(s), positive);
  } else {
    (*win).sum += v;
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let col = column_of(i, groups, P.out_d, P.out_h, P.out_w, true, 1u);
  let c4 = col.c;
  let ow = col.w;
  let od = col.d;
  let n = col.n;
  let base = n * in_plane() * groups + c4;
  let oh_begin = col.h_begin;
  let oh_end = col.h_end;
  let d0 = i32(od * P.stride_d) - P.pad_d;
  let w0 = i32(ow * P.stride_w) - P.pad_w;
  let first_dw = vec2<u32>(u32(first_tap(d0, P.dil_d)), u32(first_tap(w0, P.dil_w)));

  // The thread's outputs, top to bottom: output s at vec4 o.
  var out_s = (od * P.out_h + oh_begin) * P.out_w + ow;
  for (var oh = oh_begin; oh < oh_end; oh++) {
    let o = (n * out_plane() + out_s) * groups + c4;
    let start = vec3<i32>(d0, i32(oh * P.stride_h) - P.pad_h, w0);
    // A fresh state whose index is the window's first real tap.
    var win: Window;
    win.best = vec4<f32>(outside_value());
    win.best_s = vec4<u32>((first_dw.x * P.in_h + u32(first_tap(start.y, P.dil_h))) * P.in_w + first_dw.y);
    win.sum = vec4<f32>(0.0);
    fold_window(&win, base, groups, start);
    if (MODE == MODE_AVG) {
      y4[o] = to_word4(win.sum / avg_divisor(start));
    } else {
      if (MODE == MODE_STOCHASTIC) {
        // Each channel's number, by its logical position (n, c, cell) as in every kernel.
        let index = vec4<u32>((n * P.channels + 4u * c4) * out_plane() + out_s) + vec4<u32>(0u, 1u, 2u, 3u) * out_plane();
        // The pick: the first tap whose running sum passes r · Σ weights. Where none
        // does (rounding), the last positive weight stays; a window with no positive
        // weight keeps its first tap, with weight 0.
        win.goal = unit24x4(pcg_hash4(vec4<u32>(P.seed_key) ^ (index + P.index_base))) * win.sum;
        pick_window(&win);
      }
      y4[o] = to_word4(win.best);
      if (INDICES) { indices4[o] = win.best_s; }
    }
    out_s += P.out_w;
  }
}

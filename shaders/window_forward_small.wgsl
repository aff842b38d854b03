// @include window_small_taps window_small_pick
// Forward max pooling, average pooling and stochastic pooling's training pick over
// small windows (K_D, K_H, K_W ≤ 3), either layout: one thread per column of
// output elements, making up to P.rows of its rows top to bottom (a run of rows
// amortizes the thread's index math), every tap written out. The scalar twin of window_forward_small_vec4.wgsl, for
// the tensors the vec4 kernels do not take (channels-last with a channel count
// that is not a multiple of 4, channels-first rows that are not whole vec4s).

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// Max and stochastic: the winner's plane index. Average binds a placeholder.
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;

// Window4 (window_small.wgsl) for one output.
struct Window {
  best: f32,
  best_s: u32,
  sum: f32,
  weight: array<f32, MAX_SMALL_TAPS>,
  running: array<f32, MAX_SMALL_TAPS>,
  tap_s: array<u32, MAX_SMALL_TAPS>,
  goal: f32,
}

fn fold_tap(win: ptr<function, Window>, base: u32, step: u32, t: u32, s: u32, ok: bool) {
  let v = select(outside_value(), x[select(0u, base + s * step, ok)], ok);
  if (MODE == MODE_MAX) {
    let take = (v > (*win).best) | is_nan(v);
    (*win).best = select((*win).best, v, take);
    (*win).best_s = select((*win).best_s, s, take);
  } else if (MODE == MODE_STOCHASTIC) {
    let a = stochastic_weight(v);
    (*win).sum += a;
    (*win).weight[t] = a;
    (*win).running[t] = (*win).sum;
    (*win).tap_s[t] = s;
    (*win).best = select((*win).best, a, a > 0.0);
    (*win).best_s = select((*win).best_s, s, a > 0.0);
  } else {
    (*win).sum += v;
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  // The thread's column of outputs (n, c, od, ow) and its run of up to P.rows
  // rows; neighbouring threads take neighbouring outputs in memory.
  let col = column_of(i, P.channels, P.out_d, P.out_h, P.out_w, CHANNELS_LAST, 1u);
  let n = col.n;
  let c = col.c;
  let od = col.d;
  let ow = col.w;
  let base = offset_of(n, c, 0u, P.channels, in_plane());
  let step = select(1u, P.channels, CHANNELS_LAST);
  let oh_begin = col.h_begin;
  let oh_end = col.h_end;
  let d0 = i32(od * P.stride_d) - P.pad_d;
  let w0 = i32(ow * P.stride_w) - P.pad_w;
  let first_dw = vec2<u32>(u32(first_tap(d0, P.dil_d)), u32(first_tap(w0, P.dil_w)));

  var out_s = (od * P.out_h + oh_begin) * P.out_w + ow;
  for (var oh = oh_begin; oh < oh_end; oh++) {
    let o = offset_of(n, c, out_s, P.channels, out_plane());
    let start = vec3<i32>(d0, i32(oh * P.stride_h) - P.pad_h, w0);
    // A fresh state whose index is the window's first real tap.
    var win: Window;
    win.best = outside_value();
    win.best_s = (first_dw.x * P.in_h + u32(first_tap(start.y, P.dil_h))) * P.in_w + first_dw.y;
    win.sum = 0.0;
    fold_window(&win, base, step, start);
    if (MODE == MODE_AVG) {
      y[o] = win.sum / avg_divisor(start);
    } else {
      if (MODE == MODE_STOCHASTIC) {
        win.goal = unit24(pcg_hash(P.seed_key ^ (P.index_base + (n * P.channels + c) * out_plane() + out_s))) * win.sum;
        pick_window(&win);
      }
      y[o] = win.best;
      if (INDICES) { indices[o] = win.best_s; }
    }
    out_s += P.out_w;
  }
}

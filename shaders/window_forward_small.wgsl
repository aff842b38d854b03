// Forward max pooling, average pooling and stochastic pooling's training pick over
// small windows (K_D, K_H, K_W ≤ 3), either layout: one thread per output element,
// every tap written out. The scalar twin of window_forward_small_vec4.wgsl, for
// the tensors the vec4 kernels do not take (channels-last with a channel count
// that is not a multiple of 4, channels-first rows that are not whole vec4s).
// Prepended by the host: common.wgsl, window_params.wgsl, window_small.wgsl,
// window_small_taps.wgsl (the traversal, which calls fold_tap), window_small_pick.wgsl.

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
  if (MODE == 0u) {
    let take = (v > (*win).best) | is_nan(v);
    (*win).best = select((*win).best, v, take);
    (*win).best_s = select((*win).best_s, s, take);
  } else if (MODE == 6u) {
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
  let at = coords_of(i, P.channels, out_plane());
  let start = window_start(at.z);
  let base = offset_of(at.x, at.y, 0u, P.channels, in_plane());
  let step = select(1u, P.channels, CHANNELS_LAST);

  let first = vec3<u32>(vec3<i32>(first_tap(start.x, P.dil_d), first_tap(start.y, P.dil_h), first_tap(start.z, P.dil_w)));
  var win: Window;
  win.best = outside_value();
  win.best_s = (first.x * P.in_h + first.y) * P.in_w + first.z;
  win.sum = 0.0;
  fold_window(&win, base, step, start);
  if (MODE == 1u) {
    y[i] = win.sum / avg_divisor(start);
    return;
  }
  if (MODE == 6u) {
    win.goal = unit24(pcg_hash(P.seed_key ^ ((at.x * P.channels + at.y) * out_plane() + at.z))) * win.sum;
    pick_window(&win);
  }
  y[i] = win.best;
  indices[i] = win.best_s;
}

// @include window_small
// @requires fold_tap Window
// The taps of a small window (window_small.wgsl), written out in row-major order,
// for the kernels with one window per thread (window_forward_small_vec4.wgsl and
// window_forward_small.wgsl). Each tap goes to the kernel's
// fold_tap(win, base, step, tap number, plane index, inside the input),
// which finds element (n, c, s) at base + s * step.

// The K_W taps of one window row (taps t0, t0 + 1, …): plane index of the row's
// start `row_s` (position w = 0), the window's first column `w0`.
fn fold_row(win: ptr<function, Window>, base: u32, step: u32, t0: u32, row_s: u32, row_ok: bool, w0: i32) {
  let dw = i32(P.dil_w);
  fold_tap(win, base, step, t0, row_s + u32(w0), row_ok & inside(w0, P.in_w));
  if (K_W > 1u) { fold_tap(win, base, step, t0 + 1u, row_s + u32(w0 + dw), row_ok & inside(w0 + dw, P.in_w)); }
  if (K_W > 2u) { fold_tap(win, base, step, t0 + 2u, row_s + u32(w0 + 2 * dw), row_ok & inside(w0 + 2 * dw, P.in_w)); }
}

// The K_H rows of one window plane at depth d (taps from t0).
fn fold_plane(win: ptr<function, Window>, base: u32, step: u32, t0: u32, d: i32, d_ok: bool, start: vec3<i32>) {
  let dh = i32(P.dil_h);
  let plane_s = u32(d) * P.in_h;
  fold_row(win, base, step, t0, (plane_s + u32(start.y)) * P.in_w, d_ok & inside(start.y, P.in_h), start.z);
  if (K_H > 1u) { fold_row(win, base, step, t0 + K_W, (plane_s + u32(start.y + dh)) * P.in_w, d_ok & inside(start.y + dh, P.in_h), start.z); }
  if (K_H > 2u) { fold_row(win, base, step, t0 + 2u * K_W, (plane_s + u32(start.y + 2 * dh)) * P.in_w, d_ok & inside(start.y + 2 * dh, P.in_h), start.z); }
}

// Every tap of the window, in row-major order.
fn fold_window(win: ptr<function, Window>, base: u32, step: u32, start: vec3<i32>) {
  let dd = i32(P.dil_d);
  fold_plane(win, base, step, 0u, start.x, inside(start.x, P.in_d), start);
  if (K_D > 1u) { fold_plane(win, base, step, K_H * K_W, start.x + dd, inside(start.x + dd, P.in_d), start); }
  if (K_D > 2u) { fold_plane(win, base, step, 2u * K_H * K_W, start.x + 2 * dd, inside(start.x + 2 * dd, P.in_d), start); }
}

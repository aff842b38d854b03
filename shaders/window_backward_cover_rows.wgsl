// @include window_params
// Max pooling's backward for channels-first tensors whose windows overlap by less
// than a stride along W (S_W < K_W ≤ 2·S_W; along H at most 2 covering outputs,
// along D one; dilation 1), with rows of outputs in whole vec4s (out_w % 4 = 0):
// window_backward_cover_vec4.wgsl's stride tiles, 4 neighbouring tiles of a row a
// thread. Tiles b = 4j … 4j + 3 are covered by outputs 4j − 1 … 4j + 3 of each
// covering output row: one vec4 of gradients and one of indices (4j … 4j + 3), and
// the last lane of the vec4 before (4j − 1). Each input of the 4 tiles is written
// once: the sum, in ascending output order, of the gradients whose index names it.
// Threads walk down columns of blocks, P.rows tile rows each (column_of).

override S_D: u32 = 1u;
override S_H: u32 = 1u;
override S_W: u32 = 2u;
// Output rows covering an input row: 2 where K_H > S_H, else 1.
override T_H: u32 = 2u;

@group(0) @binding(1) var<storage, read> grad_out4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in: array<f32>;

// One covering output row's outputs 4j − 1 … 4j + 3 (none where they do not exist).
struct Row {
  g: vec4<f32>,
  win: vec4<u32>,
  g_before: f32,
  win_before: u32,
}

fn load_row(plane: u32, od: u32, oh: i32, j: u32) -> Row {
  let row_ok = (od < P.out_d) & (oh >= 0) & (oh < i32(P.out_h));
  let at = select(0u, (plane * out_plane() + (od * P.out_h + u32(oh)) * P.out_w) / 4u + j, row_ok);
  let lanes = (vec4<u32>(4u * j) + vec4<u32>(0u, 1u, 2u, 3u)) < vec4<u32>(P.out_w);
  let ok = vec4<bool>(row_ok) & lanes;
  let before_ok = row_ok & (j > 0u);
  let before = select(0u, at - 1u, before_ok);
  return Row(
    grad_out4[at],
    select(vec4<u32>(0xffffffffu), saved_indices4[at], ok),
    grad_out4[before].w,
    select(0xffffffffu, saved_indices4[before].w, before_ok),
  );
}

// What input s gets from outputs (row r, columns before and at): in ascending order.
fn pick(g0: f32, w0: u32, g1: f32, w1: u32, s: u32) -> f32 {
  return select(0.0, g0, w0 == s) + select(0.0, g1, w1 == s);
}

// Writes the inputs of tile 4j + t of the thread's rows, whose covering output
// columns hold (g0, w0) and (g1, w1) in row r0 (and r1 where T_H = 2).
fn write_tile(base: u32, d: i32, ah: u32, j: u32, t: u32,
              g00: f32, w00: u32, g01: f32, w01: u32, g10: f32, w10: u32, g11: f32, w11: u32) {
  for (var sh = 0u; sh < S_H; sh++) {
    let h = i32(ah * S_H + sh) - P.pad_h;
    for (var sw = 0u; sw < S_W; sw++) {
      let w = i32((4u * j + t) * S_W + sw) - P.pad_w;
      let inside = (d >= 0) & (d < i32(P.in_d)) & (h >= 0) & (h < i32(P.in_h)) & (w >= 0) & (w < i32(P.in_w));
      if (inside) {
        let s = (u32(d) * P.in_h + u32(h)) * P.in_w + u32(w);
        var acc = pick(g00, w00, g01, w01, s);
        if (T_H > 1u) { acc += pick(g10, w10, g11, w11, s); }
        grad_in[base + s] = acc;
      }
    }
  }
}

// Writes the thread's 4 tiles of tile row ah from its covering output rows r0 (the
// upper where T_H = 2) and r1.
fn write_tiles(base: u32, d: i32, ah: u32, j: u32, r0: Row, r1: Row) {
  write_tile(base, d, ah, j, 0u, r0.g_before, r0.win_before, r0.g.x, r0.win.x, r1.g_before, r1.win_before, r1.g.x, r1.win.x);
  write_tile(base, d, ah, j, 1u, r0.g.x, r0.win.x, r0.g.y, r0.win.y, r1.g.x, r1.win.x, r1.g.y, r1.win.y);
  write_tile(base, d, ah, j, 2u, r0.g.y, r0.win.y, r0.g.z, r0.win.z, r1.g.y, r1.win.y, r1.g.z, r1.win.z);
  write_tile(base, d, ah, j, 3u, r0.g.z, r0.win.z, r0.g.w, r0.win.w, r1.g.z, r1.win.z, r1.g.w, r1.win.w);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  // A thread walks P.rows tile rows down its column of 4-tile blocks (rowsLaunch):
  // where T_H = 2 each output row it loads serves two tile rows.
  let blocks = (stride_tiles(P.in_w, P.pad_w, S_W) + 3u) / 4u;
  let th = stride_tiles(P.in_h, P.pad_h, S_H);
  let td = stride_tiles(P.in_d, P.pad_d, S_D);
  let col = column_of(i, P.channels, td, th, blocks, false, 1u);
  let j = col.w;
  let plane = col.n * P.channels + col.c;
  let d = i32(col.d * S_D) - P.pad_d;
  let base = plane * in_plane();
  var upper: Row;
  if (T_H > 1u) { upper = load_row(plane, col.d, i32(col.h_begin) - 1, j); }
  for (var ah = col.h_begin; ah < col.h_end; ah++) {
    let row = load_row(plane, col.d, i32(ah), j);
    if (T_H > 1u) {
      write_tiles(base, d, ah, j, upper, row);
    } else {
      write_tiles(base, d, ah, j, row, row);
    }
    upper = row;
  }
}

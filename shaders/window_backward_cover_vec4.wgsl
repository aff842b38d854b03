// @include window_params
// @requires float4_word from_word4 to_word4
// Max pooling's backward for channels-last tensors (channels a multiple of 4) whose
// windows overlap by less than a stride (S < K ≤ 2·S per dimension, dilation 1:
// 3 × 3 at stride 2). Every input lies in the windows of at most T = 2 outputs per
// dimension, and the inputs of one stride tile (a·S − pad … a·S − pad + S − 1) share
// them: outputs a − 1 and a. So one thread per tile and 4 channels reads those
// outputs' gradients and indices once (T^rank vec4 pairs) and writes every input of
// the tile (S^rank vec4s): the gradient of each output whose index names it, summed
// in ascending output order as the reference does. No clear, no read-modify-write:
// each input is written once, 2 loads per input vec4 at 3 × 3 stride 2 where a
// gather per input tests up to 9 outputs.

override S_D: u32 = 1u;
override S_H: u32 = 1u;
override S_W: u32 = 1u;
// Outputs along H and W covering an input: 2 where K > S, else 1. Along D the
// kernel takes K_D ≤ S_D only (one covering output): at most 4 outputs, held in
// registers, the taps written out (a software adapter keeps a dynamically indexed
// array in memory).
override T_H: u32 = 2u;
override T_W: u32 = 2u;

@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<float4_word>;

// An output's gradient and winners (none where the output does not exist).
struct Cell {
  g: vec4<f32>,
  win: vec4<u32>,
}

fn cell(n: u32, groups: u32, c4: u32, od: u32, oh: i32, ow: i32) -> Cell {
  let ok = (od < P.out_d) & (oh >= 0) & (oh < i32(P.out_h)) & (ow >= 0) & (ow < i32(P.out_w));
  let o = select(0u, (n * out_plane() + (od * P.out_h + u32(oh)) * P.out_w + u32(ow)) * groups + c4, ok);
  return Cell(from_word4(grad_out4[o]), select(vec4<u32>(0xffffffffu), saved_indices4[o], vec4<bool>(ok)));
}

// The gradient of the input at plane index s: each covering output's whose winner it is, in ascending output order.
fn gather(c00: Cell, c01: Cell, c10: Cell, c11: Cell, s: u32) -> vec4<f32> {
  let at = vec4<u32>(s);
  var acc = select(vec4<f32>(0.0), c00.g, c00.win == at);
  if (T_W > 1u) { acc += select(vec4<f32>(0.0), c01.g, c01.win == at); }
  if (T_H > 1u) { acc += select(vec4<f32>(0.0), c10.g, c10.win == at); }
  if (T_H > 1u && T_W > 1u) { acc += select(vec4<f32>(0.0), c11.g, c11.win == at); }
  return acc;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  // A thread walks P.rows tile rows down its column (rowsLaunch): where T_H = 2 each
  // row of covering outputs it loads serves two tile rows.
  let groups = P.channels / 4u;
  let tw = stride_tiles(P.in_w, P.pad_w, S_W);
  let th = stride_tiles(P.in_h, P.pad_h, S_H);
  let td = stride_tiles(P.in_d, P.pad_d, S_D);
  let col = column_of(i, groups, td, th, tw, true, 1u);
  let n = col.n;
  let c4 = col.c;
  let ad = col.d;
  let aw = col.w;
  // The covering outputs: rows ah − 1 (where T_H = 2) and ah, columns aw − 1 (where T_W = 2) and aw.
  let ow1 = i32(aw);
  let ow0 = ow1 - i32(T_W - 1u);
  // The upper covering outputs (T_H = 2): the row above the run's first, then each row's.
  var c00: Cell;
  var c01: Cell;
  if (T_H > 1u) {
    c00 = cell(n, groups, c4, ad, i32(col.h_begin) - 1, ow0);
    c01 = c00;
    if (T_W > 1u) { c01 = cell(n, groups, c4, ad, i32(col.h_begin) - 1, ow1); }
  }
  let base = n * in_plane() * groups + c4;
  for (var ah = col.h_begin; ah < col.h_end; ah++) {
    let c10 = cell(n, groups, c4, ad, i32(ah), ow0);
    var c11 = c10;
    if (T_W > 1u) { c11 = cell(n, groups, c4, ad, i32(ah), ow1); }
    if (T_H == 1u) {
      c00 = c10;
      c01 = c11;
    }
    for (var sd = 0u; sd < S_D; sd++) {
      let d = i32(ad * S_D + sd) - P.pad_d;
      for (var sh = 0u; sh < S_H; sh++) {
        let h = i32(ah * S_H + sh) - P.pad_h;
        for (var sw = 0u; sw < S_W; sw++) {
          let w = i32(aw * S_W + sw) - P.pad_w;
          let inside = (d >= 0) & (d < i32(P.in_d)) & (h >= 0) & (h < i32(P.in_h)) & (w >= 0) & (w < i32(P.in_w));
          if (inside) {
            let s = (u32(d) * P.in_h + u32(h)) * P.in_w + u32(w);
            grad_in4[base + s * groups] = to_word4(gather(c00, c01, c10, c11, s));
          }
        }
      }
    }
    c00 = c10;
    c01 = c11;
  }
}

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
// Outputs per dimension covering an input: 2 where K > S, else 1.
override T_D: u32 = 1u;
override T_H: u32 = 2u;
override T_W: u32 = 2u;

@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<float4_word>;

// Tiles along a dimension of `size` inputs, the first starting at −pad.
fn tiles(size: u32, pad: i32, s: u32) -> u32 {
  return (size + u32(pad) + s - 1u) / s;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let c4 = i % groups;
  var rest = i / groups;
  let tw = tiles(P.in_w, P.pad_w, S_W);
  let th = tiles(P.in_h, P.pad_h, S_H);
  let td = tiles(P.in_d, P.pad_d, S_D);
  let aw = rest % tw;
  rest /= tw;
  let ah = rest % th;
  rest /= th;
  let ad = rest % td;
  let n = rest / td;

  // The covering outputs' gradients and winners (out of range: no winner).
  var g: array<vec4<f32>, 8>;
  var win: array<vec4<u32>, 8>;
  var k = 0u;
  for (var kd = 0u; kd < T_D; kd++) {
    for (var kh = 0u; kh < T_H; kh++) {
      for (var kw = 0u; kw < T_W; kw++) {
        let od = i32(ad + kd) - i32(T_D - 1u);
        let oh = i32(ah + kh) - i32(T_H - 1u);
        let ow = i32(aw + kw) - i32(T_W - 1u);
        let ok = od >= 0 && od < i32(P.out_d) && oh >= 0 && oh < i32(P.out_h) && ow >= 0 && ow < i32(P.out_w);
        let o = select(0u, (n * out_plane() + (u32(od) * P.out_h + u32(oh)) * P.out_w + u32(ow)) * groups + c4, ok);
        g[k] = from_word4(grad_out4[o]);
        win[k] = select(vec4<u32>(0xffffffffu), saved_indices4[o], ok);
        k++;
      }
    }
  }

  let base = n * in_plane() * groups + c4;
  for (var sd = 0u; sd < S_D; sd++) {
    let d = i32(ad * S_D + sd) - P.pad_d;
    if (d < 0 || d >= i32(P.in_d)) { continue; }
    for (var sh = 0u; sh < S_H; sh++) {
      let h = i32(ah * S_H + sh) - P.pad_h;
      if (h < 0 || h >= i32(P.in_h)) { continue; }
      for (var sw = 0u; sw < S_W; sw++) {
        let w = i32(aw * S_W + sw) - P.pad_w;
        if (w < 0 || w >= i32(P.in_w)) { continue; }
        let s = (u32(d) * P.in_h + u32(h)) * P.in_w + u32(w);
        var acc = vec4<f32>(0.0);
        for (var q = 0u; q < k; q++) {
          acc += select(vec4<f32>(0.0), g[q], win[q] == vec4<u32>(s));
        }
        grad_in4[base + s * groups] = to_word4(acc);
      }
    }
  }
}

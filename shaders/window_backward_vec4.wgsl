// @include window_params
// @requires float4_word from_word4 to_word4
// Backward max and average pooling for channels-last tensors whose channel
// count is a multiple of 4: the gather of window_backward.wgsl, one thread per
// input position and 4 channels, vector loads. CHANNELS_LAST is always true here.

@group(0) @binding(1) var<storage, read> grad_out4: array<float4_word>;
// Max: the forward's indices. Avg: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices4: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> grad_in4: array<float4_word>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let c4 = i % groups;
  let rest = i / groups;
  let s_in = rest % in_plane();
  let n = rest / in_plane();
  let w = i32(s_in % P.in_w);
  let h = i32((s_in / P.in_w) % P.in_h);
  let d = i32(s_in / (P.in_w * P.in_h));

  var acc = vec4<f32>(0.0);
  let rd = covering_range(d, P.pad_d, P.k_d, P.dil_d, P.stride_d, P.out_d);
  let rh = covering_range(h, P.pad_h, P.k_h, P.dil_h, P.stride_h, P.out_h);
  let rw = covering_range(w, P.pad_w, P.k_w, P.dil_w, P.stride_w, P.out_w);
  let base = n * out_plane() * groups + c4;
  for (var od = rd.x; od < rd.y; od++) {
    if (!hits(d, P.pad_d, od, P.dil_d, P.stride_d)) { continue; }
    let span_d = divisor_span(od, P.stride_d, P.pad_d, P.k_d, P.dil_d, P.in_d, P.pad_after_d);
    for (var oh = rh.x; oh < rh.y; oh++) {
      if (!hits(h, P.pad_h, oh, P.dil_h, P.stride_h)) { continue; }
      let span_dh = span_d * divisor_span(oh, P.stride_h, P.pad_h, P.k_h, P.dil_h, P.in_h, P.pad_after_h);
      for (var ow = rw.x; ow < rw.y; ow++) {
        if (!hits(w, P.pad_w, ow, P.dil_w, P.stride_w)) { continue; }
        let s_out = (u32(od) * P.out_h + u32(oh)) * P.out_w + u32(ow);
        let o = base + s_out * groups;
        if (MODE == MODE_MAX) {
          acc += select(vec4<f32>(0.0), from_word4(grad_out4[o]), saved_indices4[o] == vec4<u32>(s_in));
        } else {
          let divisor = select(span_dh * divisor_span(ow, P.stride_w, P.pad_w, P.k_w, P.dil_w, P.in_w, P.pad_after_w),
                               P.divisor_override, P.divisor_override != 0.0);
          acc += from_word4(grad_out4[o]) / divisor;
        }
      }
    }
  }
  grad_in4[i] = to_word4(acc);
}

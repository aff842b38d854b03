// @include window_params
// @requires float4_word from_word4 to_word4
// Forward window pooling for channels-last tensors whose channel count is a
// multiple of 4: one thread per output position and 4 channels, vector loads.
// Same semantics as window_forward.wgsl (max with PyTorch's NaN and tie rules,
// average with its divisor, power-average); CHANNELS_LAST is always true here.

@group(0) @binding(1) var<storage, read> x4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> y4: array<float4_word>;
@group(0) @binding(3) var<storage, read_write> indices4: array<vec4<u32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let groups = P.channels / 4u;
  let c4 = i % groups;
  let rest = i / groups;
  let out_s = rest % out_plane();
  let n = rest / out_plane();
  let start = window_start(out_s);
  let plane = in_plane();
  let base = n * plane * groups + c4;
  let lo = tap_lo(start);
  let hi = tap_hi(start);

  var best = vec4<f32>(f32_neg_inf());
  // A window whose every element is passed over (NAN_IGNORE) reports its first;
  // one of padding only (largePadding), none (−1).
  var best_s = vec4<u32>(select(first_tap_index(start, lo), NO_INDEX, any(lo >= hi)));
  var saw_nan = vec4<bool>(false);
  var found = vec4<bool>(false);
  var sum = vec4<f32>(0.0);
  for (var kd = lo.x; kd < hi.x; kd++) {
    let d = u32(start.x + i32(kd * P.dil_d));
    for (var kh = lo.y; kh < hi.y; kh++) {
      let dh = d * P.in_h + u32(start.y + i32(kh * P.dil_h));
      for (var kw = lo.z; kw < hi.z; kw++) {
        let s = dh * P.in_w + u32(start.z + i32(kw * P.dil_w));
        let v = from_word4(x4[base + s * groups]);
        if (MODE == MODE_MAX) {
          // NAN_IGNORE (TensorFlow): a NaN lane is passed over as if absent.
          let skip = is_nan4(v) & vec4<bool>(NAN_IGNORE);
          let nan = is_nan4(v) & !skip;
          let take = !skip & (nan | (!saw_nan & (!found | (v > best))));
          best = select(best, v, take);
          best_s = select(best_s, vec4<u32>(s), take);
          saw_nan = saw_nan | nan;
          found = found | !skip;
        } else {
          sum += v;
        }
      }
    }
  }
  if (MODE == MODE_MAX) {
    y4[i] = to_word4(best);
    if (INDICES) { indices4[i] = best_s; }
  } else {
    y4[i] = to_word4(sum / avg_divisor(start));
  }
}

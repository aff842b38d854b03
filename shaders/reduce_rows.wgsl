// Whole-map reductions of small maps, one thread per (n, c) row: where a map has
// few elements a workgroup per row would mostly idle and pay for its barriers.
// Modes AVG, MAX and GEM, with reduce_forward.wgsl's results (sums in another
// order). Channels-first rows are contiguous and read as vec4s, the first and
// last masked to the row; channels-last rows (channel counts that are not a
// multiple of 4; reduce_rows_vec4.wgsl takes the others) are strided by C.
// Prepended by the host: common.wgsl, binned_params.wgsl, reduce_common.wgsl.

// The host binds tensors whose buffers hold whole vec4s (sizes rounded up to 16 bytes).
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// MAX: the winner's flat plane index. Other modes bind a placeholder.
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;

// The summed term of an element: itself, or GeM's clamp(v)^p.
fn term(v: f32) -> f32 {
  if (MODE == MODE_GEM) { return pow_real(clamp_eps(v), P.p); }
  return v;
}

// Four interleaved partial results of a contiguous row: component t folds the
// row's elements at offsets ≡ t (mod 4) from the vec4 boundary, in order.
struct Partial4 {
  best: vec4<f32>,
  best_s: vec4<u32>,
  sum: vec4<f32>,
}

fn fold4(acc: ptr<function, Partial4>, v: vec4<f32>, s: vec4<u32>, ok: vec4<bool>) {
  if (MODE == MODE_MAX) {
    // fold_max per component: the first element, a greater one, or a NaN takes.
    let take = ok & ((v > (*acc).best) | is_nan4(v) | ((*acc).best_s == vec4<u32>(NO_INDEX)));
    (*acc).best = select((*acc).best, v, take);
    (*acc).best_s = select((*acc).best_s, s, take);
  } else {
    let t = vec4<f32>(term(v.x), term(v.y), term(v.z), term(v.w));
    (*acc).sum += select(vec4<f32>(0.0), t, ok);
  }
}

fn finish(row: u32, acc: Partial4) {
  if (MODE == MODE_MAX) {
    var best = Candidate(acc.best.x, acc.best_s.x);
    for (var t = 1u; t < 4u; t++) {
      let c = Candidate(acc.best[t], acc.best_s[t]);
      if (beats(best, c)) { best = c; }
    }
    y[row] = best.value;
    indices[row] = best.index;
    return;
  }
  let mean = (acc.sum.x + acc.sum.y + acc.sum.z + acc.sum.w) / f32(in_plane());
  if (MODE == MODE_GEM) {
    y[row] = pow_real(mean, 1.0 / P.p);
  } else {
    y[row] = mean;
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = thread_index(wid, nwg, lid);
  if (row >= P.total) { return; }
  let plane = in_plane();
  var acc = Partial4(vec4<f32>(f32_neg_inf()), vec4<u32>(NO_INDEX), vec4<f32>(0.0));

  if (CHANNELS_LAST) {
    // Element s of row (n, c) at (n * plane + s) * C + c: one component per step.
    let n = row / P.channels;
    let c = row % P.channels;
    for (var s = 0u; s < plane; s++) {
      let e = (n * plane + s) * P.channels + c;
      let v = vec4<f32>(x4[e / 4u][e % 4u]);
      fold4(&acc, v, vec4<u32>(s), vec4<bool>(true, false, false, false));
    }
    finish(row, acc);
    return;
  }

  // The row is floats [first, end): vec4s [q_first, q_end), the first and the last
  // (which may hold other rows' elements) masked.
  let first = row * plane;
  let end = first + plane;
  let q_first = first / 4u;
  let q_last = (end - 1u) / 4u;
  let lanes = vec4<u32>(0u, 1u, 2u, 3u);
  var e = vec4<u32>(4u * q_first) + lanes;
  fold4(&acc, x4[q_first], e - vec4<u32>(first), (e >= vec4<u32>(first)) & (e < vec4<u32>(end)));
  for (var q = q_first + 1u; q < q_last; q++) {
    e += vec4<u32>(4u);
    fold4(&acc, x4[q], e - vec4<u32>(first), vec4<bool>(true));
  }
  if (q_last > q_first) {
    e = vec4<u32>(4u * q_last) + lanes;
    fold4(&acc, x4[q_last], e - vec4<u32>(first), e < vec4<u32>(end));
  }
  finish(row, acc);
}

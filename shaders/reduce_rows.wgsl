// @include reduce_common
// Whole-map reductions (global avg / max pooling, GeM) one thread per chunk of a
// row: the host splits each (n, c) row into `chunks` chunks of `chunk` elements
// and runs passes until one chunk is left (ROWS_MAX_PLANE elements or fewer per
// row: one pass). A pass that is not LAST writes each chunk's partial result (a
// sum, or max pooling's candidate) in the layout of the input, for the next pass
// to reduce as a row of `chunks` elements. No barriers and no atomics: the same
// inputs give the same results on every run.
// Channels-first rows are contiguous and read as vec4s, the first and last masked
// to the chunk; channels-last rows (channel counts that are not a multiple of 4;
// reduce_rows_vec4.wgsl takes the others) are strided by C.

// Whether this pass reads the map itself (else the previous pass's partial
// results), and whether it writes the final result (else partial results).
override FIRST: bool = true;
override LAST: bool = true;

// The host binds tensors whose buffers hold whole vec4s (sizes rounded up to 16 bytes).
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// MAX: the winner's flat plane index. Other modes bind a placeholder.
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;
// MAX after the first pass: the partial results' indices. Otherwise a placeholder.
@group(0) @binding(4) var<storage, read> partial_indices4: array<vec4<u32>>;

// The summed term of an element: itself, or GeM's clamp(v)^p (first pass only).
fn term(v: f32) -> f32 {
  if (MODE == MODE_GEM && FIRST) { return pow_real(clamp_eps(v), P.p); }
  return v;
}

// Four interleaved partial results of a contiguous span: component t folds the
// span's elements at offsets ≡ t (mod 4) from the vec4 boundary, in order.
struct Partial4 {
  best: vec4<f32>,
  best_s: vec4<u32>,
  sum: vec4<f32>,
}

// Folds vec4 q of the input, whose elements are at plane indices s (or, after the
// first pass, whose candidates carry their own), where `ok`.
fn fold4(acc: ptr<function, Partial4>, q: u32, s: vec4<u32>, ok: vec4<bool>) {
  let v = x4[q];
  if (MODE == MODE_MAX) {
    let index = select(s, partial_indices4[q], !FIRST && INDICES);
    // fold_max per component: the first element, a greater one, or a NaN takes.
    let take = ok & ((v > (*acc).best) | is_nan4(v) | ((*acc).best_s == vec4<u32>(NO_INDEX)));
    (*acc).best = select((*acc).best, v, take);
    (*acc).best_s = select((*acc).best_s, index, take);
  } else {
    let t = vec4<f32>(term(v.x), term(v.y), term(v.z), term(v.w));
    (*acc).sum += select(vec4<f32>(0.0), t, ok);
  }
}

// Writes output o: the chunk's partial result, or (LAST) the row's result.
fn finish(o: u32, acc: Partial4) {
  if (MODE == MODE_MAX) {
    var best = Candidate(acc.best.x, acc.best_s.x);
    for (var t = 1u; t < 4u; t++) {
      let c = Candidate(acc.best[t], acc.best_s[t]);
      if (beats(best, c)) { best = c; }
    }
    y[o] = best.value;
    if (INDICES) { indices[o] = best.index; }
    return;
  }
  let total = acc.sum.x + acc.sum.y + acc.sum.z + acc.sum.w;
  y[o] = finish_sum(total);
}

// A row's sum as the mode's result (LAST), or as it is (a partial result).
fn finish_sum(total: f32) -> f32 {
  if (!LAST) { return total; }
  let mean = total / P.row_divisor;
  if (MODE == MODE_GEM) { return pow_real(mean, 1.0 / P.p); }
  return mean;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let plane = in_plane();
  var acc = Partial4(vec4<f32>(f32_neg_inf()), vec4<u32>(NO_INDEX), vec4<f32>(0.0));

  if (CHANNELS_LAST) {
    // Thread i is (n, chunk, c), as its output sits; element s of row (n, c) is at
    // (n * plane + s) * C + c: one component per step.
    let c = i % P.channels;
    let rest = i / P.channels;
    let lo = (rest % P.chunks) * P.chunk;
    let hi = min(plane, lo + P.chunk);
    let n = rest / P.chunks;
    for (var s = lo; s < hi; s++) {
      let e = (n * plane + s) * P.channels + c;
      // The element's component, alone, through the same fold.
      let lane = vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(e % 4u);
      fold4(&acc, e / 4u, vec4<u32>(s), lane);
    }
    finish(i, acc);
    return;
  }

  // Thread i is (row, chunk): floats [first, end) of the input, vec4s
  // [q_first, q_last], the first and the last (which may hold other rows' or
  // chunks' elements) masked.
  let row = i / P.chunks;
  let lo = (i % P.chunks) * P.chunk;
  let first = row * plane + lo;
  let end = row * plane + min(plane, lo + P.chunk);
  let q_first = first / 4u;
  let q_last = (end - 1u) / 4u;
  let lanes = vec4<u32>(0u, 1u, 2u, 3u);
  let row_start = vec4<u32>(row * plane);
  var e = vec4<u32>(4u * q_first) + lanes;
  fold4(&acc, q_first, e - row_start, (e >= vec4<u32>(first)) & (e < vec4<u32>(end)));
  for (var q = q_first + 1u; q < q_last; q++) {
    e += vec4<u32>(4u);
    fold4(&acc, q, e - row_start, vec4<bool>(true));
  }
  if (q_last > q_first) {
    e = vec4<u32>(4u * q_last) + lanes;
    fold4(&acc, q_last, e - row_start, e < vec4<u32>(end));
  }
  finish(i, acc);
}

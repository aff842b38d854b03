// @include window_small_span
// @requires float4_word to_word4
// Forward max and average pooling over small 2-D windows (as in
// window_forward_rolling_vec4.wgsl: K_H, K_W ≤ 3, no dilation along H, each
// output row adding min(S_H, K_H) ≤ 2 rows) for channels-first tensors whose
// input and output rows are whole vec4s: one thread makes 4 neighbouring outputs
// of a row, for up to P.rows output rows top to bottom. Each input row's span
// (window_small_span.wgsl) is loaded once: an output row loads only the rows its
// windows add and carries the K_H - S_H rows (if any) it shares with the next
// one (their spans, or for max the 4 windows' winners in them). The
// channels-first twin of window_forward_rolling_vec4.wgsl, with its semantics:
// the first maximum wins ties, the last NaN wins, padding never wins; average
// divides the in-order sum by PyTorch's divisor.

@group(0) @binding(1) var<storage, read> x4: array<float4_word>;
@group(0) @binding(2) var<storage, read_write> y4: array<float4_word>;
@group(0) @binding(3) var<storage, read_write> indices4: array<vec4<u32>>;

// The carried rows, top first: their spans (average) or the 4 windows' winners in them (max).
struct Carry {
  spans: array<Span, 2>,
  best: array<Best, 2>,
}

// Tap k of the 4 windows in a span: element e = j · S_W + A_W + k · D_W for window j.
fn taps(span: Span, k: u32) -> vec4<f32> {
  let e = A_W + k * D_W;
  return vec4<f32>(span_elem(span, e), span_elem(span, e + S_W), span_elem(span, e + 2u * S_W), span_elem(span, e + 3u * S_W));
}

// The 4 windows' winners in a span of the row at plane index row_s: each starts
// from its first tap with the index of its first real tap (padding never wins).
fn span_best(span: Span, row_s: u32, col0: i32, w0: i32) -> Best {
  let s = i32(S_W);
  var best: Best;
  best.v = taps(span, 0u);
  best.s = vec4<u32>(row_s) + vec4<u32>(vec4<i32>(first_tap(w0, D_W), first_tap(w0 + s, D_W), first_tap(w0 + 2 * s, D_W), first_tap(w0 + 3 * s, D_W)));
  let cols = vec4<u32>(vec4<i32>(col0 + i32(A_W)) + vec4<i32>(0, s, 2 * s, 3 * s));
  if (K_W > 1u) { take(&best, taps(span, 1u), vec4<u32>(row_s) + cols + vec4<u32>(D_W)); }
  if (K_W > 2u) { take(&best, taps(span, 2u), vec4<u32>(row_s) + cols + vec4<u32>(2u * D_W)); }
  return best;
}

// A window row into the 4 outputs: max takes the row's winners, average adds its taps in order.
fn fold_row(acc: ptr<function, Best>, sum: ptr<function, vec4<f32>>, span: Span, row: Best) {
  if (MODE == MODE_MAX) {
    take(acc, row.v, row.s);
  } else {
    *sum += taps(span, 0u);
    if (K_W > 1u) { *sum += taps(span, 1u); }
    if (K_W > 2u) { *sum += taps(span, 2u); }
  }
}

// Row h as the carried row c (before the first output row).
fn carry_row(carry: ptr<function, Carry>, c: u32, base4: u32, h: i32, q0: i32, col0: i32, w0: i32) {
  let span = load_span(base4 + u32(h) * (P.in_w / 4u), q0, inside(h, P.in_h));
  (*carry).spans[c] = span;
  if (MODE == MODE_MAX) { (*carry).best[c] = span_best(span, u32(h) * P.in_w, col0, w0); }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let quads = P.out_w / 4u;
  let chunks = (P.out_h + P.rows - 1u) / P.rows;
  let ow4 = i % quads;
  let rest = i / quads;
  let chunk = rest % chunks;
  let nc = rest / chunks;
  let base4 = nc * (in_plane() / 4u);
  // Column of output 4·ow4's first tap, and the first column of its span's first vec4.
  let w0 = i32(ow4 * 4u * S_W) - P.pad_w;
  let col0 = w0 - i32(A_W);
  let q0 = col0 / 4; // exact: col0 is a multiple of 4
  let oh_begin = chunk * P.rows;
  let oh_end = min(oh_begin + P.rows, P.out_h);
  let s = i32(S_W);
  let first_w = vec4<u32>(vec4<i32>(first_tap(w0, D_W), first_tap(w0 + s, D_W), first_tap(w0 + 2 * s, D_W), first_tap(w0 + 3 * s, D_W)));

  var carry: Carry;
  let first_top = i32(oh_begin * S_H) - P.pad_h;
  if (carried() > 0u) { carry_row(&carry, 0u, base4, first_top, q0, col0, w0); }
  if (carried() > 1u) { carry_row(&carry, 1u, base4, first_top + 1, q0, col0, w0); }

  var o = (nc * P.out_h + oh_begin) * quads + ow4;
  for (var oh = oh_begin; oh < oh_end; oh++) {
    let top = i32(oh * S_H) - P.pad_h;
    let h0 = top + i32(carried());
    let span0 = load_span(base4 + u32(h0) * (P.in_w / 4u), q0, inside(h0, P.in_h));
    var span1: Span;
    var best0: Best;
    var best1: Best;
    if (fresh() > 1u) { span1 = load_span(base4 + u32(h0 + 1) * (P.in_w / 4u), q0, inside(h0 + 1, P.in_h)); }
    if (MODE == MODE_MAX) {
      best0 = span_best(span0, u32(h0) * P.in_w, col0, w0);
      if (fresh() > 1u) { best1 = span_best(span1, u32(h0 + 1) * P.in_w, col0, w0); }
    }
    var acc: Best;
    acc.v = vec4<f32>(outside_value());
    acc.s = vec4<u32>(u32(first_tap(top, 1u)) * P.in_w) + first_w;
    var sum = vec4<f32>(0.0);
    if (carried() > 0u) { fold_row(&acc, &sum, carry.spans[0], carry.best[0]); }
    if (carried() > 1u) { fold_row(&acc, &sum, carry.spans[1], carry.best[1]); }
    fold_row(&acc, &sum, span0, best0);
    if (fresh() > 1u) { fold_row(&acc, &sum, span1, best1); }
    if (MODE == MODE_AVG) {
      let start = vec3<i32>(0, top, w0);
      let divisor = vec4<f32>(avg_divisor(start), avg_divisor(start + vec3<i32>(0, 0, s)),
                              avg_divisor(start + vec3<i32>(0, 0, 2 * s)), avg_divisor(start + vec3<i32>(0, 0, 3 * s)));
      y4[o] = to_word4(sum / divisor);
    } else {
      y4[o] = to_word4(acc.v);
      if (INDICES) { indices4[o] = acc.s; }
    }
    // The next windows start S_H rows down: they carry these ones' last rows.
    if (carried() > 1u) {
      carry.spans[0] = carry.spans[1];
      carry.best[0] = carry.best[1];
      carry.spans[1] = span0;
      carry.best[1] = best0;
    } else if (carried() == 1u && fresh() > 1u) {
      carry.spans[0] = span1;
      carry.best[0] = best1;
    } else if (carried() == 1u) {
      carry.spans[0] = span0;
      carry.best[0] = best0;
    }
    o += quads;
  }
}

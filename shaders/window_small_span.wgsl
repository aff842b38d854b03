// @include window_small
// @requires x4 from_word4
// Spans for the channels-first kernels that make 4 neighbouring outputs of a row
// per thread (window_forward_small_rows.wgsl, window_forward_rolling_rows.wgsl):
// a window row's columns for all 4 windows as NV vec4s, loaded once, each tap
// picked out of them at an index the override constants fix.

// Dilation along W (equal to the uniform's); with S_W it places every tap.
override D_W: u32 = 1u;
// (-pad_w) mod 4: where the first window's first column sits in its vec4.
override A_W: u32 = 0u;
// vec4s covering the columns of 4 neighbouring windows (1 to 4).
override NV: u32 = 1u;


// One window row's columns as NV vec4s (outside the input: outside_value()).
struct Span {
  v: array<vec4<f32>, 4>,
}

fn load4(at: u32, ok: bool) -> vec4<f32> {
  return select(vec4<f32>(outside_value()), from_word4(x4[select(0u, at, ok)]), vec4<bool>(ok));
}

fn load_span(row4: u32, q0: i32, row_ok: bool) -> Span {
  let wq = i32(P.in_w / 4u);
  var span: Span;
  span.v[0] = load4(row4 + u32(q0), row_ok & (!CLIPPED | ((q0 >= 0) & (q0 < wq))));
  if (NV > 1u) { span.v[1] = load4(row4 + u32(q0 + 1), row_ok & (!CLIPPED | ((q0 + 1 >= 0) & (q0 + 1 < wq)))); }
  if (NV > 2u) { span.v[2] = load4(row4 + u32(q0 + 2), row_ok & (!CLIPPED | ((q0 + 2 >= 0) & (q0 + 2 < wq)))); }
  if (NV > 3u) { span.v[3] = load4(row4 + u32(q0 + 3), row_ok & (!CLIPPED | ((q0 + 3 >= 0) & (q0 + 3 < wq)))); }
  return span;
}

// Element e of a span (e is a constant where it is called, so this is a register pick).
fn span_elem(span: Span, e: u32) -> f32 { return span.v[e / 4u][e % 4u]; }

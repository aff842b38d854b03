// @include window_small
// @requires x4 from_word4
// Rows of cells for the channels-last kernels that make several neighbouring
// outputs per thread from one row of input loaded once (window_forward_block_vec4.wgsl,
// window_forward_rolling_vec4.wgsl): B_W outputs along W, their windows' columns
// side by side, and max pooling's winner over one window row.


// Outputs per thread along W (1 or 2); the host picks it so it divides the output's width.
override B_W: u32 = 1u;
// Dilation along W (equal to the uniform's): with S_W it places every tap.
override D_W: u32 = 1u;

// Columns of input the B_W windows of a row span.
fn region_w() -> u32 { return (B_W - 1u) * S_W + (K_W - 1u) * D_W + 1u; }

// One row of the region: its cells (outside the input: outside_value()).
struct Cells {
  v: array<vec4<f32>, 5>,
}

fn load_cell(cells: ptr<function, Cells>, base: u32, groups: u32, row_s: u32, row_ok: bool, w0: i32, q: u32) {
  if (q < region_w()) {
    let w = w0 + i32(q);
    let ok = row_ok & inside(w, P.in_w);
    (*cells).v[q] = select(vec4<f32>(outside_value()), from_word4(x4[select(0u, base + (row_s + u32(w)) * groups, ok)]), vec4<bool>(ok));
  }
}

// Row h (plane index row_s = h · in_w of its depth plane, inside the input where
// row_ok) from column w0: the region_w() cells.
fn load_row(base: u32, groups: u32, row_s: u32, row_ok: bool, w0: i32) -> Cells {
  var cells: Cells;
  load_cell(&cells, base, groups, row_s, row_ok, w0, 0u);
  load_cell(&cells, base, groups, row_s, row_ok, w0, 1u);
  load_cell(&cells, base, groups, row_s, row_ok, w0, 2u);
  load_cell(&cells, base, groups, row_s, row_ok, w0, 3u);
  load_cell(&cells, base, groups, row_s, row_ok, w0, 4u);
  return cells;
}

// Max over the taps of block column bw's window in this row: the row's winner,
// first maximum or last NaN. It starts from the first tap with the index of the
// row's first real tap, so a padded tap (-inf) never wins.
fn row_best(cells: ptr<function, Cells>, bw: u32, row_s: u32, w0: i32) -> Best {
  let q0 = bw * S_W;
  var best: Best;
  best.v = (*cells).v[q0];
  best.s = vec4<u32>(row_s + u32(first_tap(w0 + i32(q0), D_W)));
  if (K_W > 1u) { take(&best, (*cells).v[q0 + D_W], vec4<u32>(row_s + u32(w0 + i32(q0 + D_W)))); }
  if (K_W > 2u) { take(&best, (*cells).v[q0 + 2u * D_W], vec4<u32>(row_s + u32(w0 + i32(q0 + 2u * D_W)))); }
  return best;
}


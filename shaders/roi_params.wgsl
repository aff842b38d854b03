// @include common
// Region pooling's shared declarations (roi_align_*, roi_pool_*): the uniforms,
// the per-box record the host computes, and which input channel an output bin
// reads. Box geometry is never computed here: the host computes it once with
// src/roi-spec.ts (the CPU reference's functions) and uploads it, so every cut
// and sample falls where the reference's does.

struct RoiParams {
  // Threads: output cells (forward), or input positions times channel groups (backward).
  total: u32,
  // Input channels C, and output channels (C, or C / (out_h · out_w) position-sensitive).
  channels: u32,
  out_channels: u32,
  // The input map.
  height: u32,
  width: u32,
  // Bins per box.
  out_h: u32,
  out_w: u32,
  // Backward: input rows per band, and bands per batch item, of the box lists.
  band_rows: u32,
  bands: u32,
}

// One box, as the host wrote it (src/ops/roi.ts, ROI_BOX). Its tables start at
// rows_at and cols_at: for the align ops in `samples` (out_h bin starts, then
// grid_h sample offsets; the same along columns), for the pool ops in `bins`
// (out_h pairs [h0, h1), out_w pairs [w0, w1)).
struct RoiBox {
  batch: u32,
  grid_h: u32,
  grid_w: u32,
  rows_at: u32,
  cols_at: u32,
}

// Set per pipeline: bin (i, j) of output channel c reads input channel
// (c · out_h + i) · out_w + j (ps_roi_align, ps_roi_pool), else channel c.
override POSITION_SENSITIVE: bool = false;

@group(0) @binding(0) var<uniform> P: RoiParams;

// The input channel output channel c reads at bin (ph, pw) (roiInputChannel in src/roi-spec.ts).
fn roi_input_channel(c: u32, ph: u32, pw: u32) -> u32 {
  if (POSITION_SENSITIVE) { return (c * P.out_h + ph) * P.out_w + pw; }
  return c;
}

// The output bins that read input channel `cin`: their output channel c, bin rows
// [ph_first, ph_end) and columns [pw_first, pw_end). Position-sensitive: one bin;
// else every bin of channel cin.
struct RoiBinRange {
  c: u32,
  ph_first: u32,
  ph_end: u32,
  pw_first: u32,
  pw_end: u32,
}

fn roi_bins_reading(cin: u32) -> RoiBinRange {
  if (POSITION_SENSITIVE) {
    let ph = (cin / P.out_w) % P.out_h;
    let pw = cin % P.out_w;
    return RoiBinRange(cin / (P.out_h * P.out_w), ph, ph + 1u, pw, pw + 1u);
  }
  return RoiBinRange(cin, 0u, P.out_h, 0u, P.out_w);
}

// The output cell of forward invocation i: box k, output channel c, bin (ph, pw),
// and the input channel `cin` it reads.
struct RoiCell {
  k: u32,
  c: u32,
  ph: u32,
  pw: u32,
  cin: u32,
}

fn roi_output_cell(i: u32) -> RoiCell {
  let at = coords_of(i, P.out_channels, P.out_h * P.out_w);
  let ph = at.z / P.out_w;
  let pw = at.z % P.out_w;
  return RoiCell(at.x, at.y, ph, pw, roi_input_channel(at.y, ph, pw));
}

// @include roi_params modes
// Region pooling's backward, every op (roi_align, ps_roi_align, roi_pool,
// ps_roi_pool), as a gather: one invocation per input position (n, h, w) and
// group of CHANNEL_GROUP channels, summing for each channel in a fixed order
// (boxes in index order, then bins row by row) every output gradient that reads
// it, so the result is the same bits on every run, whatever the group. No atomics.
// A group shares one walk of the box lists and taps: where every channel reads
// every bin (roi_align, roi_pool) the host groups 4, so heavily overlapping boxes
// cost a quarter of the walks; position-sensitive ops read one bin a channel, 1.
//
// The host lists the boxes per batch item and band of input rows (band_offsets,
// band_boxes: CSR; a box is listed in each band its reach touches), and gives
// each box its reach (src/ops/roi-reach.ts): for every row it reaches, the bins
// that read the row and the row's weight in each; the same for columns. A bin
// reaches (h, w) when it reaches row h and column w, so a box costs a thread two
// table lookups and a product over a few taps.

// One box's reach: rows [row_first, row_first + row_count) and columns likewise;
// row h's taps are taps[reach_offsets[rows_at + h − row_first] … the next offset).
struct RoiReach {
  row_first: u32,
  row_count: u32,
  rows_at: u32,
  col_first: u32,
  col_count: u32,
  cols_at: u32,
  // An align box's samples per bin (the average's divisor); 1 for pool boxes.
  divisor: u32,
}

// A bin that reads a row (column) and what the row weighs in it: an align bin's
// summed bilinear weights, a pool bin's extent along that side.
struct RoiTap {
  bin: u32,
  weight: f32,
}

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read> reach: array<RoiReach>;
@group(0) @binding(3) var<storage, read> reach_offsets: array<u32>;
@group(0) @binding(4) var<storage, read> taps: array<RoiTap>;
// roi_pool: the forward's indices. The other ops: a placeholder.
@group(0) @binding(5) var<storage, read> saved_indices: array<i32>;
@group(0) @binding(6) var<storage, read> band_offsets: array<u32>;
@group(0) @binding(7) var<storage, read> band_boxes: array<u32>;
@group(0) @binding(8) var<storage, read_write> grad_in: array<f32>;

// Set per pipeline: the align ops weigh a tap by the product of its row and column
// weights over the box's sample count; the pool ops by MODE: MODE_MAX (roi_pool)
// passes a bin's gradient where its saved index names (h, w), MODE_AVG
// (ps_roi_pool) spreads it over the bin's cells (rows × columns).
override ALIGN: bool = true;
override MODE: u32 = MODE_AVG;
// Channels a thread gathers (1 to 4; 1 for the position-sensitive ops).
override CHANNEL_GROUP: u32 = 1u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let out_plane = P.out_h * P.out_w;
  let plane = P.height * P.width;
  // Thread i: batch item n, channels [c0, c0 + count), plane position s = h · W + w.
  let at = coords_of(i, (P.channels + CHANNEL_GROUP - 1u) / CHANNEL_GROUP, plane);
  let c0 = at.y * CHANNEL_GROUP;
  let count = min(CHANNEL_GROUP, P.channels - c0);
  let s = at.z;
  let h = s / P.width;
  let w = s % P.width;
  // The bins that read channel c0 (for a group, every bin; its channels are c0 + j).
  let reading = roi_bins_reading(c0);
  let band = at.x * P.bands + h / P.band_rows;
  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var e = band_offsets[band]; e < band_offsets[band + 1u]; e++) {
    let k = band_boxes[e];
    let r = reach[k];
    // Below the first row (column) wraps to a large u32: one test per side.
    let dh = h - r.row_first;
    let dw = w - r.col_first;
    if (dh >= r.row_count || dw >= r.col_count) { continue; }
    let row_end = reach_offsets[r.rows_at + dh + 1u];
    let col_first = reach_offsets[r.cols_at + dw];
    let col_end = reach_offsets[r.cols_at + dw + 1u];
    var box_sum = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var a = reach_offsets[r.rows_at + dh]; a < row_end; a++) {
      let row = taps[a];
      if (row.bin < reading.ph_first || row.bin >= reading.ph_end) { continue; }
      for (var b = col_first; b < col_end; b++) {
        let col = taps[b];
        if (col.bin < reading.pw_first || col.bin >= reading.pw_end) { continue; }
        let bin = row.bin * P.out_w + col.bin;
        for (var j = 0u; j < count; j++) {
          let o = offset_of(k, reading.c + j, bin, P.out_channels, out_plane);
          if (ALIGN) {
            box_sum[j] += grad_out[o] * (row.weight * col.weight);
          } else if (MODE == MODE_MAX) {
            if (saved_indices[o] == i32(s)) { box_sum[j] += grad_out[o]; }
          } else {
            box_sum[j] += grad_out[o] / (row.weight * col.weight);
          }
        }
      }
    }
    for (var j = 0u; j < count; j++) { acc[j] += box_sum[j] / f32(r.divisor); }
  }
  for (var j = 0u; j < count; j++) { grad_in[offset_of(at.x, c0 + j, s, P.channels, plane)] = acc[j]; }
}

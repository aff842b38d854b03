// @include roi_params roi_bilinear
// roi_align and ps_roi_align (POSITION_SENSITIVE), backward, as a gather: one
// invocation per input element (n, c, h, w), summing in a fixed order (boxes in
// index order, then bins row by row) every output gradient whose samples read
// it, so the result is the same bits on every run. No atomics.
//
// The boxes to visit are listed by the host per batch item and band of input
// rows (band_offsets, band_boxes: CSR; a box is listed in each band its samples'
// rows touch). A bilinear weight is the product of a row weight and a column
// weight, so a bin's share of (h, w) is (Σ row weights of its samples' rows at h)
// · (Σ column weights at w), each side found by a binary search over that side's
// samples, which rise with their index.

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read> boxes: array<RoiBox>;
@group(0) @binding(3) var<storage, read> samples: array<f32>;
@group(0) @binding(4) var<storage, read> band_offsets: array<u32>;
@group(0) @binding(5) var<storage, read> band_boxes: array<u32>;
@group(0) @binding(6) var<storage, read_write> grad_in: array<f32>;

// What one side of a bin gives row (column) r: the summed weight, and whether any
// sample read r at all (a weight of 0 still passes a NaN or infinite gradient on).
struct RoiSide {
  weight: f32,
  reads: bool,
}

// Side of bin p of a box whose table starts at `table` (out bin starts, then
// `grid` offsets), at row or column r of a side of `size`.
fn roi_side(table: u32, out: u32, p: u32, grid: u32, r: u32, size: u32) -> RoiSide {
  let start = samples[table + p];
  let offsets = table + out;
  // The first sample inside the map (v ≥ −1) whose second tap reaches r: both
  // tests hold from some index on, as samples rise with their index.
  var lo = 0u;
  var hi = grid;
  while (lo < hi) {
    let mid = lo + (hi - lo) / 2u;
    let v = start + samples[offsets + mid];
    if (v >= -1.0 && roi_taps(v, size).hi >= r) { hi = mid; } else { lo = mid + 1u; }
  }
  var side = RoiSide(0.0, false);
  for (var s = lo; s < grid; s++) {
    let v = start + samples[offsets + s];
    // Past the map's far edge, or past r: so are the samples after it.
    if (!roi_sample_inside(v, size)) { break; }
    let t = roi_taps(v, size);
    if (t.lo > r) { break; }
    side.reads = true;
    side.weight += select(0.0, 1.0 - t.l, t.lo == r) + select(0.0, t.l, t.hi == r);
  }
  return side;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let out_plane = P.out_h * P.out_w;
  let element = roi_input_element(i);
  let h = element.h;
  let w = element.w;
  let reading = element.reading;
  let band = element.band;
  var acc = 0.0;
  for (var e = band_offsets[band]; e < band_offsets[band + 1u]; e++) {
    let k = band_boxes[e];
    let box = boxes[k];
    var box_sum = 0.0;
    for (var ph = reading.ph_first; ph < reading.ph_end; ph++) {
      let row = roi_side(box.rows_at, P.out_h, ph, box.grid_h, h, P.height);
      if (!row.reads) { continue; }
      for (var pw = reading.pw_first; pw < reading.pw_end; pw++) {
        let col = roi_side(box.cols_at, P.out_w, pw, box.grid_w, w, P.width);
        if (!col.reads) { continue; }
        box_sum += grad_out[offset_of(k, reading.c, ph * P.out_w + pw, P.out_channels, out_plane)] * (row.weight * col.weight);
      }
    }
    // Each sample weighs 1 / (grid_h · grid_w) in its bin's average.
    acc += box_sum / f32(max(box.grid_h * box.grid_w, 1u));
  }
  grad_in[i] = acc;
}

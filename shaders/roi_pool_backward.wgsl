// @include roi_params modes
// roi_pool (MODE_MAX) and ps_roi_pool (MODE_AVG, POSITION_SENSITIVE), backward,
// as a gather: one invocation per input element (n, c, h, w), summing in a fixed
// order (boxes in index order, then bins row by row) so the result is the same
// bits on every run. No atomics. The boxes to visit are listed by the host per
// batch item and band of input rows (band_offsets, band_boxes: CSR; a box is
// listed in each band its bins' rows touch). Max: a bin passes its gradient to
// (h, w) when its saved index names it (an index outside its bin, which the
// forward never writes, passes none). Average: every cell of the bin, clipped
// at the map's size (torchvision's backward bins), gets gradient / cells.

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read> boxes: array<RoiBox>;
@group(0) @binding(3) var<storage, read> bins: array<u32>;
// Max: the forward's indices. Average: a placeholder.
@group(0) @binding(4) var<storage, read> saved_indices: array<i32>;
@group(0) @binding(5) var<storage, read> band_offsets: array<u32>;
@group(0) @binding(6) var<storage, read> band_boxes: array<u32>;
@group(0) @binding(7) var<storage, read_write> grad_in: array<f32>;

// Set per pipeline: MODE_MAX (roi_pool) or MODE_AVG (ps_roi_pool).
override MODE: u32 = MODE_MAX;

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
    for (var ph = reading.ph_first; ph < reading.ph_end; ph++) {
      let h0 = bins[box.rows_at + 2u * ph];
      let h1 = bins[box.rows_at + 2u * ph + 1u];
      if (h < h0 || h >= h1) { continue; }
      for (var pw = reading.pw_first; pw < reading.pw_end; pw++) {
        let w0 = bins[box.cols_at + 2u * pw];
        let w1 = bins[box.cols_at + 2u * pw + 1u];
        if (w < w0 || w >= w1) { continue; }
        let o = offset_of(k, reading.c, ph * P.out_w + pw, P.out_channels, out_plane);
        if (MODE == MODE_MAX) {
          if (saved_indices[o] == i32(element.s)) { acc += grad_out[o]; }
        } else {
          acc += grad_out[o] / f32((h1 - h0) * (w1 - w0));
        }
      }
    }
  }
  grad_in[i] = acc;
}

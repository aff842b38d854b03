// @include roi_params roi_bilinear
// roi_align and ps_roi_align (POSITION_SENSITIVE), forward: one invocation per
// output cell (box k, channel c, bin ph, pw), averaging the bin's grid_h × grid_w
// bilinear samples. Sample coordinates are the host's bin start plus the host's
// sample offset, one f32 addition: alignSample's value, bit for bit.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> boxes: array<RoiBox>;
@group(0) @binding(3) var<storage, read> samples: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let cell = roi_output_cell(i);
  let ph = cell.ph;
  let pw = cell.pw;
  let box = boxes[cell.k];
  let cin = cell.cin;
  let plane = P.height * P.width;
  let row_start = samples[box.rows_at + ph];
  let col_start = samples[box.cols_at + pw];
  var sum = 0.0;
  for (var iy = 0u; iy < box.grid_h; iy++) {
    let sy = row_start + samples[box.rows_at + P.out_h + iy];
    if (!roi_sample_inside(sy, P.height)) { continue; }
    let ty = roi_taps(sy, P.height);
    for (var ix = 0u; ix < box.grid_w; ix++) {
      let sx = col_start + samples[box.cols_at + P.out_w + ix];
      if (!roi_sample_inside(sx, P.width)) { continue; }
      let tx = roi_taps(sx, P.width);
      let v00 = x[offset_of(box.batch, cin, ty.lo * P.width + tx.lo, P.channels, plane)];
      let v01 = x[offset_of(box.batch, cin, ty.lo * P.width + tx.hi, P.channels, plane)];
      let v10 = x[offset_of(box.batch, cin, ty.hi * P.width + tx.lo, P.channels, plane)];
      let v11 = x[offset_of(box.batch, cin, ty.hi * P.width + tx.hi, P.channels, plane)];
      let hy = 1.0 - ty.l;
      let hx = 1.0 - tx.l;
      sum += hy * hx * v00 + hy * tx.l * v01 + ty.l * hx * v10 + ty.l * tx.l * v11;
    }
  }
  // An empty grid (a degenerate box, adaptive sampling) averages nothing: 0.
  y[i] = sum / f32(max(box.grid_h * box.grid_w, 1u));
}

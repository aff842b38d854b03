// @include roi_params modes
// roi_pool (MODE_MAX) and ps_roi_pool (MODE_AVG, POSITION_SENSITIVE), forward:
// one invocation per output cell (box k, channel c, bin ph, pw) over the bin's
// cells [h0, h1) × [w0, w1), which the host rounded and clipped (poolBin).
// Max: torchvision's rules, a value wins only when strictly greater than the
// best so far, which starts at −FLT_MAX with index NO_INDEX (so NaN and −∞
// never win); an empty bin gives 0 and NO_INDEX. Average: 0 for an empty bin.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> boxes: array<RoiBox>;
@group(0) @binding(3) var<storage, read> bins: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
// Max: the winners' plane indices h · W + w. Average: a placeholder.
@group(0) @binding(5) var<storage, read_write> out_indices: array<i32>;

// Set per pipeline: MODE_MAX (roi_pool) or MODE_AVG (ps_roi_pool).
override MODE: u32 = MODE_MAX;

// torchvision's start value of a bin's max (−FLT_MAX), and the index of a bin no value won.
const FLT_MAX: f32 = 0x1.fffffep+127f;
const NO_INDEX: i32 = -1i;

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
  let h0 = bins[box.rows_at + 2u * ph];
  let h1 = bins[box.rows_at + 2u * ph + 1u];
  let w0 = bins[box.cols_at + 2u * pw];
  let w1 = bins[box.cols_at + 2u * pw + 1u];
  let empty = h1 <= h0 || w1 <= w0;
  if (MODE == MODE_MAX) {
    var best = select(-FLT_MAX, 0.0, empty);
    var best_at = NO_INDEX;
    for (var h = h0; h < h1; h++) {
      for (var w = w0; w < w1; w++) {
        let v = x[offset_of(box.batch, cin, h * P.width + w, P.channels, plane)];
        if (v > best) {
          best = v;
          best_at = i32(h * P.width + w);
        }
      }
    }
    y[i] = best;
    out_indices[i] = best_at;
  } else {
    var sum = 0.0;
    for (var h = h0; h < h1; h++) {
      for (var w = w0; w < w1; w++) {
        sum += x[offset_of(box.batch, cin, h * P.width + w, P.channels, plane)];
      }
    }
    y[i] = select(sum / f32((h1 - h0) * (w1 - w0)), 0.0, empty);
  }
}

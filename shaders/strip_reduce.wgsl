// @include binned_params
// Strip pooling's reduction (Hou et al. 2020), rank 2: one invocation per
// output element of two tensors, the row strip [N, C, H, 1] (each row summed
// over W, divided by row_divisor) and then the column strip [N, C, 1, W] (each
// column summed over H, divided by col_divisor), both in the input's layout.
// Strip pooling's forward divides by W and H; the backward of the expand-and-add
// step, which is this kernel's adjoint, divides by 1.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> rows: array<f32>;
@group(0) @binding(3) var<storage, read_write> cols: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let height = P.in_h;
  let width = P.in_w;
  let plane = height * width;
  let row_count = P.batch * P.channels * height;
  var sum = 0.0;
  if (i < row_count) {
    let at = coords_of(i, P.channels, height);
    for (var w = 0u; w < width; w++) {
      sum += x[offset_of(at.x, at.y, at.z * width + w, P.channels, plane)];
    }
    rows[i] = sum / P.row_divisor;
  } else {
    let j = i - row_count;
    let at = coords_of(j, P.channels, width);
    for (var h = 0u; h < height; h++) {
      sum += x[offset_of(at.x, at.y, h * width + at.z, P.channels, plane)];
    }
    cols[j] = sum / P.col_divisor;
  }
}

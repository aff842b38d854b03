// @include binned_params
// Strip pooling's expand-and-add step, rank 2: one invocation per element of
// [N, C, H, W], out[n, c, h, w] = rows[n, c, h] / row_divisor + cols[n, c, w] / col_divisor,
// all in the same layout. As its own op the divisors are 1; it is also strip
// pooling's backward (rows and cols being the gradients, the divisors W and H),
// the adjoint of strip_reduce.wgsl.

@group(0) @binding(1) var<storage, read> rows: array<f32>;
@group(0) @binding(2) var<storage, read> cols: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let height = P.in_h;
  let width = P.in_w;
  let at = coords_of(i, P.channels, height * width);
  let h = at.z / width;
  let w = at.z % width;
  out[i] = rows[offset_of(at.x, at.y, h, P.channels, height)] / P.row_divisor
    + cols[offset_of(at.x, at.y, w, P.channels, width)] / P.col_divisor;
}

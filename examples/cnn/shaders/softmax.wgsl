// Softmax of each row of logits x [N, CLASSES], shifted by the row's maximum, in
// float32; x in the storage gpu.ts prepends (load_*.wgsl), the probabilities float32.
// One thread per row.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  batch: u32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<x_word>;
@group(0) @binding(2) var<storage, read_write> probabilities: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid;
  if (n >= P.batch) { return; }
  let row = n * P.classes;
  var top = load_x(row);
  for (var k = 1u; k < P.classes; k++) { top = max(top, load_x(row + k)); }
  var sum = 0.0;
  for (var k = 0u; k < P.classes; k++) { sum += exp(load_x(row + k) - top); }
  for (var k = 0u; k < P.classes; k++) { probabilities[row + k] = exp(load_x(row + k) - top) / sum; }
}

// softmax.wgsl over float16 logits [N, CLASSES] (packed two to a u32, element 2k in
// the low half of word k), computed in float32; the probabilities stay float32.
// One thread per row. Prepended at load: the engine's shaders/half.wgsl (half_of).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  batch: u32,
  classes: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> logits: array<u32>;
@group(0) @binding(2) var<storage, read_write> probabilities: array<f32>;

fn logit(i: u32) -> f32 {
  return half_of(logits[i >> 1u], i);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = (wid.y * nwg.x + wid.x) * WORKGROUP_SIZE + lid;
  if (n >= P.batch) { return; }
  let row = n * P.classes;
  var top = logit(row);
  for (var k = 1u; k < P.classes; k++) { top = max(top, logit(row + k)); }
  var sum = 0.0;
  for (var k = 0u; k < P.classes; k++) { sum += exp(logit(row + k) - top); }
  for (var k = 0u; k < P.classes; k++) { probabilities[row + k] = exp(logit(row + k) - top) / sum; }
}

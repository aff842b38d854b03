// Workgroup reduction through workgroup memory (the fallback where the device
// has no subgroups): a tree of halving strides, the same order on every run.
// reduce_sum returns the workgroup's result in invocation 0.

// Invocations per workgroup, a power of two from 16 to 256, set per pipeline:
// the host picks fewer for small maps so that fewer invocations idle.
override REDUCE_SIZE: u32 = 256u;

var<workgroup> sum_slots: array<vec2<f32>, REDUCE_SIZE>;

fn reduce_sum(lid: u32, value: vec2<f32>) -> vec2<f32> {
  sum_slots[lid] = value;
  workgroupBarrier();
  for (var stride = REDUCE_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { sum_slots[lid] += sum_slots[lid + stride]; }
    workgroupBarrier();
  }
  return sum_slots[0];
}


// @enable subgroups
// Workgroup reduction with subgroup operations; the host puts `enable subgroups;`
// at the top of the module. In each round every subgroup combines its lanes and
// its first lane writes the result to slot (local index / subgroup size), so the
// live values shrink by the subgroup size per round; four rounds reduce up to
// 256 values with the smallest subgroups WebGPU allows (4). This relies on each
// subgroup being a consecutive run of local_invocation_index
// (local_invocation_index = subgroup_id * subgroup_size + subgroup_invocation_id),
// as Chrome documents. REDUCE_SIZE is a power of two of at least 16: a subgroup
// is either full or, where the device's subgroups are wider than the workgroup,
// the whole workgroup; `width` counts its active lanes either way. The lane
// number and the subgroup size come from subgroup scans, so the entry point is
// the same in both variants.
// reduce_sum returns the workgroup's result in invocation 0.

// Invocations per workgroup, a power of two from 16 to 256, set per pipeline:
// the host picks fewer for small maps so that fewer invocations idle.
override REDUCE_SIZE: u32 = 256u;

const REDUCE_ROUNDS: u32 = 4u;
const MIN_SUBGROUP_SIZE: u32 = 4u;

var<workgroup> sum_slots: array<vec2<f32>, REDUCE_SIZE / MIN_SUBGROUP_SIZE>;

fn reduce_sum(lid: u32, value: vec2<f32>) -> vec2<f32> {
  let lane = subgroupExclusiveAdd(1u);
  let width = subgroupAdd(1u);
  var v = value;
  var live = REDUCE_SIZE;
  for (var round = 0u; round < REDUCE_ROUNDS; round++) {
    let merged = subgroupAdd(v);
    workgroupBarrier();
    if (lane == 0u) { sum_slots[lid / width] = merged; }
    workgroupBarrier();
    live = (live + width - 1u) / width;
    v = vec2<f32>(0.0);
    if (lid < live) { v = sum_slots[lid]; }
  }
  return v;
}


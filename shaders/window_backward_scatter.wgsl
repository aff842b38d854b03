// @include window_params
// Max pooling's backward where windows overlap (stride < window extent), as a
// scatter in passes: the host clears the gradient, then runs one pass per class of
// outputs whose windows are disjoint, outputs (C_D + M_D·a, C_H + M_H·b, C_W + M_W·c)
// with M = ceil(extent / stride) per dimension. Within a pass no two outputs share a
// winner, so each thread adds its gradient to its winner's element alone: no atomics,
// no races, and the passes' fixed order makes the sums the same on every run. Where
// several windows pick one element, its sum runs in pass order, not ascending output
// order: the terms are the same, their rounding order may differ (within the sum
// tolerance the tests give gradients). Each output is read once; a gather reads each
// about (K / S)^rank times and tests every covering output's index.

override M_D: u32 = 1u;
override M_H: u32 = 1u;
override M_W: u32 = 1u;
override C_D: u32 = 0u;
override C_H: u32 = 0u;
override C_W: u32 = 0u;
// Channels-last with whole groups of 4 channels: a thread scatters 4 neighbouring
// channels of its output cell (one decode, 4 loads in a row), else 1.
override CHANNEL_GROUP: u32 = 1u;

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
@group(0) @binding(2) var<storage, read> saved_indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> grad_in: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  // The class's outputs per dimension.
  let nd = (P.out_d - C_D + M_D - 1u) / M_D;
  let nh = (P.out_h - C_H + M_H - 1u) / M_H;
  let nw = (P.out_w - C_W + M_W - 1u) / M_W;
  // Thread i is (n, c, a, b, e) in memory order of the layout: channels (groups of
  // CHANNEL_GROUP) fastest in channels-last, the class's columns fastest in channels-first.
  var c: u32;
  var rest: u32;
  if (CHANNELS_LAST) {
    let groups = P.channels / CHANNEL_GROUP;
    c = (i % groups) * CHANNEL_GROUP;
    rest = i / groups;
  } else {
    rest = i;
  }
  let e = rest % nw;
  rest /= nw;
  let b = rest % nh;
  rest /= nh;
  let a = rest % nd;
  rest /= nd;
  if (!CHANNELS_LAST) {
    c = rest % P.channels;
    rest /= P.channels;
  }
  let n = rest;
  let cell = ((C_D + M_D * a) * P.out_h + C_H + M_H * b) * P.out_w + C_W + M_W * e;
  let o = offset_of(n, c, cell, P.channels, P.out_d * P.out_h * P.out_w);
  for (var k = 0u; k < CHANNEL_GROUP; k++) {
    let s = saved_indices[o + k];
    // A window of padding only (largePadding) has no winner.
    if (s != NO_INDEX) {
      let at = offset_of(n, c + k, s, P.channels, P.in_d * P.in_h * P.in_w);
      grad_in[at] += grad_out[o + k];
    }
  }
}

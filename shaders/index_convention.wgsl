// @include common
// Max pooling's indices rewritten in place from PyTorch's per-plane positions to
// the convention a call asked for (IndexConvention in src/window-spec.ts): one
// invocation per index. The values of INDEX_* are INDEX_CONVENTION in
// src/ops/index-convention.ts; a test checks that the two lists agree.

const INDEX_FLAT: u32 = 1u;
const INDEX_FLAT_COLUMN_MAJOR: u32 = 2u;
const INDEX_CHANNELS_LAST: u32 = 3u;
const INDEX_CHANNELS_LAST_BATCH: u32 = 4u;

struct IndexParams {
  total: u32,
  channels: u32,
  // The indices' own plane (the pooled output's), to find each index's (n, c).
  out_plane: u32,
  // The plane the indices point into (the pooled input's), and its sizes.
  in_d: u32,
  in_h: u32,
  in_w: u32,
}

override CONVENTION: u32 = INDEX_FLAT;

@group(0) @binding(0) var<uniform> P: IndexParams;
@group(0) @binding(1) var<storage, read_write> plane_indices: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let at = coords_of(i, P.channels, P.out_plane);
  let s = plane_indices[i];
  let in_plane = P.in_d * P.in_h * P.in_w;
  var r = s;
  // A window of padding only has no winner (−1) in every convention.
  if (s == 0xffffffffu) {
    r = s;
  } else if (CONVENTION == INDEX_FLAT) {
    r = (at.x * P.channels + at.y) * in_plane + s;
  } else if (CONVENTION == INDEX_FLAT_COLUMN_MAJOR) {
    // (d, h, w) counted with d fastest, then h, then w.
    let w = s % P.in_w;
    let h = (s / P.in_w) % P.in_h;
    let d = s / (P.in_w * P.in_h);
    r = (at.x * P.channels + at.y) * in_plane + (w * P.in_h + h) * P.in_d + d;
  } else if (CONVENTION == INDEX_CHANNELS_LAST) {
    r = s * P.channels + at.y;
  } else if (CONVENTION == INDEX_CHANNELS_LAST_BATCH) {
    r = (at.x * in_plane + s) * P.channels + at.y;
  }
  plane_indices[i] = r;
}

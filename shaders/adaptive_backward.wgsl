// @include binned_params
// Backward adaptive pooling (and spatial pyramid pooling with PYRAMID) as a
// deterministic gather: one invocation per input element collects from every
// bin that contains it, in a fixed order, with no atomics. The bins containing
// position x along a dimension are [floor(x * out / L), ceil((x + 1) * out / L)):
// the bin formula with input and output swapped.

override PYRAMID: bool = false;

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
// MAX: the forward's indices. AVG binds a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices: array<u32>;
// PYRAMID: the level sizes, num_levels of them. Otherwise a placeholder.
@group(0) @binding(3) var<storage, read> levels: array<u32>;
@group(0) @binding(4) var<storage, read_write> grad_in: array<f32>;

// Gradient reaching input element (n, c, s) from the bins of one output grid of
// `out` cells. Pyramid levels sit at `base + cell` of a flat feature row;
// adaptive outputs are tensors in the input's layout.
fn gather(n: u32, c: u32, s: u32, out: vec3<u32>, base: u32) -> f32 {
  let size = in_size();
  let pos = unflatten(s, size);
  let first = bin_start(pos, out, size);
  let end = bin_end(pos, out, size);
  var acc = 0.0;
  for (var od = first.x; od < end.x; od++) {
    for (var oh = first.y; oh < end.y; oh++) {
      for (var ow = first.z; ow < end.z; ow++) {
        let cell = vec3<u32>(od, oh, ow);
        let flat = flatten(cell, out);
        var o = base + flat;
        if (!PYRAMID) { o = offset_of(n, c, flat, P.channels, out.x * out.y * out.z); }
        if (MODE == MODE_MAX) {
          if (saved_indices[o] == s) { acc += grad_out[o]; }
        } else {
          let extent = bin_end(cell, size, out) - bin_start(cell, size, out);
          acc += grad_out[o] / f32(extent.x * extent.y * extent.z);
        }
      }
    }
  }
  return acc;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let at = coords_of(i, P.channels, in_plane());
  if (!PYRAMID) {
    grad_in[i] = gather(at.x, at.y, at.z, out_size(), 0u);
    return;
  }
  var acc = 0.0;
  var level_base = at.x * P.features;
  for (var k = 0u; k < P.num_levels; k++) {
    let l = levels[k];
    acc += gather(at.x, at.y, at.z, vec3<u32>(1u, l, l), level_base + at.y * l * l);
    level_base += P.channels * l * l;
  }
  grad_in[i] = acc;
}

// @include window_small_backward
// Backward max and average pooling over small windows (K ≤ 3 per dimension,
// dilation 1), either layout: each input element gathers from the covering
// outputs (window_small_backward.wgsl); one thread per column of input elements
// makes up to P.rows of its rows top to bottom.

@group(0) @binding(1) var<storage, read> grad_out: array<f32>;
// Max: the forward's indices. Avg: a placeholder.
@group(0) @binding(2) var<storage, read> saved_indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> grad_in: array<f32>;

struct Acc {
  grad: f32,
  // Output (n, c, o) sits at base + o * step; the input's plane index.
  base: u32,
  step: u32,
  s_in: u32,
}

fn gather_cell(acc: ptr<function, Acc>, o: u32, ok: bool, divisor: f32) {
  let at = select(0u, (*acc).base + o * (*acc).step, ok);
  let g = grad_out[at];
  if (MODE == MODE_MAX) {
    (*acc).grad += select(0.0, g, ok & (saved_indices[at] == (*acc).s_in));
  } else {
    (*acc).grad += select(0.0, g / divisor, ok);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  // The thread's column of inputs (n, c, d, w) and its run of up to P.rows rows,
  // as in window_forward_small.wgsl.
  let col = column_of(i, P.channels, P.in_d, P.in_h, P.in_w, CHANNELS_LAST, 1u);
  let step = select(1u, P.channels, CHANNELS_LAST);
  let out_base = offset_of(col.n, col.c, 0u, P.channels, out_plane());
  var s_in = (col.d * P.in_h + col.h_begin) * P.in_w + col.w;
  for (var h = col.h_begin; h < col.h_end; h++) {
    var acc = Acc(0.0, out_base, step, s_in);
    gather_windows(&acc, col.d, h, col.w);
    grad_in[offset_of(col.n, col.c, s_in, P.channels, in_plane())] = acc.grad;
    s_in += P.in_w;
  }
}

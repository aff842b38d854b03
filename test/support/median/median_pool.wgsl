// @include window_params
// Median pooling, a test-only mode that follows docs/DESIGN.md's walkthrough for
// adding a mode: the lower median of each window (torch.median's choice for an
// even count), channels-first, rank 1–3 as rank 3, windows of at most 27 taps,
// no padding. One invocation per output.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const MAX_TAPS: u32 = 27u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.total) { return; }
  let ow = i % P.out_w;
  let oh = (i / P.out_w) % P.out_h;
  let od = (i / (P.out_w * P.out_h)) % P.out_d;
  let row = i / (P.out_w * P.out_h * P.out_d);
  var v: array<f32, MAX_TAPS>;
  var taps = 0u;
  for (var kd = 0u; kd < P.k_d; kd++) {
    for (var kh = 0u; kh < P.k_h; kh++) {
      for (var kw = 0u; kw < P.k_w; kw++) {
        let d = od * P.stride_d + kd * P.dil_d;
        let h = oh * P.stride_h + kh * P.dil_h;
        let w = ow * P.stride_w + kw * P.dil_w;
        v[taps] = x[((row * P.in_d + d) * P.in_h + h) * P.in_w + w];
        taps++;
      }
    }
  }
  // Insertion sort of the window, then the lower middle.
  for (var a = 1u; a < taps; a++) {
    let value = v[a];
    var b = a;
    while (b > 0u && v[b - 1u] > value) {
      v[b] = v[b - 1u];
      b--;
    }
    v[b] = value;
  }
  y[i] = v[(taps - 1u) / 2u];
}

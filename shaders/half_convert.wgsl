// @include common half
// Converts between a float16 view (halves packed two to a u32) and float32 words.
// The engine stages a float16 tensor through it for a kernel that reads and writes
// float32 (engine.ts): UNPACK before the kernel, PACK after it for what it wrote.
//   UNPACK: one thread per element: dst[i] = the float32 bits of half i.
//   PACK:   one thread per word of the view, so no two threads write one word. A
//           view of an odd count ends mid-word: its last word keeps its upper half,
//           which belongs to whatever follows the view. ZERO packs zeros (clearing).

struct ConvertParams {
  count: u32, // elements (halves)
}

override PACK: bool = false;
override ZERO: bool = false;

@group(0) @binding(0) var<uniform> P: ConvertParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (!PACK) {
    if (i >= P.count) { return; }
    dst[i] = bitcast<u32>(half_of(src[i >> 1u], i));
    return;
  }
  let first = 2u * i;
  if (first >= P.count) { return; }
  var lo = 0u;
  var hi = 0u;
  if (!ZERO) {
    lo = f32_to_half(bitcast<f32>(src[first]));
    if (first + 1u < P.count) { hi = f32_to_half(bitcast<f32>(src[first + 1u])); }
  }
  if (first + 1u >= P.count) {
    hi = dst[i] >> 16u; // not the view's: left as it was
  }
  dst[i] = lo | (hi << 16u);
}

// @include common half
// Copies a block-strided slice of a tensor into another view, element by element:
// element (o, j), o < outer, j < inner, goes from src[src_base + o·src_stride + j]
// to dst[dst_base + o·dst_stride + j]. The engine splits a call on a tensor larger
// than one storage binding into chunks of batch and channels (src/chunked-call.ts);
// a chunk that is not one aligned range of its tensor (channels of a channels-last
// tensor, an offset off the binding alignment) is gathered into a compact tensor
// with it before the call, and a result chunk scattered back after.
//
// One thread per destination word, so no two threads write one word. HALVES: two
// float16 elements to a word (element 2k in the low half); a word only partly in
// the slice keeps its other half, which belongs to a neighbouring slice or tensor.
// Bits are copied as they are (any dtype). ADD (a chunked reduction's partial
// sums, GeM's gradP): dst += src as floats instead, float16 rounded once.

struct SliceParams {
  words: u32,      // destination words, from the one holding dst_base
  outer: u32,
  inner: u32,
  src_stride: u32,
  dst_stride: u32,
  src_base: u32,
  dst_base: u32,
}

override HALVES: bool = false;
override ADD: bool = false;

@group(0) @binding(0) var<uniform> P: SliceParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

// Whether destination element `pos` is in the slice, and where its source element is.
fn source_of(pos: u32) -> vec2<u32> {
  if (pos < P.dst_base) { return vec2<u32>(0u, 0u); }
  let rel = pos - P.dst_base;
  let o = rel / P.dst_stride;
  let j = rel - o * P.dst_stride;
  if (o >= P.outer || j >= P.inner) { return vec2<u32>(0u, 0u); }
  return vec2<u32>(1u, P.src_base + o * P.src_stride + j);
}

fn source_bits(e: u32) -> u32 {
  if (HALVES) { return (src[e >> 1u] >> (16u * (e & 1u))) & 0xffffu; }
  return src[e];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = thread_index(wid, nwg, lid);
  if (i >= P.words) { return; }
  if (!HALVES) {
    let w = P.dst_base + i;
    let s = source_of(w);
    if (s.x == 0u) { return; }
    if (ADD) {
      dst[w] = bitcast<u32>(bitcast<f32>(dst[w]) + bitcast<f32>(src[s.y]));
    } else {
      dst[w] = src[s.y];
    }
    return;
  }
  let w = (P.dst_base >> 1u) + i;
  let lo = source_of(2u * w);
  let hi = source_of(2u * w + 1u);
  if (lo.x == 0u && hi.x == 0u) { return; }
  let old = dst[w];
  var bits = vec2<u32>(old & 0xffffu, old >> 16u);
  if (ADD) {
    var v = unpack2x16float(old);
    if (lo.x == 1u) { v.x += half_to_f32(source_bits(lo.y)); }
    if (hi.x == 1u) { v.y += half_to_f32(source_bits(hi.y)); }
    let sum = pack_halves(v);
    bits = vec2<u32>(select(bits.x, sum & 0xffffu, lo.x == 1u), select(bits.y, sum >> 16u, hi.x == 1u));
  } else {
    if (lo.x == 1u) { bits.x = source_bits(lo.y); }
    if (hi.x == 1u) { bits.y = source_bits(hi.y); }
  }
  dst[w] = bits.x | (bits.y << 16u);
}

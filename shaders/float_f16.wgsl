// @include half
// The float16 storage of the vec4 kernels: 4 halves in two u32 words (8 bytes where
// float32 moves 16). Loads unpack to float32, stores round each value to half once
// (half.wgsl). A thread stores whole words, so no two threads write one word.

alias float4_word = vec2<u32>;
fn from_word4(w: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}
fn to_word4(v: vec4<f32>) -> vec2<u32> {
  return vec2<u32>(pack_halves(v.xy), pack_halves(v.zw));
}

// @include half
// The float16 storage of the vec4 kernels: 4 halves in two u32 words (8 bytes where
// float32 moves 16). Loads unpack to float32, stores round each value to half once
// (half.wgsl). A thread stores whole words, so no two threads write one word.

alias float4_word = vec2<u32>;
fn from_word4(w: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(half_to_f32(w.x & 0xffffu), half_to_f32(w.x >> 16u), half_to_f32(w.y & 0xffffu), half_to_f32(w.y >> 16u));
}
fn to_word4(v: vec4<f32>) -> vec2<u32> {
  return vec2<u32>(f32_to_half(v.x) | (f32_to_half(v.y) << 16u), f32_to_half(v.z) | (f32_to_half(v.w) << 16u));
}

// The float32 storage of the vec4 kernels: a kernel's float bindings are arrays of
// float4_word, read with from_word4 and written with to_word4. The registry builds each
// vec4 kernel with this file or with float_f16.wgsl (src/shaders.ts), so one kernel
// source serves both dtypes.

alias float4_word = vec4<f32>;
fn from_word4(w: vec4<f32>) -> vec4<f32> { return w; }
fn to_word4(v: vec4<f32>) -> vec4<f32> { return v; }

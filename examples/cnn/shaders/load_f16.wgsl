// A layer's input x as float16: halves packed two to a u32, element 2k in the low
// 16 bits of word k (the engine's shaders/half.wgsl, prepended by gpu.ts, unpacks).
alias x_word = u32;
fn load_x(i: u32) -> f32 { return half_of(x[i >> 1u], i); }

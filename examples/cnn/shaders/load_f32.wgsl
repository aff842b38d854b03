// A layer's input x as float32 (prepended to a kernel by gpu.ts; load_f16.wgsl is its float16 form).
alias x_word = f32;
fn load_x(i: u32) -> f32 { return x[i]; }

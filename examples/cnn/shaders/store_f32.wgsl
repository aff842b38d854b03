// A layer's output y as float32: thread t writes output t (the kernel's output_value).
// store_f16.wgsl is its float16 form. gpu.ts launches one thread per output here.
alias y_word = f32;
fn store_y(t: u32, count: u32) {
  if (t < count) { y[t] = output_value(t); }
}

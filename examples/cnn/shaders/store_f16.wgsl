// A layer's output y as float16, packed two to a u32 (element 2k in the low 16 bits
// of word k), each value computed in float32 and rounded once (the engine's
// shaders/half.wgsl). Thread t owns word t, outputs 2t and 2t + 1, so no two
// threads ever write the two halves of one u32; the last thread of an odd count
// computes one output and keeps the word's upper half, which is not this layer's.
// gpu.ts launches one thread per word here.
alias y_word = u32;
fn store_y(t: u32, count: u32) {
  let first = 2u * t;
  if (first >= count) { return; }
  let lo = f32_to_half(output_value(first));
  var hi = y[t] >> 16u;
  if (first + 1u < count) { hi = f32_to_half(output_value(first + 1u)); }
  y[t] = lo | (hi << 16u);
}

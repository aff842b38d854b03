// Binds a wrapped buffer in a dispatch of zero workgroups: the device's
// validation then says whether the buffer belongs to another device or was
// destroyed, without running anything (src/wrap.ts).

@group(0) @binding(1) var<storage, read> probed: array<u32>;

@compute @workgroup_size(1)
fn main() {
  _ = probed[0];
}

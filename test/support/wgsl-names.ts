// What a WGSL file defines and what it uses, by name: enough to check that every
// file's header (@include, @requires) covers the names it uses
// (test/node/kernels.test.ts). Not a parser: comments are stripped, locals,
// parameters and struct members are told apart by how they are written.

/** WGSL's keywords, types, attributes and the built-in functions and values these shaders use. */
const BUILTIN = new Set(
  `fn let var const override struct return if else for while loop break continue switch case default true false
  storage read read_write uniform workgroup function private enable group binding compute workgroup_size builtin
  u32 i32 f32 bool vec2 vec3 vec4 array ptr atomic
  select min max abs clamp floor ceil round trunc fract sqrt exp exp2 log log2 pow sign bitcast all any dot length
  arrayLength countOneBits firstLeadingBit firstTrailingBit reverseBits extractBits insertBits workgroupBarrier storageBarrier
  subgroupAdd subgroupExclusiveAdd subgroupInclusiveAdd subgroupBallot subgroupShuffle subgroupBroadcast subgroupElect subgroupMax subgroupMin
  pack2x16float unpack2x16float fma mix step smoothstep
  workgroup_id num_workgroups local_invocation_index local_invocation_id global_invocation_id subgroup_size subgroup_invocation_id
  subgroups alias _`.split(/\s+/),
);

function code(source: string): string {
  return source.replace(/\/\/.*$/gm, '');
}

/** Names declared at module scope: functions, structs, constants, overrides, module variables and bindings. */
export function definedNames(source: string): Set<string> {
  const text = code(source);
  const names = new Set<string>();
  for (const m of text.matchAll(/^\s*fn\s+(\w+)/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^(?:struct|alias)\s+(\w+)/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^(?:@[^\n]*?\s)?(?:const|override|var(?:<[^>]*>)?)\s+(\w+)/gm)) names.add(m[1]);
  return names;
}

/** Names a file uses that it does not declare locally: candidates for its includes or its @requires. */
export function usedNames(source: string): Set<string> {
  const text = code(source).replace(/@builtin\(\w+\)/g, ' ');
  const local = new Set<string>();
  // let/var inside functions, parameters, struct members and typed declarations: a name followed by ':' or '='.
  for (const m of text.matchAll(/\b(?:let|var)\s+(\w+)/g)) local.add(m[1]);
  for (const m of text.matchAll(/(\w+)\s*:(?!:)/g)) local.add(m[1]);
  const used = new Set<string>();
  for (const m of text.matchAll(/(?<![.\w])([A-Za-z_]\w*)\b/g)) {
    const name = m[1];
    if (BUILTIN.has(name) || local.has(name) || /^\d/.test(name)) continue;
    used.add(name);
  }
  return used;
}

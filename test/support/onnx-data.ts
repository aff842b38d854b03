// Reads ONNX's backend test data: a minimal protobuf decoder for the parts of
// ModelProto and TensorProto the conformance runner needs (field numbers from
// onnx.proto), and the list of pooling cases in Debian's libonnx-testdata.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ONNX_DATA_DIR = process.env.ONNX_DATA_DIR ?? '/usr/share/libonnx-testdata/data';

export interface OnnxTensor {
  name: string;
  dims: number[];
  dtype: 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';
  data: Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;
}

export type OnnxAttribute = number | string | number[] | OnnxTensor;

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export interface OnnxModel {
  opset: number;
  nodes: OnnxNode[];
  inputs: string[];
  outputs: string[];
}

/** One protobuf field: its number, wire type and value (a varint as bigint, or the bytes). */
interface Field {
  num: number;
  wire: number;
  varint: bigint;
  bytes: Uint8Array;
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.buf.length;
  }
  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.at >= this.buf.length) throw new Error('protobuf: varint runs past the end');
      const b = this.buf[this.at++];
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.buf.length) throw new Error('protobuf: field runs past the end');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  field(): Field {
    const key = Number(this.varint());
    const f: Field = { num: key >> 3, wire: key & 7, varint: 0n, bytes: new Uint8Array(0) };
    if (f.wire === 0) f.varint = this.varint();
    else if (f.wire === 1) f.bytes = this.take(8);
    else if (f.wire === 2) f.bytes = this.take(Number(this.varint()));
    else if (f.wire === 5) f.bytes = this.take(4);
    else throw new Error(`protobuf: wire type ${f.wire} is not supported`);
    return f;
  }
}

function fields(buf: Uint8Array): Field[] {
  const r = new Reader(buf);
  const out: Field[] = [];
  while (!r.done) out.push(r.field());
  return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** An int64 varint as a signed value (negative numbers are ten-byte two's complement). */
const signed = (v: bigint) => BigInt.asIntN(64, v);

/** The values of a repeated varint field, packed or not. */
function varints(all: Field[], num: number): bigint[] {
  const out: bigint[] = [];
  for (const f of all.filter((g) => g.num === num)) {
    if (f.wire === 0) out.push(signed(f.varint));
    else for (const r = new Reader(f.bytes); !r.done;) out.push(signed(r.varint()));
  }
  return out;
}

/** The values of a repeated fixed-width field (float: 4 bytes, double: 8), packed or not. */
function fixed(all: Field[], num: number, width: 4 | 8): number[] {
  const out: number[] = [];
  for (const f of all.filter((g) => g.num === num)) {
    const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
    for (let i = 0; i + width <= f.bytes.byteLength; i += width) out.push(width === 4 ? view.getFloat32(i, true) : view.getFloat64(i, true));
  }
  return out;
}

const DTYPES: Record<number, OnnxTensor['dtype']> = { 1: 'float32', 2: 'uint8', 6: 'int32', 7: 'int64', 11: 'float64' };

export function readOnnxTensor(buf: Uint8Array): OnnxTensor {
  const all = fields(buf);
  const dims = varints(all, 1).map(Number);
  const code = Number(all.find((f) => f.num === 2)?.varint ?? 0n);
  const dtype = DTYPES[code];
  if (!dtype) throw new Error(`TensorProto data_type ${code} is not supported`);
  const name = text(all.find((f) => f.num === 8)?.bytes ?? new Uint8Array(0));
  const raw = all.find((f) => f.num === 9)?.bytes;
  const count = dims.reduce((a, b) => a * b, 1);
  let data: OnnxTensor['data'];
  if (raw) {
    // Copied (a Node Buffer's slice would share its pool) so that the typed array starts aligned.
    const bytes = new Uint8Array(raw).buffer;
    data =
      dtype === 'float32'
        ? new Float32Array(bytes)
        : dtype === 'float64'
          ? new Float64Array(bytes)
          : dtype === 'uint8'
            ? new Uint8Array(bytes)
            : dtype === 'int32'
              ? new Int32Array(bytes)
              : new BigInt64Array(bytes);
  } else if (dtype === 'float32') data = Float32Array.from(fixed(all, 4, 4));
  else if (dtype === 'float64') data = Float64Array.from(fixed(all, 10, 8));
  else if (dtype === 'int64') data = BigInt64Array.from(varints(all, 7));
  else {
    // int32_data holds int32 and uint8 values alike.
    const values = varints(all, 5).map(Number);
    data = dtype === 'uint8' ? Uint8Array.from(values) : Int32Array.from(values);
  }
  if (data.length !== count) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims}]`);
  return { name, dims, dtype, data };
}

function readAttribute(buf: Uint8Array): [string, OnnxAttribute] {
  const all = fields(buf);
  const name = text(all.find((f) => f.num === 1)?.bytes ?? new Uint8Array(0));
  const type = Number(all.find((f) => f.num === 20)?.varint ?? 0n);
  switch (type) {
    case 1:
      return [name, fixed(all, 2, 4)[0]];
    case 2:
      return [name, Number(varints(all, 3)[0])];
    case 3:
      return [name, text(all.find((f) => f.num === 4)!.bytes)];
    case 4:
      return [name, readOnnxTensor(all.find((f) => f.num === 5)!.bytes)];
    case 6:
      return [name, fixed(all, 7, 4)];
    case 7:
      return [name, varints(all, 8).map(Number)];
    default:
      throw new Error(`attribute ${name}: type ${type} is not supported`);
  }
}

function readNode(buf: Uint8Array): OnnxNode {
  const all = fields(buf);
  const strings = (num: number) => all.filter((f) => f.num === num).map((f) => text(f.bytes));
  return {
    inputs: strings(1),
    outputs: strings(2),
    opType: strings(4)[0] ?? '',
    attributes: Object.fromEntries(all.filter((f) => f.num === 5).map((f) => readAttribute(f.bytes))),
  };
}

export function readOnnxModel(buf: Uint8Array): OnnxModel {
  const all = fields(buf);
  const opsets = all.filter((f) => f.num === 8).map((f) => fields(f.bytes));
  const main = opsets.find((o) => ['', 'ai.onnx'].includes(text(o.find((f) => f.num === 1)?.bytes ?? new Uint8Array(0))));
  const graph = fields(all.find((f) => f.num === 7)?.bytes ?? new Uint8Array(0));
  const names = (num: number) => graph.filter((f) => f.num === num).map((f) => text(fields(f.bytes).find((g) => g.num === 1)?.bytes ?? new Uint8Array(0)));
  return {
    opset: Number(main?.find((f) => f.num === 2)?.varint ?? 0n),
    nodes: graph.filter((f) => f.num === 1).map((f) => readNode(f.bytes)),
    inputs: names(11),
    outputs: names(12),
  };
}

/** The pooling cases of the data, as paths under its root: node tests, PyTorch-converted ones, and test_operator_maxpool. */
export function listPoolingCaseDirs(root = ONNX_DATA_DIR): string[] {
  if (!existsSync(join(root, 'node'))) throw new Error(`${root}/node does not exist: install Debian's libonnx-testdata or set ONNX_DATA_DIR`);
  const under = (dir: string, keep: RegExp) =>
    readdirSync(join(root, dir))
      .filter((name) => keep.test(name))
      .map((name) => `${dir}/${name}`);
  return [
    ...under('node', /^test_(.*pool|maxunpool_|roialign_)/),
    ...under('pytorch-converted', /^test_.*Pool/),
    ...under('pytorch-operator', /^test_operator_maxpool$/),
  ].sort();
}

export interface OnnxCase {
  id: string;
  model: OnnxModel;
  sets: { inputs: OnnxTensor[]; outputs: OnnxTensor[] }[];
}

export function loadOnnxCase(id: string, root = ONNX_DATA_DIR): OnnxCase {
  const dir = join(root, id);
  const model = readOnnxModel(readFileSync(join(dir, 'model.onnx')));
  const sets = readdirSync(dir)
    .filter((name) => name.startsWith('test_data_set_'))
    .sort()
    .map((set) => {
      const read = (kind: string, names: string[]) => {
        const out: OnnxTensor[] = [];
        for (let i = 0; existsSync(join(dir, set, `${kind}_${i}.pb`)); i++) {
          const t = readOnnxTensor(readFileSync(join(dir, set, `${kind}_${i}.pb`)));
          out.push({ ...t, name: t.name || names[i] || `${kind}_${i}` });
        }
        return out;
      };
      return { inputs: read('input', model.inputs), outputs: read('output', model.outputs) };
    });
  return { id, model, sets };
}

// A minimal protobuf encoder for ONNX models, enough to build small float graphs
// in code (no model files): varints and length-delimited fields only. Field
// numbers are those of onnx.proto3; all messages are written in field order.

/** Protobuf wire types used here. */
const VARINT = 0;
const LEN = 2;

/** ONNX TensorProto.DataType.FLOAT. */
export const ONNX_FLOAT = 1;

/** A protobuf message under construction: a list of byte chunks. */
class Message {
  private chunks: Uint8Array[] = [];

  private varint(value: number): void {
    // Non-negative integers below 2^53 (all we need: sizes, dims, enum values).
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`varint out of range: ${value}`);
    const bytes: number[] = [];
    while (value >= 0x80) {
      bytes.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    bytes.push(value);
    this.chunks.push(Uint8Array.from(bytes));
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An integer field (int32, int64, enum), varint-encoded. */
  int(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(value);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, LEN);
    this.varint(value.length);
    this.chunks.push(value);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message field. */
  message(field: number, value: Message): this {
    return this.bytes(field, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
}

export interface OnnxValue {
  name: string;
  /** Fixed dimensions of a float32 tensor. */
  shape: number[];
}

export interface OnnxInitializer {
  name: string;
  /** Dimensions; [] for a scalar. */
  shape: number[];
  data: Float32Array;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers?: OnnxInitializer[];
}

/** ValueInfoProto { name = 1; type = 2 } for a float tensor of fixed shape. */
function valueInfo(v: OnnxValue): Message {
  // TensorShapeProto { repeated Dimension dim = 1 }, Dimension { int64 dim_value = 1 }
  const shape = new Message();
  for (const d of v.shape) shape.message(1, new Message().int(1, d));
  // TypeProto.Tensor { int32 elem_type = 1; TensorShapeProto shape = 2 }
  const tensorType = new Message().int(1, ONNX_FLOAT).message(2, shape);
  // TypeProto { Tensor tensor_type = 1 }
  const type = new Message().message(1, tensorType);
  return new Message().string(1, v.name).message(2, type);
}

/** TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9 }. */
function tensor(t: OnnxInitializer): Message {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) throw new Error(`initializer ${t.name}: ${t.data.length} values for shape [${t.shape}]`);
  const m = new Message();
  for (const d of t.shape) m.int(1, d); // unpacked repeated int64: every parser accepts it
  m.int(2, ONNX_FLOAT).string(8, t.name);
  // raw_data holds the values little-endian, whatever the host's byte order.
  const raw = new DataView(new ArrayBuffer(count * 4));
  for (let i = 0; i < count; i++) raw.setFloat32(i * 4, t.data[i], true);
  return m.bytes(9, new Uint8Array(raw.buffer));
}

/** NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4 }. */
function node(n: OnnxNode, index: number): Message {
  const m = new Message();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  return m.string(3, n.name ?? `${n.op.toLowerCase()}_${index}`).string(4, n.op);
}

/**
 * A serialized ModelProto (ir_version 8, default-domain opset 17) holding `g`:
 * ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7;
 * repeated OperatorSetIdProto opset_import = 8 },
 * GraphProto { node = 1; name = 2; initializer = 5; input = 11; output = 12 },
 * OperatorSetIdProto { string domain = 1; int64 version = 2 }.
 */
export function encodeModel(g: OnnxGraph): Uint8Array {
  const graph = new Message();
  g.nodes.forEach((n, i) => graph.message(1, node(n, i)));
  graph.string(2, g.name);
  for (const t of g.initializers ?? []) graph.message(5, tensor(t));
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  return new Message().int(1, 8).string(2, 'webgpu-pool tests').message(7, graph).message(8, new Message().string(1, '').int(2, 17)).finish();
}

/** Model A: Y = Relu(X) * 2, X and Y float [1, 4, 8, 8]. */
export function modelA(): Uint8Array {
  const shape = [1, 4, 8, 8];
  return encodeModel({
    name: 'relu_times_two',
    nodes: [
      { op: 'Relu', inputs: ['X'], outputs: ['R'] },
      { op: 'Mul', inputs: ['R', 'two'], outputs: ['Y'] },
    ],
    initializers: [{ name: 'two', shape: [], data: Float32Array.of(2) }],
    inputs: [{ name: 'X', shape }],
    outputs: [{ name: 'Y', shape }],
  });
}

/** Model B: W = Sigmoid(Z + 1), Z and W float [1, 4, 4, 4] (the 1 is an initializer of ones of Z's shape). */
export function modelB(): Uint8Array {
  const shape = [1, 4, 4, 4];
  return encodeModel({
    name: 'add_one_sigmoid',
    nodes: [
      { op: 'Add', inputs: ['Z', 'ones'], outputs: ['S'] },
      { op: 'Sigmoid', inputs: ['S'], outputs: ['W'] },
    ],
    initializers: [{ name: 'ones', shape, data: new Float32Array(64).fill(1) }],
    inputs: [{ name: 'Z', shape }],
    outputs: [{ name: 'W', shape }],
  });
}

/** The CPU reference of model A: relu, times two. */
export function cpuModelA(x: Float32Array): Float32Array {
  return x.map((v) => Math.max(v, 0) * 2);
}

/** The CPU reference of model B: plus one, sigmoid. */
export function cpuModelB(z: Float32Array): Float32Array {
  return z.map((v) => 1 / (1 + Math.exp(-(v + 1))));
}

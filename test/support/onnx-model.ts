// A minimal protobuf encoder for ONNX models, enough to build small float graphs
// in code (no model files): varints and length-delimited fields only. Field
// numbers are those of onnx.proto3; all messages are written in field order.
import { halfBits, roundToHalf } from '../../src/half';

/** Protobuf wire types used here. */
const VARINT = 0;
const LEN = 2;

/** ONNX TensorProto.DataType.FLOAT. */
export const ONNX_FLOAT = 1;

/** ONNX TensorProto.DataType.FLOAT16 (IEEE binary16). */
export const ONNX_FLOAT16 = 10;

/** ONNX AttributeProto.AttributeType.INT. */
const ATTRIBUTE_INT = 2;

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
  /** Integer attributes (e.g. Cast's `to`). */
  attributes?: Record<string, number>;
}

export interface OnnxValue {
  name: string;
  /** Fixed dimensions of a float32 tensor. */
  shape: number[];
  /** The element type: ONNX_FLOAT (the default) or ONNX_FLOAT16. */
  elemType?: number;
}

export interface OnnxInitializer {
  name: string;
  /** Dimensions; [] for a scalar. */
  shape: number[];
  data: Float32Array;
  /** ONNX_FLOAT (the default), or ONNX_FLOAT16: `data` is then stored rounded to half. */
  elemType?: number;
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
  const tensorType = new Message().int(1, v.elemType ?? ONNX_FLOAT).message(2, shape);
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
  const elemType = t.elemType ?? ONNX_FLOAT;
  if (elemType !== ONNX_FLOAT && elemType !== ONNX_FLOAT16) throw new Error(`initializer ${t.name}: element type ${elemType}`);
  m.int(2, elemType).string(8, t.name);
  // raw_data holds the values little-endian, whatever the host's byte order.
  if (elemType === ONNX_FLOAT16) {
    const raw = new DataView(new ArrayBuffer(count * 2));
    for (let i = 0; i < count; i++) raw.setUint16(i * 2, halfBits(t.data[i]), true);
    return m.bytes(9, new Uint8Array(raw.buffer));
  }
  const raw = new DataView(new ArrayBuffer(count * 4));
  for (let i = 0; i < count; i++) raw.setFloat32(i * 4, t.data[i], true);
  return m.bytes(9, new Uint8Array(raw.buffer));
}

/**
 * NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4;
 * repeated AttributeProto attribute = 5 }, AttributeProto { string name = 1; int64 i = 3; AttributeType type = 20 }.
 */
function node(n: OnnxNode, index: number): Message {
  const m = new Message();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name ?? `${n.op.toLowerCase()}_${index}`).string(4, n.op);
  for (const [name, value] of Object.entries(n.attributes ?? {})) m.message(5, new Message().string(1, name).int(3, value).int(20, ATTRIBUTE_INT));
  return m;
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

/** Model A16: Y = Cast<float16>(Relu(X) * 2), X float [1, 4, 8, 8], Y float16 [1, 4, 8, 8]. */
export function modelA16(): Uint8Array {
  const shape = [1, 4, 8, 8];
  return encodeModel({
    name: 'relu_times_two_to_half',
    nodes: [
      { op: 'Relu', inputs: ['X'], outputs: ['R'] },
      { op: 'Mul', inputs: ['R', 'two'], outputs: ['T'] },
      { op: 'Cast', inputs: ['T'], outputs: ['Y'], attributes: { to: ONNX_FLOAT16 } },
    ],
    initializers: [{ name: 'two', shape: [], data: Float32Array.of(2) }],
    inputs: [{ name: 'X', shape }],
    outputs: [{ name: 'Y', shape, elemType: ONNX_FLOAT16 }],
  });
}

/**
 * Model B16: W = Cast<float>(Sigmoid(Z + 1)), Z float16 [1, 4, 4, 4], the Add and the
 * Sigmoid in float16 (the ones are a float16 initializer of Z's shape), W float [1, 4, 4, 4].
 */
export function modelB16(): Uint8Array {
  const shape = [1, 4, 4, 4];
  return encodeModel({
    name: 'half_add_one_sigmoid',
    nodes: [
      { op: 'Add', inputs: ['Z', 'ones'], outputs: ['S'] },
      { op: 'Sigmoid', inputs: ['S'], outputs: ['H'] },
      { op: 'Cast', inputs: ['H'], outputs: ['W'], attributes: { to: ONNX_FLOAT } },
    ],
    initializers: [{ name: 'ones', shape, data: new Float32Array(64).fill(1), elemType: ONNX_FLOAT16 }],
    inputs: [{ name: 'Z', shape, elemType: ONNX_FLOAT16 }],
    outputs: [{ name: 'W', shape }],
  });
}

/**
 * Model Copy16: Y = Identity(X), float16 of the given shape. The WebGPU execution
 * provider runs it with a buffer copy and no shader, so it needs no `shader-f16`:
 * a float16 host input becomes one of ORT's float16 GPU tensors, a float16 GPU
 * input is read by ORT as float16.
 */
export function modelCopy16(shape: number[]): Uint8Array {
  return encodeModel({
    name: 'half_identity',
    nodes: [{ op: 'Identity', inputs: ['X'], outputs: ['Y'] }],
    inputs: [{ name: 'X', shape, elemType: ONNX_FLOAT16 }],
    outputs: [{ name: 'Y', shape, elemType: ONNX_FLOAT16 }],
  });
}

/** The CPU reference of model A16: relu, times two (exact in float32), rounded to half. */
export function cpuModelA16(x: Float32Array): Float32Array {
  return roundToHalf(cpuModelA(x));
}

/** The CPU reference of model B16 in float16 semantics: z + 1 rounded to half, its sigmoid rounded to half. */
export function cpuModelB16(z: Float32Array): Float32Array {
  return roundToHalf(roundToHalf(z.map((v) => v + 1)).map((s) => 1 / (1 + Math.exp(-s))));
}

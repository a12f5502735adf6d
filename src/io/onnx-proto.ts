/**
 * A minimal ONNX model writer: a graph builder and the protobuf encoding of the ModelProto
 * messages it needs (reference: onnx/onnx.proto3 for the field numbers), written by hand so
 * no protobuf library is needed. Float32 initializers go into `raw_data` (little-endian).
 */

/** An attribute value: float, int, ints, floats, or a string. */
export type OnnxAttr = { f: number } | { i: number } | { ints: number[] } | { floats: number[] } | { s: string };

export interface OnnxValueInfo { name: string; elemType: 'float32' | 'int64'; dims: Array<number | string> }

interface Node { op: string; inputs: string[]; outputs: string[]; name: string; attrs: Record<string, OnnxAttr> }
interface Initializer { name: string; dims: number[]; type: 'float32' | 'int64'; raw: Uint8Array }

const ELEM = { float32: 1, int64: 7 } as const;

/** A graph under construction: ops return their output names. */
export class OnnxGraph {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  private count = 0;
  private readonly constants = new Map<string, string>();

  /** A fresh value name with a readable prefix. */
  name(prefix: string): string { return `${prefix}_${this.count++}`; }

  input(v: OnnxValueInfo): string { this.inputs.push(v); return v.name; }
  output(v: OnnxValueInfo): void { this.outputs.push(v); }

  /** A float32 initializer. */
  tensor(prefix: string, dims: number[], data: Float32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`ONNX initializer ${prefix}: [${dims}] needs ${n} values, got ${data.length}`);
    const name = this.name(prefix), raw = new Uint8Array(data.length * 4), dv = new DataView(raw.buffer);
    data.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    this.initializers.push({ name, dims: dims.slice(), type: 'float32', raw });
    return name;
  }

  /** An int64 initializer (shapes, axes, pads), shared between uses of the same values. */
  ints(values: number[]): string {
    const key = values.join(',');
    const have = this.constants.get(key);
    if (have) return have;
    const name = this.name('i64'), raw = new Uint8Array(values.length * 8), dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims: [values.length], type: 'int64', raw });
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar-ish constant of shape `dims` (default [1]). */
  scalar(v: number, dims: number[] = [1]): string {
    return this.tensor('c', dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(v));
  }

  /** Appends a node; its one output is `out` (a graph output's name) or a fresh name. */
  op(op: string, inputs: string[], attrs: Record<string, OnnxAttr> = {}, out = this.name(op.toLowerCase())): string {
    this.nodes.push({ op, inputs, outputs: [out], name: out, attrs });
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Protobuf wire format: varint (0), 64-bit (1), length-delimited (2), 32-bit (5).

class Buf {
  parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): this { this.parts.push(b); this.length += b.length; return this; }
  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x) byte |= 0x80;
      out.push(byte);
    } while (x);
    return this.push(Uint8Array.from(out));
  }
  key(field: number, wire: number): this { return this.varint((field << 3) | wire); }
  int(field: number, v: number): this { return this.key(field, 0).varint(v); }
  bytes(field: number, b: Uint8Array): this { return this.key(field, 2).varint(b.length).push(b); }
  str(field: number, s: string): this { return this.bytes(field, new TextEncoder().encode(s)); }
  msg(field: number, m: Buf): this { this.key(field, 2).varint(m.length); for (const p of m.parts) this.push(p); return this; }
  float(field: number, v: number): this { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, v, true); return this.key(field, 5).push(b); }
  done(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

function attribute(name: string, a: OnnxAttr): Buf {
  // AttributeProto: name 1, f 2, i 3, s 4, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7).
  const b = new Buf().str(1, name);
  if ('f' in a) return b.float(2, a.f).int(20, 1);
  if ('i' in a) return b.int(3, a.i).int(20, 2);
  if ('s' in a) return b.str(4, a.s).int(20, 3);
  if ('floats' in a) { for (const v of a.floats) b.float(7, v); return b.int(20, 6); }
  for (const v of a.ints) b.int(8, v);
  return b.int(20, 7);
}

function valueInfo(v: OnnxValueInfo): Buf {
  // ValueInfoProto{name 1, type 2: TypeProto{tensor_type 1: {elem_type 1, shape 2: {dim 1: {dim_value 1 | dim_param 2}}}}}
  const shape = new Buf();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new Buf().int(1, d) : new Buf().str(2, d));
  const tensor = new Buf().int(1, ELEM[v.elemType]).msg(2, shape);
  return new Buf().str(1, v.name).msg(2, new Buf().msg(1, tensor));
}

/** The ModelProto bytes of `g` (IR version 8, default-domain opset `opset`). */
export function encodeModel(g: OnnxGraph, opts: { opset?: number; producer?: string; docString?: string; graphName?: string } = {}): Uint8Array {
  const graph = new Buf();
  for (const n of g.nodes) {
    // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
    const node = new Buf();
    for (const i of n.inputs) node.str(1, i);
    for (const o of n.outputs) node.str(2, o);
    node.str(3, n.name).str(4, n.op);
    for (const [k, a] of Object.entries(n.attrs)) node.msg(5, attribute(k, a));
    graph.msg(1, node);
  }
  graph.str(2, opts.graphName ?? 'graph');
  for (const t of g.initializers) {
    // TensorProto: dims 1, data_type 2, name 8, raw_data 9.
    const tp = new Buf();
    for (const d of t.dims) tp.int(1, d);
    tp.int(2, ELEM[t.type]).str(8, t.name).bytes(9, t.raw);
    graph.msg(5, tp);
  }
  if (opts.docString) graph.str(10, opts.docString);
  for (const v of g.inputs) graph.msg(11, valueInfo(v));
  for (const v of g.outputs) graph.msg(12, valueInfo(v));
  // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 {domain 1, version 2}.
  return new Buf().int(1, 8).str(2, opts.producer ?? 'stylegan').msg(7, graph).msg(8, new Buf().str(1, '').int(2, opts.opset ?? 17)).done();
}

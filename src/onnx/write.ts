// Writing ONNX: Model → bytes. Weights are streamed (never copied into one protobuf buffer), so a
// large model is written with little memory beyond its weights; files are replaced atomically.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Attribute } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import {
  AttributeProto_AttributeType as AT,
  type AttributeProto,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  TensorProto_DataLocation,
  TensorProtoSchema,
  type TypeProto,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from './proto/onnx_pb.js';
import { tensorToProto } from './tensor-proto.js';

export interface WriteOptions {
  /**
   * 'inline': every weight inside the .onnx file. 'external': weights of at least `externalThreshold`
   * bytes go to `externalLocation` beside the model. 'auto' (default): external when the model read
   * had external data or the weights exceed 1.8 GB (protobuf's 2 GB limit), else inline.
   */
  readonly externalData?: 'auto' | 'inline' | 'external';
  readonly externalThreshold?: number;
  /** File name of the external data, relative to the model (default: `<model file name>.data`). */
  readonly externalLocation?: string;
}

const encoder = new TextEncoder();
const PROTOBUF_LIMIT = 1.8e9;

/** The whole model as one buffer (for in-memory ORT sessions). Lazy external weights are loaded. */
export function encodeModel(model: Model): Uint8Array {
  const pieces = modelPieces(model, undefined);
  return Buffer.concat(pieces);
}

/**
 * Write a model to `file` atomically (temporary file, then rename). Refuses to overwrite the file
 * the model was read from: pare never destroys its input.
 */
export function writeModel(model: Model, file: string, options: WriteOptions = {}): void {
  const target = path.resolve(file);
  if (model.path && path.resolve(model.path) === target) {
    throw new PareError('PARE_IO', `refusing to overwrite the input model '${file}'`, {
      file,
      notes: ['choose another output path with -o'],
    });
  }
  const mode = options.externalData ?? 'auto';
  const hadExternal = model.graph.initializers.some((v) => v.const?.external);
  const total = model.graph.initializers.reduce((s, v) => s + (v.const?.byteLength ?? 0), 0);
  const external = mode === 'external' || (mode === 'auto' && (hadExternal || total > PROTOBUF_LIMIT));
  let sink: ExternalSink | undefined;
  if (external) {
    const location = options.externalLocation ?? `${path.basename(file)}.data`;
    sink = new ExternalSink(
      path.join(path.dirname(target), location),
      location,
      options.externalThreshold ?? 1024,
    );
  }
  try {
    const pieces = modelPieces(model, sink);
    writeAtomic(target, pieces);
    sink?.commit();
  } catch (err) {
    sink?.abort();
    if (err instanceof PareError) throw err;
    throw new PareError('PARE_IO', `cannot write model '${file}': ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
}

/** Write pieces to `file` through a temporary file in the same folder, then rename. */
export function writeAtomic(file: string, pieces: readonly Uint8Array[]): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const p of pieces) {
      let done = 0;
      while (done < p.byteLength) done += fs.writeSync(fd, p, done, p.byteLength - done);
    }
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** Collects large weights into one external-data file, written next to the model. */
class ExternalSink {
  private readonly tmp: string;
  private readonly fd: number;
  private offset = 0;

  constructor(
    private readonly full: string,
    readonly location: string,
    readonly threshold: number,
  ) {
    this.tmp = `${full}.tmp-${process.pid}-${Date.now()}`;
    this.fd = fs.openSync(this.tmp, 'w');
  }

  /** Append bytes (aligned to 4 KiB, as onnx does); returns the offset. */
  append(bytes: Uint8Array): number {
    const pad = (4096 - (this.offset % 4096)) % 4096;
    if (pad) {
      fs.writeSync(this.fd, new Uint8Array(pad));
      this.offset += pad;
    }
    const at = this.offset;
    let done = 0;
    while (done < bytes.byteLength) done += fs.writeSync(this.fd, bytes, done, bytes.byteLength - done);
    this.offset += bytes.byteLength;
    return at;
  }

  commit(): void {
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    fs.renameSync(this.tmp, this.full);
  }

  abort(): void {
    try {
      fs.closeSync(this.fd);
    } catch {}
    fs.rmSync(this.tmp, { force: true });
  }
}

function modelPieces(model: Model, sink: ExternalSink | undefined): Uint8Array[] {
  const mp = model.extra ? fromBinary(ModelProtoSchema, model.extra) : create(ModelProtoSchema);
  mp.irVersion = BigInt(model.irVersion);
  mp.producerName = model.producerName;
  mp.producerVersion = model.producerVersion;
  mp.domain = model.domain;
  mp.modelVersion = BigInt(model.modelVersion);
  mp.docString = model.docString;
  mp.opsetImport = [...model.graph.opsets].map(([domain, version]) => ({
    $typeName: 'onnx.OperatorSetIdProto' as const,
    domain,
    version: BigInt(version),
  }));
  mp.metadataProps = [...model.metadata].map(([key, value]) => ({
    $typeName: 'onnx.StringStringEntryProto' as const,
    key,
    value,
  }));
  const graph = graphPieces(model.graph, sink);
  return [toBinary(ModelProtoSchema, mp), ...lengthDelimited(7, graph)];
}

function graphPieces(g: Graph, sink: ExternalSink | undefined): Uint8Array[] {
  const gp = g.extra ? fromBinary(GraphProtoSchema, g.extra) : create(GraphProtoSchema);
  gp.name = g.name;
  if (g.docString !== undefined) gp.docString = g.docString;
  gp.node = g.nodes.map(nodeToProto);
  const declared = new Set<Value>();
  gp.input = g.inputs.map((v) => {
    declared.add(v);
    return valueInfo(v);
  });
  gp.output = g.outputs.map((v) => {
    declared.add(v);
    return valueInfo(v);
  });
  for (const v of g.initializers) declared.add(v);
  const infos: ValueInfoProto[] = [];
  for (const n of g.nodes) {
    for (const v of n.outputs) {
      if (v.name === '' || declared.has(v) || (!v.type && !v.infoExtra)) continue;
      declared.add(v);
      infos.push(valueInfo(v));
    }
  }
  gp.valueInfo = infos;
  const pieces: Uint8Array[] = [toBinary(GraphProtoSchema, gp)];
  for (const v of g.initializers) {
    pieces.push(...lengthDelimited(5, tensorPieces(v.name, v.const!, sink)));
  }
  return pieces;
}

function tensorPieces(name: string, t: Tensor, sink: ExternalSink | undefined): Uint8Array[] {
  if (t.isString) return [toBinary(TensorProtoSchema, tensorToProto(name, t, true))];
  const tp = tensorToProto(name, t, false);
  const raw = t.rawBytes();
  if (sink && raw.byteLength >= sink.threshold) {
    const offset = sink.append(raw);
    tp.dataLocation = TensorProto_DataLocation.EXTERNAL;
    tp.externalData = [
      ['location', sink.location],
      ['offset', String(offset)],
      ['length', String(raw.byteLength)],
    ].map(([key, value]) => ({
      $typeName: 'onnx.StringStringEntryProto' as const,
      key: key!,
      value: value!,
    }));
    return [toBinary(TensorProtoSchema, tp)];
  }
  // raw_data (field 9) is appended as its own piece so the weight bytes are never copied.
  return [toBinary(TensorProtoSchema, tp), ...lengthDelimited(9, [raw])];
}

function nodeToProto(n: Node): NodeProto {
  const np = n.extra ? fromBinary(NodeProtoSchema, n.extra) : create(NodeProtoSchema);
  np.name = n.name;
  np.opType = n.opType;
  np.domain = n.domain;
  if (n.overload !== undefined) np.overload = n.overload;
  if (n.docString !== undefined) np.docString = n.docString;
  np.input = n.inputs.map((v) => v?.name ?? '');
  // Trailing omitted inputs are dropped, as ONNX allows.
  while (np.input.length > 0 && np.input[np.input.length - 1] === '') np.input.pop();
  np.output = n.outputs.map((v) => v.name);
  np.attribute = [...n.attributes].map(([name, a]) => attributeToProto(name, a));
  return np;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Numbers beyond int64 (INT64_MAX read back as a float) are clamped, not wrapped. */
function toInt64(v: number): bigint {
  if (v >= 9.2233720368547758e18) return INT64_MAX;
  if (v <= -9.2233720368547758e18) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

function attributeToProto(name: string, a: Attribute): AttributeProto {
  if (a.kind === 'opaque') return fromBinary(AttributeProtoSchema, a.value);
  const ap = create(AttributeProtoSchema, { name });
  switch (a.kind) {
    case 'float':
      ap.type = AT.FLOAT;
      ap.f = a.value;
      break;
    case 'int':
      ap.type = AT.INT;
      ap.i = toInt64(a.value);
      break;
    case 'string':
      ap.type = AT.STRING;
      ap.s = encoder.encode(a.value);
      break;
    case 'tensor':
      ap.type = AT.TENSOR;
      ap.t = tensorToProto('', a.value, true);
      break;
    case 'floats':
      ap.type = AT.FLOATS;
      ap.floats = [...a.value];
      break;
    case 'ints':
      ap.type = AT.INTS;
      ap.ints = a.value.map(toInt64);
      break;
    case 'strings':
      ap.type = AT.STRINGS;
      ap.strings = a.value.map((s) => encoder.encode(s));
      break;
    case 'tensors':
      ap.type = AT.TENSORS;
      ap.tensors = a.value.map((t) => tensorToProto('', t, true));
      break;
  }
  return ap;
}

function valueInfo(v: Value): ValueInfoProto {
  const vi = v.infoExtra ? fromBinary(ValueInfoProtoSchema, v.infoExtra) : create(ValueInfoProtoSchema);
  vi.name = v.name;
  const type = v.const ? { elemType: v.const.dataType, shape: v.const.dims as readonly number[] } : v.type;
  if (type) vi.type = typeProto(type.elemType, type.shape);
  return vi;
}

function typeProto(elemType: number, shape: readonly (number | string | null)[] | undefined): TypeProto {
  return create(TypeProtoSchema, {
    value: {
      case: 'tensorType',
      value: {
        elemType,
        ...(shape
          ? {
              shape: {
                dim: shape.map((d) =>
                  typeof d === 'number'
                    ? { value: { case: 'dimValue' as const, value: BigInt(d) } }
                    : typeof d === 'string'
                      ? { value: { case: 'dimParam' as const, value: d } }
                      : {},
                ),
              },
            }
          : {}),
      },
    },
  });
}

/** Field `field` (wire type 2) wrapping the concatenation of `body`, as pieces. */
function lengthDelimited(field: number, body: readonly Uint8Array[]): Uint8Array[] {
  let len = 0;
  for (const b of body) len += b.byteLength;
  return [varint((field << 3) | 2), varint(len), ...body];
}

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

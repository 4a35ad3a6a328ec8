// Writing ONNX: Model → bytes. Weights are streamed as separate pieces (never copied into one
// protobuf buffer, never loaded whole when they come from external data); files are replaced
// atomically, external data first.

import * as path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import { realPath } from '../util/real-path.js';
import { attributeToProto } from './attribute-proto.js';
import { weightFiles } from './external-data.js';
import { ExternalSink } from './external-sink.js';
import { concatPieces, lengthDelimited, type Piece, writeAtomic } from './pieces.js';
import {
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  TensorProto_DataLocation,
  TensorProtoSchema,
  type ValueInfoProto,
} from './proto/onnx_pb.js';
import { tensorConstantOrigin, tensorFileRegion } from './tensor-meta.js';
import { tensorToProto } from './tensor-proto.js';
import { rawByteLength } from './typed-data.js';
import { valueInfoToProto } from './value-info.js';

export interface WriteOptions {
  /**
   * 'inline': every weight inside the .onnx file. 'external': weights of at least
   * `externalThreshold` bytes go to `externalLocation` beside the model. 'auto' (default): external
   * when the model read had external data or the weights exceed 1.8 GB (protobuf's 2 GB limit).
   */
  readonly externalData?: 'auto' | 'inline' | 'external';
  /** Smallest weight, in bytes, that goes to the external file (default 1024, as onnx). */
  readonly externalThreshold?: number;
  /** File name of the external data, relative to the model (default: `<model file name>.data`). */
  readonly externalLocation?: string;
}

const PROTOBUF_LIMIT = 1.8e9;

/** The whole model as one buffer (for in-memory ORT sessions). External weights are read in. */
export function encodeModel(model: Model): Uint8Array {
  return concatPieces(modelPieces(model, undefined));
}

/**
 * Write a model to `file` atomically (temporary file, then rename). Refuses to overwrite the file
 * the model was read from: pare never destroys its input.
 */
export function writeModel(model: Model, file: string, options: WriteOptions = {}): void {
  const target = path.resolve(file);
  if (model.path && realPath(model.path) === realPath(target)) {
    throw new PareError('PARE_IO', `refusing to overwrite the input model '${file}'`, {
      file,
      notes: ['choose another output path'],
    });
  }
  const sink = externalSink(model, file, options);
  try {
    refuseSourceFiles(model, file, [target, ...(sink ? [sink.path] : [])]);
    writeAtomic(target, modelPieces(model, sink), () => sink?.commit());
  } catch (err) {
    sink?.abort();
    if (err instanceof PareError) throw err;
    throw new PareError('PARE_IO', `cannot write model '${file}': ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
}

/**
 * The files the input's weights live in (its external data, whether loaded yet or still streamed
 * from) must not be replaced by the output: the input model would point at the new file. Paths are
 * compared after following symlinks.
 */
function refuseSourceFiles(model: Model, file: string, writes: readonly string[]): void {
  // Symlinks are resolved once per file, not once per tensor.
  const sources = new Set(weightFiles(model).map(realPath));
  for (const w of writes) {
    if (!sources.has(realPath(w))) continue;
    throw new PareError(
      'PARE_IO',
      `refusing to overwrite '${w}' while writing '${file}': the model's weights are read from it (the input's data)`,
      { file, notes: ['choose another output path (or externalLocation) so the input model stays intact'] },
    );
  }
}

function externalSink(model: Model, file: string, options: WriteOptions): ExternalSink | undefined {
  const mode = options.externalData ?? 'auto';
  const tensors = model.graph.initializers.map((v) => v.const!);
  const hadExternal = tensors.some((t) => t.external !== undefined);
  const total = tensors.reduce((s, t) => s + dataLength(t), 0);
  if (mode === 'inline' || (mode === 'auto' && !hadExternal && total <= PROTOBUF_LIMIT)) return undefined;
  const location = options.externalLocation ?? `${path.basename(file)}.data`;
  const rel = path.normalize(location);
  if (path.isAbsolute(location) || rel.startsWith('..') || rel === path.basename(file) || rel === '.') {
    throw new PareError(
      'PARE_CONFIG',
      `external data location '${location}' must be a file name inside the model's folder, other than the model`,
      { file, notes: ["for example 'model.onnx.data'"] },
    );
  }
  const dataPath = path.resolve(path.dirname(path.resolve(file)), rel);
  if (model.path && path.resolve(model.path) === dataPath) {
    throw new PareError(
      'PARE_IO',
      `refusing to overwrite the input model '${model.path}' with external data`,
      {
        file,
        notes: ['choose another externalLocation'],
      },
    );
  }
  const threshold = options.externalThreshold ?? 1024;
  if (!(threshold >= 0)) {
    throw new PareError('PARE_CONFIG', `externalThreshold must be a number of bytes ≥ 0, got ${threshold}`);
  }
  return new ExternalSink(path.dirname(path.resolve(file)), rel, threshold);
}

function dataLength(t: Tensor): number {
  if (t.isString) return 0;
  return tensorFileRegion(t)?.length ?? rawByteLength(t.dataType, t.size) ?? t.rawBytes().byteLength;
}

function modelPieces(model: Model, sink: ExternalSink | undefined): Piece[] {
  const mp = model.extra ? fromBinary(ModelProtoSchema, model.extra) : create(ModelProtoSchema);
  mp.irVersion = BigInt(model.irVersion);
  if (model.producerName) mp.producerName = model.producerName;
  if (model.producerVersion) mp.producerVersion = model.producerVersion;
  if (model.domain) mp.domain = model.domain;
  if (model.modelVersion) mp.modelVersion = BigInt(model.modelVersion);
  if (model.docString) mp.docString = model.docString;
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
  return [toBinary(ModelProtoSchema, mp), ...lengthDelimited(7, graphPieces(model.graph, sink))];
}

function graphPieces(g: Graph, sink: ExternalSink | undefined): Piece[] {
  const gp = g.extra ? fromBinary(GraphProtoSchema, g.extra) : create(GraphProtoSchema);
  if (g.name) gp.name = g.name;
  if (g.docString !== undefined) gp.docString = g.docString;
  const pieces: Piece[] = [];
  const initializers: Value[] = [];
  const inputs = new Set(g.inputs);
  for (const v of g.initializers) {
    // Constants lifted from Constant nodes go back to being nodes (placed first: no inputs).
    const origin = tensorConstantOrigin(v.const!);
    if (origin && !inputs.has(v)) pieces.push(...lengthDelimited(1, constantNodePieces(v, sink)));
    else initializers.push(v);
  }
  gp.node = g.nodes.map(nodeToProto);
  const declared = new Set<Value>([...g.inputs, ...g.outputs, ...g.initializers]);
  gp.input = g.inputs.map(valueInfoToProto);
  gp.output = g.outputs.map(valueInfoToProto);
  const infos: ValueInfoProto[] = [];
  for (const n of g.nodes) {
    for (const v of n.outputs) {
      if (v.name === '' || declared.has(v) || (!v.type && !v.infoExtra)) continue;
      declared.add(v);
      infos.push(valueInfoToProto(v));
    }
  }
  gp.valueInfo = infos;
  pieces.push(toBinary(GraphProtoSchema, gp));
  for (const v of initializers) pieces.push(...lengthDelimited(5, tensorPieces(v.name, v.const!, sink)));
  return pieces;
}

/** A TensorProto as pieces: the header, then raw_data or a reference into the external file. */
function tensorPieces(name: string | undefined, t: Tensor, sink: ExternalSink | undefined): Piece[] {
  if (t.isString) return [toBinary(TensorProtoSchema, tensorToProto(name, t, true))];
  const tp = tensorToProto(name, t, false);
  const data: Piece = tensorFileRegion(t) ?? t.rawBytes();
  const length = data instanceof Uint8Array ? data.byteLength : data.length;
  if (sink && length >= sink.threshold) {
    const offset = sink.append(data);
    tp.dataLocation = TensorProto_DataLocation.EXTERNAL;
    tp.externalData = [
      ['location', sink.location],
      ['offset', String(offset)],
      ['length', String(length)],
    ].map(([key, value]) => ({
      $typeName: 'onnx.StringStringEntryProto' as const,
      key: key!,
      value: value!,
    }));
    return [toBinary(TensorProtoSchema, tp)];
  }
  // raw_data (field 9) is its own piece so the weight bytes are never copied.
  return [toBinary(TensorProtoSchema, tp), ...lengthDelimited(9, [data])];
}

/** A lifted constant as its original Constant node, tensor streamed like an initializer. */
function constantNodePieces(v: Value, sink: ExternalSink | undefined): Piece[] {
  const t = v.const!;
  const origin = tensorConstantOrigin(t)!;
  const np = origin.nodeExtra ? fromBinary(NodeProtoSchema, origin.nodeExtra) : create(NodeProtoSchema);
  np.output = [v.name];
  if (origin.nodeName) np.name = origin.nodeName;
  np.opType = 'Constant';
  if (origin.docString !== undefined) np.docString = origin.docString;
  const attr = create(AttributeProtoSchema, { name: 'value', type: AT.TENSOR });
  const attrPieces = [
    toBinary(AttributeProtoSchema, attr),
    ...lengthDelimited(5, tensorPieces(undefined, t, sink)),
  ];
  return [toBinary(NodeProtoSchema, np), ...lengthDelimited(5, attrPieces)];
}

function nodeToProto(n: Node): NodeProto {
  const np = n.extra ? fromBinary(NodeProtoSchema, n.extra) : create(NodeProtoSchema);
  if (n.name) np.name = n.name;
  np.opType = n.opType;
  if (n.domain) np.domain = n.domain;
  if (n.overload !== undefined) np.overload = n.overload;
  if (n.docString !== undefined) np.docString = n.docString;
  np.input = n.inputs.map((v) => v?.name ?? '');
  // Trailing omitted inputs are dropped, as ONNX allows.
  while (np.input.length > 0 && np.input[np.input.length - 1] === '') np.input.pop();
  np.output = n.outputs.map((v) => v.name);
  np.attribute = [...n.attributes].map(([name, a]) => attributeToProto(name, a));
  return np;
}

// Reading ONNX: file or bytes → ModelProto → Model (Graph IR). The only reader entry point.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Attribute } from '../ir/attribute.js';
import { Graph } from '../ir/graph.js';
import { createModel, type Model } from '../ir/model.js';
import { Node } from '../ir/node.js';
import { type Dim, Value, type ValueType } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import {
  AttributeProto_AttributeType as AT,
  type AttributeProto,
  AttributeProtoSchema,
  type GraphProto,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  type TypeProto,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from './proto/onnx_pb.js';
import { type ExternalResolver, tensorFromProto } from './tensor-proto.js';

export interface ReadOptions {
  /** Directory external-data locations are relative to (defaults to the model file's folder). */
  readonly baseDir?: string;
}

/** Read an ONNX model file. Errors name the file and say what to do. */
export function readModel(file: string, options: ReadOptions = {}): Model {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new PareError(
      'PARE_IO',
      `cannot read model '${file}': ${code === 'ENOENT' ? 'no such file' : String(cause)}`,
      {
        file,
        cause,
        notes: code === 'ENOENT' ? ['check the path'] : [],
      },
    );
  }
  return decodeModel(bytes, { ...options, file, baseDir: options.baseDir ?? path.dirname(file) });
}

export interface DecodeOptions extends ReadOptions {
  /** Name used in error messages. */
  readonly file?: string;
}

export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  const file = options.file ?? '<memory>';
  let mp: ReturnType<typeof fromBinary<typeof ModelProtoSchema>>;
  try {
    mp = fromBinary(ModelProtoSchema, bytes);
  } catch (cause) {
    const msg = String((cause as Error).message ?? cause);
    const truncated = /premature|EOF|out of range|index out of/i.test(msg);
    throw new PareError(
      truncated ? 'PARE_TRUNCATED' : 'PARE_BAD_MODEL',
      truncated
        ? `model '${file}' is truncated or damaged (${bytes.byteLength} bytes; protobuf: ${msg})`
        : `'${file}' is not an ONNX model (protobuf: ${msg})`,
      {
        file,
        cause,
        notes: [truncated ? 'the file ends early: copy or download it again' : 'pass a .onnx file'],
      },
    );
  }
  if (!mp.graph || mp.irVersion === 0n) {
    throw new PareError(
      'PARE_BAD_MODEL',
      `'${file}' is not an ONNX model (no ${mp.graph ? 'ir_version' : 'graph'} found)`,
      {
        file,
        notes: ['pass a .onnx file exported by PyTorch, tf2onnx, paddle2onnx or pare'],
      },
    );
  }
  const irVersion = Number(mp.irVersion);
  if (irVersion < 3) {
    throw new PareError(
      'PARE_BAD_MODEL',
      `model '${file}' has IR version ${irVersion}; pare reads IR versions 3 to 10`,
      {
        file,
        notes: ['re-export the model with a current exporter (opset 7 or newer)'],
      },
    );
  }
  const resolver = options.baseDir === undefined ? undefined : externalResolver(options.baseDir, file);
  const graph = graphFromProto(mp.graph, resolver, file);
  for (const op of mp.opsetImport) graph.opsets.set(op.domain, Number(op.version));
  const rest = create(ModelProtoSchema, { functions: mp.functions, trainingInfo: mp.trainingInfo });
  rest.$unknown = mp.$unknown;
  return createModel(graph, {
    irVersion,
    producerName: mp.producerName,
    producerVersion: mp.producerVersion,
    domain: mp.domain,
    modelVersion: Number(mp.modelVersion),
    docString: mp.docString,
    metadata: new Map(mp.metadataProps.map((e) => [e.key, e.value])),
    extra: nonEmpty(toBinary(ModelProtoSchema, rest)),
    path: options.file,
  });
}

function graphFromProto(gp: GraphProto, resolver: ExternalResolver | undefined, file: string): Graph {
  const g = new Graph(gp.name);
  g.docString = gp.docString || undefined;
  const rest = create(GraphProtoSchema, {
    sparseInitializer: gp.sparseInitializer,
    quantizationAnnotation: gp.quantizationAnnotation,
    metadataProps: gp.metadataProps,
  });
  rest.$unknown = gp.$unknown;
  g.extra = nonEmpty(toBinary(GraphProtoSchema, rest));

  for (const tp of gp.initializer) {
    if (g.value(tp.name)) {
      throw new PareError('PARE_BAD_MODEL', `model '${file}' defines initializer '${tp.name}' twice`, {
        file,
        tensor: tp.name,
      });
    }
    g.addInitializer(tp.name, tensorFromProto(tp, resolver));
  }
  for (const vi of gp.input) {
    const existing = g.value(vi.name);
    if (existing?.isConst) {
      g.initializerInputs.add(vi.name);
      g.inputs.push(existing);
      applyValueInfo(existing, vi);
    } else {
      const v = g.createValue(vi.name);
      applyValueInfo(v, vi);
      g.inputs.push(v);
    }
  }
  const usedNames = new Set<string>();
  gp.node.forEach((np, index) => {
    let name = np.name;
    if (name === '' || usedNames.has(name)) name = uniqueNodeName(name || `${np.opType}_${index}`, usedNames);
    usedNames.add(name);
    const node = new Node(np.opType, name, np.domain);
    node.overload = np.overload || undefined;
    node.docString = np.docString || undefined;
    const rest = create(NodeProtoSchema, { metadataProps: np.metadataProps });
    rest.$unknown = np.$unknown;
    node.extra = nonEmpty(toBinary(NodeProtoSchema, rest));
    const outerRefs = new Set<string>();
    for (const ap of np.attribute) {
      node.setAttr(ap.name, attributeFromProto(ap, resolver, outerRefs));
    }
    np.input.forEach((inp, i) => {
      node.setInput(i, inp === '' ? null : g.ensureValue(inp));
    });
    for (const out of np.output) {
      if (out === '') {
        node.addOutput(new Value(''));
        continue;
      }
      const v = g.ensureValue(out);
      if (v.producer || v.isConst) {
        throw new PareError(
          'PARE_BAD_MODEL',
          `${np.opType} '${name}' output '${out}' is produced twice in '${file}'`,
          {
            file,
            node,
            notes: ['the model breaks ONNX single assignment; re-export it'],
          },
        );
      }
      node.addOutput(v);
    }
    for (const ref of outerRefs) {
      const v = g.value(ref);
      if (v) node.addImplicitInput(v);
    }
    g.pushNode(node);
  });
  for (const vi of gp.output) {
    const v = g.ensureValue(vi.name);
    applyValueInfo(v, vi);
    g.outputs.push(v);
  }
  for (const vi of gp.valueInfo) {
    const v = g.value(vi.name);
    if (v) applyValueInfo(v, vi);
  }
  return g;
}

function uniqueNodeName(base: string, used: Set<string>): string {
  let k = 1;
  while (used.has(`${base}_${k}`)) k++;
  return used.has(base) ? `${base}_${k}` : base;
}

function applyValueInfo(v: Value, vi: ValueInfoProto): void {
  const type = vi.type ? tensorTypeOf(vi.type) : undefined;
  if (type && !v.isConst) v.type = type;
  const rest = create(ValueInfoProtoSchema, { docString: vi.docString, metadataProps: vi.metadataProps });
  if (vi.type && !type) rest.type = vi.type;
  rest.$unknown = vi.$unknown;
  v.infoExtra = nonEmpty(toBinary(ValueInfoProtoSchema, rest));
}

function tensorTypeOf(tp: TypeProto): ValueType | undefined {
  if (tp.value.case !== 'tensorType') return undefined;
  const t = tp.value.value;
  const shape: Dim[] | undefined = t.shape
    ? t.shape.dim.map((d) =>
        d.value.case === 'dimValue'
          ? Number(d.value.value)
          : d.value.case === 'dimParam'
            ? d.value.value
            : null,
      )
    : undefined;
  return { elemType: t.elemType, shape };
}

const decoder = new TextDecoder();

function attributeFromProto(
  ap: AttributeProto,
  resolver: ExternalResolver | undefined,
  outerRefs: Set<string>,
): Attribute {
  const type = ap.type !== AT.UNDEFINED ? ap.type : guessType(ap);
  const opaque = (): Attribute => {
    const hasGraph = type === AT.GRAPH || type === AT.GRAPHS;
    if (hasGraph) for (const sub of ap.g ? [ap.g] : ap.graphs) collectOuterRefs(sub, outerRefs);
    return { kind: 'opaque', value: toBinary(AttributeProtoSchema, ap), hasGraph };
  };
  if (ap.refAttrName !== '' || ap.docString !== '' || ap.$unknown?.length) return opaque();
  switch (type) {
    case AT.FLOAT:
      return { kind: 'float', value: ap.f };
    case AT.INT:
      return { kind: 'int', value: Number(ap.i) };
    case AT.STRING:
      return { kind: 'string', value: decoder.decode(ap.s) };
    case AT.TENSOR:
      return ap.t ? { kind: 'tensor', value: tensorFromProto(ap.t, resolver) } : opaque();
    case AT.FLOATS:
      return { kind: 'floats', value: [...ap.floats] };
    case AT.INTS:
      return { kind: 'ints', value: ap.ints.map(Number) };
    case AT.STRINGS:
      return { kind: 'strings', value: ap.strings.map((s) => decoder.decode(s)) };
    case AT.TENSORS:
      return { kind: 'tensors', value: ap.tensors.map((t) => tensorFromProto(t, resolver)) };
    default:
      return opaque();
  }
}

function guessType(ap: AttributeProto): AT {
  if (ap.ints.length) return AT.INTS;
  if (ap.floats.length) return AT.FLOATS;
  if (ap.strings.length) return AT.STRINGS;
  if (ap.t) return AT.TENSOR;
  if (ap.g) return AT.GRAPH;
  if (ap.s.length) return AT.STRING;
  if (ap.i !== 0n) return AT.INT;
  return AT.FLOAT;
}

/** Names a subgraph reads from enclosing scopes (defined neither inside it nor by its inputs). */
function collectOuterRefs(gp: GraphProto, refs: Set<string>): void {
  const defined = new Set<string>([...gp.input.map((v) => v.name), ...gp.initializer.map((t) => t.name)]);
  for (const n of gp.node) {
    for (const i of n.input) if (i !== '' && !defined.has(i)) refs.add(i);
    for (const a of n.attribute) {
      const inner = new Set<string>();
      for (const sub of a.g ? [a.g] : a.graphs) collectOuterRefs(sub, inner);
      for (const r of inner) if (!defined.has(r)) refs.add(r);
    }
    for (const o of n.output) defined.add(o);
  }
  for (const o of gp.output) if (!defined.has(o.name)) refs.add(o.name);
}

function externalResolver(baseDir: string, file: string): ExternalResolver {
  const fds = new Map<string, number>();
  return (location, offset, length, tensor) => {
    const full = path.resolve(baseDir, location);
    if (path.relative(baseDir, full).startsWith('..')) {
      throw new PareError(
        'PARE_EXTERNAL_DATA',
        `tensor '${tensor}' points outside the model folder ('${location}')`,
        {
          file,
          tensor,
          notes: ['external data must sit next to the model file'],
        },
      );
    }
    let fd = fds.get(full);
    if (fd === undefined) {
      try {
        // Kept open for the process: reads stay valid even if a writer later replaces the file.
        fd = fs.openSync(full, 'r');
      } catch {
        throw new PareError(
          'PARE_EXTERNAL_DATA',
          `tensor '${tensor}' of model '${file}' keeps its data in '${location}', which is missing`,
          {
            file,
            tensor,
            notes: [`put '${location}' next to the model (expected at '${full}')`],
          },
        );
      }
      fds.set(full, fd);
    }
    const size = fs.fstatSync(fd).size;
    const len = length < 0 ? size - offset : length;
    if (offset + len > size) {
      throw new PareError(
        'PARE_EXTERNAL_DATA',
        `tensor '${tensor}' needs bytes ${offset}..${offset + len} of '${location}', which has only ${size}`,
        { file, tensor, notes: ['the external-data file is truncated or belongs to another model'] },
      );
    }
    const handle = fd;
    return () => {
      const out = new Uint8Array(len);
      let done = 0;
      while (done < len) done += fs.readSync(handle, out, done, len - done, offset + done);
      return out;
    };
  };
}

function nonEmpty(bytes: Uint8Array): Uint8Array | undefined {
  return bytes.byteLength > 0 ? bytes : undefined;
}

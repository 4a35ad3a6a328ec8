// GraphProto (as read, tensors undecoded) → Graph: initializers, inputs, nodes with their
// attributes and subgraph references, outputs, value_info. Checks single assignment on the way.

import { create, isFieldSet, toBinary } from '@bufbuild/protobuf';
import { Graph } from '../ir/graph.js';
import { Node } from '../ir/node.js';
import { Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import { attributeFromProto } from './attribute-proto.js';
import {
  AttributeProtoShallowSchema,
  GraphProtoSchema,
  type GraphProtoShallow,
  NodeProtoSchema,
  type NodeProtoShallow,
} from './proto/onnx_pb.js';
import { setTensorConstantOrigin } from './tensor-meta.js';
import { decodeTensor, type TensorReadContext } from './tensor-proto.js';
import { applyValueInfo } from './value-info.js';

export function graphFromProto(gp: GraphProtoShallow, ctx: TensorReadContext, liftConstants: boolean): Graph {
  const { file } = ctx;
  const g = new Graph(gp.name);
  g.docString = gp.docString || undefined;
  const rest = create(GraphProtoSchema, {
    sparseInitializer: gp.sparseInitializer,
    quantizationAnnotation: gp.quantizationAnnotation,
    metadataProps: gp.metadataProps,
  });
  if (gp.$unknown) rest.$unknown = gp.$unknown;
  g.extra = nonEmpty(toBinary(GraphProtoSchema, rest));

  gp.initializer.forEach((bytes, i) => {
    const { name, tensor } = decodeTensor(bytes, ctx, `initializer ${i}`, false);
    if (name === '') {
      throw new PareError('PARE_BAD_MODEL', `initializer ${i} of model '${file}' has no name`, { file });
    }
    if (g.value(name)) {
      throw new PareError('PARE_BAD_MODEL', `model '${file}' defines initializer '${name}' twice`, {
        file,
        tensor: name,
        notes: ['the model breaks ONNX single assignment; export it again'],
      });
    }
    g.addInitializer(name, tensor);
  });
  const inputs = new Set<Value>();
  for (const vi of gp.input) {
    const existing = g.value(vi.name);
    if (existing && (!existing.isConst || inputs.has(existing))) {
      throw new PareError('PARE_BAD_MODEL', `model '${file}' declares graph input '${vi.name}' twice`, {
        file,
        tensor: vi.name,
      });
    }
    const v = existing ?? g.createValue(vi.name);
    // IR < 4 lists initializers as inputs too (ONNX Runtime then lets callers override them).
    if (existing) g.initializerInputs.add(vi.name);
    applyValueInfo(v, vi);
    g.inputs.push(v);
    inputs.add(v);
  }

  const usedNames = new Set<string>();
  gp.node.forEach((np, index) => {
    if (liftConstants && liftConstant(g, np, ctx, inputs)) return;
    let name = np.name;
    if (name === '' || usedNames.has(name)) name = uniqueNodeName(name || `${np.opType}_${index}`, usedNames);
    usedNames.add(name);
    const node = new Node(np.opType, name, np.domain);
    node.overload = np.overload || undefined;
    node.docString = np.docString || undefined;
    node.extra = nodeExtra(np);
    const outerRefs = new Set<string>();
    for (const ap of np.attribute) {
      const label = `${np.opType} '${name}' attribute '${ap.name}'`;
      node.setAttr(ap.name, attributeFromProto(ap, ctx, label, outerRefs));
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
      checkFreshOutput(v, inputs, np.opType, name, file);
      node.addOutput(v);
    }
    for (const ref of outerRefs) node.addImplicitInput(g.ensureValue(ref));
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

function checkFreshOutput(v: Value, inputs: Set<Value>, opType: string, name: string, file: string): void {
  if (!v.producer && !v.isConst && !inputs.has(v)) return;
  const what = v.producer
    ? `is produced twice (also by ${v.producer.opType} '${v.producer.name}')`
    : v.isConst
      ? 'is also an initializer'
      : 'is also a graph input';
  throw new PareError('PARE_BAD_MODEL', `${opType} '${name}' output '${v.name}' ${what} in '${file}'`, {
    file,
    node: { name, opType },
    tensor: v.name,
    notes: ['the model breaks ONNX single assignment; export it again'],
  });
}

/**
 * A `Constant` holding a plain tensor becomes an initializer (remembering the node, so the writer
 * can restore it). Anything unusual about the node keeps it a node.
 */
function liftConstant(g: Graph, np: NodeProtoShallow, ctx: TensorReadContext, inputs: Set<Value>): boolean {
  const ap = np.attribute[0];
  const out = np.output[0];
  if (
    np.opType !== 'Constant' ||
    (np.domain !== '' && np.domain !== 'ai.onnx') ||
    np.overload !== '' ||
    np.input.length !== 0 ||
    np.output.length !== 1 ||
    !out ||
    np.attribute.length !== 1 ||
    !ap ||
    ap.name !== 'value' ||
    ap.refAttrName !== '' ||
    ap.docString !== '' ||
    ap.$unknown?.length ||
    !isFieldSet(ap, AttributeProtoShallowSchema.field.t)
  ) {
    return false;
  }
  const existing = g.value(out);
  if (existing && inputs.has(existing)) return false;
  const label = `Constant '${np.name}' attribute 'value' tensor`;
  const { tensor } = decodeTensor(ap.t, ctx, label, true);
  if (existing) {
    checkFreshOutput(existing, inputs, 'Constant', np.name, ctx.file);
    // Used before its Constant (out of order); the value object must stay the same.
    existing.const = tensor;
    existing.type = { elemType: tensor.dataType, shape: [...tensor.dims] };
    g.initializers.push(existing);
  } else {
    g.addInitializer(out, tensor);
  }
  setTensorConstantOrigin(tensor, {
    nodeName: np.name,
    docString: np.docString || undefined,
    nodeExtra: nodeExtra(np),
  });
  return true;
}

function nodeExtra(np: NodeProtoShallow): Uint8Array | undefined {
  const rest = create(NodeProtoSchema, { metadataProps: np.metadataProps });
  if (np.$unknown) rest.$unknown = np.$unknown;
  return nonEmpty(toBinary(NodeProtoSchema, rest));
}

function uniqueNodeName(base: string, used: Set<string>): string {
  if (!used.has(base)) return base;
  let k = 1;
  while (used.has(`${base}_${k}`)) k++;
  return `${base}_${k}`;
}

function nonEmpty(bytes: Uint8Array): Uint8Array | undefined {
  return bytes.byteLength > 0 ? bytes : undefined;
}

// AttributeProto ⇄ Attribute. Kinds pare reads become typed values; everything it cannot reproduce
// exactly (subgraphs, sparse tensors, type protos, ref_attr_name, doc strings, unknown fields, odd
// bytes) stays the encoded AttributeProto, written back byte for byte.

import { create, fromBinary, isFieldSet, toBinary } from '@bufbuild/protobuf';
import type { Attribute } from '../ir/attribute.js';
import {
  AttributeProto_AttributeType as AT,
  type AttributeProto,
  AttributeProtoSchema,
  type AttributeProtoShallow,
  AttributeProtoShallowSchema,
  type GraphProto,
} from './proto/onnx_pb.js';
import { decodeTensor, type TensorReadContext, tensorToProto } from './tensor-proto.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Decode one attribute. Names that subgraphs read from the enclosing graph are added to
 * `outerRefs`, so that the node counts as a use of them.
 */
export function attributeFromProto(
  ap: AttributeProtoShallow,
  ctx: TensorReadContext,
  label: string,
  outerRefs: Set<string>,
): Attribute {
  const type = ap.type !== AT.UNDEFINED ? ap.type : guessType(ap);
  const opaque = (): Attribute => {
    const hasGraph = ap.g !== undefined || ap.graphs.length > 0;
    for (const sub of ap.g ? [ap.g, ...ap.graphs] : ap.graphs) collectOuterRefs(sub, outerRefs);
    return { kind: 'opaque', value: toBinary(AttributeProtoShallowSchema, ap), hasGraph };
  };
  if (ap.refAttrName !== '' || ap.docString !== '' || ap.$unknown?.length) return opaque();
  switch (type) {
    case AT.FLOAT:
      return { kind: 'float', value: ap.f };
    case AT.INT:
      return exactInt(ap.i) ? { kind: 'int', value: Number(ap.i) } : opaque();
    case AT.STRING:
      return exactText(ap.s) ? { kind: 'string', value: decoder.decode(ap.s) } : opaque();
    case AT.TENSOR:
      return isFieldSet(ap, AttributeProtoShallowSchema.field.t)
        ? { kind: 'tensor', value: decodeTensor(ap.t, ctx, `${label} tensor`, true).tensor }
        : opaque();
    case AT.FLOATS:
      return { kind: 'floats', value: [...ap.floats] };
    case AT.INTS:
      return ap.ints.every(exactInt) ? { kind: 'ints', value: ap.ints.map(Number) } : opaque();
    case AT.STRINGS:
      return ap.strings.every(exactText)
        ? { kind: 'strings', value: ap.strings.map((s) => decoder.decode(s)) }
        : opaque();
    case AT.TENSORS:
      return {
        kind: 'tensors',
        value: ap.tensors.map((t, i) => decodeTensor(t, ctx, `${label} tensor ${i}`, true).tensor),
      };
    default:
      return opaque();
  }
}

/** True when the int64 survives the trip through a JS number (INT64_MAX/MIN clamp back exactly). */
function exactInt(v: bigint): boolean {
  const n = Number(v);
  return Number.isSafeInteger(n) || toInt64(n) === v;
}

function exactText(bytes: Uint8Array): boolean {
  return Buffer.compare(encoder.encode(decoder.decode(bytes)), bytes) === 0;
}

/** Old exporters leave `type` unset; infer it from the field that holds the value. */
function guessType(ap: AttributeProtoShallow): AT {
  if (ap.ints.length) return AT.INTS;
  if (ap.floats.length) return AT.FLOATS;
  if (ap.strings.length) return AT.STRINGS;
  if (ap.tensors.length) return AT.TENSORS;
  if (isFieldSet(ap, AttributeProtoShallowSchema.field.t)) return AT.TENSOR;
  if (ap.g) return AT.GRAPH;
  if (ap.graphs.length) return AT.GRAPHS;
  if (isFieldSet(ap, AttributeProtoShallowSchema.field.s)) return AT.STRING;
  if (isFieldSet(ap, AttributeProtoShallowSchema.field.i)) return AT.INT;
  if (isFieldSet(ap, AttributeProtoShallowSchema.field.f)) return AT.FLOAT;
  return AT.UNDEFINED;
}

/** Names a subgraph reads from enclosing scopes (defined neither inside it nor by its inputs). */
export function collectOuterRefs(gp: GraphProto, refs: Set<string>): void {
  const defined = new Set<string>([
    ...gp.input.map((v) => v.name),
    ...gp.initializer.map((t) => t.name),
    ...gp.sparseInitializer.map((t) => t.values?.name ?? ''),
  ]);
  for (const n of gp.node) {
    for (const i of n.input) if (i !== '' && !defined.has(i)) refs.add(i);
    for (const a of n.attribute) {
      const inner = new Set<string>();
      for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) collectOuterRefs(sub, inner);
      for (const r of inner) if (!defined.has(r)) refs.add(r);
    }
    for (const o of n.output) defined.add(o);
  }
  for (const o of gp.output) if (!defined.has(o.name)) refs.add(o.name);
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Numbers beyond int64 (INT64_MAX read back as a float) are clamped, not wrapped. */
export function toInt64(v: number): bigint {
  if (v >= 9.2233720368547758e18) return INT64_MAX;
  if (v <= -9.2233720368547758e18) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

export function attributeToProto(name: string, a: Attribute): AttributeProto {
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
      ap.t = tensorToProto(undefined, a.value, true);
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
      ap.tensors = a.value.map((t) => tensorToProto(undefined, t, true));
      break;
  }
  return ap;
}

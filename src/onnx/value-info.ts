// ValueInfoProto ⇄ Value type. Tensor types become {elemType, shape} with symbolic dims kept; a
// type pare cannot rebuild exactly (sequences, maps, denotations, unknown fields) is kept encoded
// and written back unchanged as long as the value's type has not been changed.

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Dim, Value, ValueType } from '../ir/value.js';
import {
  type TypeProto,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from './proto/onnx_pb.js';

/** Apply a ValueInfoProto read from the file to `v` (constants keep the type of their tensor). */
export function applyValueInfo(v: Value, vi: ValueInfoProto): void {
  const type = vi.type ? tensorTypeOf(vi.type) : undefined;
  if (type && !v.isConst) v.type = type;
  const rest = create(ValueInfoProtoSchema, { metadataProps: vi.metadataProps });
  if (vi.docString) rest.docString = vi.docString;
  if (vi.type && !(type && sameBytes(typeProto(type), vi.type))) rest.type = vi.type;
  if (vi.$unknown) rest.$unknown = vi.$unknown;
  const bytes = toBinary(ValueInfoProtoSchema, rest);
  v.infoExtra = bytes.byteLength > 0 ? bytes : undefined;
}

export function valueInfoToProto(v: Value): ValueInfoProto {
  const vi = v.infoExtra ? fromBinary(ValueInfoProtoSchema, v.infoExtra) : create(ValueInfoProtoSchema);
  vi.name = v.name;
  const type: ValueType | undefined = v.const ? { elemType: v.const.dataType, shape: v.const.dims } : v.type;
  const kept = vi.type ? tensorTypeOf(vi.type) : undefined;
  if (type && !(kept && sameType(kept, type))) vi.type = typeProto(type);
  return vi;
}

function sameBytes(a: TypeProto, b: TypeProto): boolean {
  return Buffer.compare(toBinary(TypeProtoSchema, a), toBinary(TypeProtoSchema, b)) === 0;
}

export function tensorTypeOf(tp: TypeProto): ValueType | undefined {
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

export function sameType(a: ValueType, b: ValueType): boolean {
  if (a.elemType !== b.elemType) return false;
  if (a.shape === undefined || b.shape === undefined) return a.shape === b.shape;
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape![i]);
}

export function typeProto(type: ValueType): TypeProto {
  const shape = type.shape;
  return create(TypeProtoSchema, {
    value: {
      case: 'tensorType',
      value: {
        elemType: type.elemType,
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

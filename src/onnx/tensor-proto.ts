// TensorProto ⇄ Tensor, including typed lists (float_data, int32_data, ...) and external data.

import { create } from '@bufbuild/protobuf';
import { dtypeFromCode, dtypes } from '../ir/dtype.js';
import { Tensor } from '../ir/tensor.js';
import { PareError } from '../util/errors.js';
import { type TensorProto, TensorProto_DataLocation, TensorProtoSchema } from './proto/onnx_pb.js';

/** Opens external-data files relative to the model; returns a loader for (location, offset, length). */
export type ExternalResolver = (
  location: string,
  offset: number,
  length: number,
  tensor: string,
) => () => Uint8Array;

export function tensorFromProto(tp: TensorProto, resolveExternal: ExternalResolver | undefined): Tensor {
  const dims = tp.dims.map(Number);
  const code = tp.dataType;
  if (tp.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    const entries = new Map(tp.externalData.map((e) => [e.key, e.value]));
    const location = entries.get('location');
    if (!location) {
      throw new PareError(
        'PARE_EXTERNAL_DATA',
        `tensor '${tp.name}' is marked external but names no location`,
        {
          tensor: tp.name,
          notes: ['re-export the model, or save it with all weights inside the .onnx file'],
        },
      );
    }
    const offset = Number(entries.get('offset') ?? 0);
    const dt = dtypeFromCode(code);
    const length = Number(
      entries.get('length') ?? (dt && dt !== 'string' ? sizeOf(dims) * dtypes[dt].bytes : -1),
    );
    if (!resolveExternal) {
      throw new PareError(
        'PARE_EXTERNAL_DATA',
        `tensor '${tp.name}' keeps its data in '${location}', but the model was read from memory`,
        {
          tensor: tp.name,
          notes: ['read the model from its file so that external data can be found next to it'],
        },
      );
    }
    const t = Tensor.fromLazy(code, dims, resolveExternal(location, offset, length, tp.name));
    t.external = { location, offset, length };
    return t;
  }
  if (tp.rawData.byteLength > 0 || code === 0) return Tensor.fromRaw(code, dims, tp.rawData);
  const dt = dtypeFromCode(code);
  const n = sizeOf(dims);
  switch (dt) {
    case 'string':
      return Tensor.fromStrings(dims, tp.stringData);
    case 'float32':
      return Tensor.from('float32', dims, checkLength(Float32Array.from(tp.floatData), n, tp));
    case 'float64':
      return Tensor.from('float64', dims, checkLength(Float64Array.from(tp.doubleData), n, tp));
    case 'int64':
      return Tensor.from('int64', dims, checkLength(BigInt64Array.from(tp.int64Data), n, tp));
    case 'uint64':
      return Tensor.from('uint64', dims, checkLength(BigUint64Array.from(tp.uint64Data), n, tp));
    case 'uint32':
      return Tensor.from('uint32', dims, checkLength(Uint32Array.from(tp.uint64Data, Number), n, tp));
    case 'int32':
      return Tensor.from('int32', dims, checkLength(Int32Array.from(tp.int32Data), n, tp));
    case 'int16':
      return Tensor.from('int16', dims, checkLength(Int16Array.from(tp.int32Data), n, tp));
    case 'int8':
      return Tensor.from('int8', dims, checkLength(Int8Array.from(tp.int32Data), n, tp));
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return Tensor.from(dt, dims, checkLength(Uint16Array.from(tp.int32Data), n, tp));
    case 'uint8':
    case 'bool':
      return Tensor.from(dt, dims, checkLength(Uint8Array.from(tp.int32Data), n, tp));
    case undefined:
      // Element types pare does not model keep their int32_data words as bytes.
      return Tensor.fromRaw(code, dims, new Uint8Array(Int32Array.from(tp.int32Data).buffer));
  }
}

/** TensorProto without its payload when `withData` is false (the writer streams raw_data itself). */
export function tensorToProto(name: string, t: Tensor, withData: boolean): TensorProto {
  const tp = create(TensorProtoSchema, { name, dataType: t.dataType, dims: t.dims.map(BigInt) });
  if (t.isString) {
    tp.stringData = t.strings();
  } else if (withData) {
    tp.rawData = t.rawBytes();
  }
  return tp;
}

function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function checkLength<T extends { length: number }>(data: T, expected: number, tp: TensorProto): T {
  if (data.length !== expected) {
    throw new PareError(
      'PARE_BAD_MODEL',
      `tensor '${tp.name}' has ${data.length} values, but its dims [${tp.dims.join(', ')}] need ${expected}`,
      { tensor: tp.name, notes: ['the model file is damaged; re-export it'] },
    );
  }
  return data;
}

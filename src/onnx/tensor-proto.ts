// TensorProto ⇄ Tensor. Reads every encoding ONNX allows (raw_data, the typed lists, string_data,
// external data) from the message's own bytes; writes raw_data. Fields pare does not model survive.

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { dtypeFromCode } from '../ir/dtype.js';
import { Tensor } from '../ir/tensor.js';
import { PareError } from '../util/errors.js';
import { type ExternalFiles, readRegion } from './external-data.js';
import type { LazyScan, SkippedData } from './lazy-scan.js';
import { type TensorProto, TensorProto_DataLocation, TensorProtoSchema } from './proto/onnx_pb.js';
import { setTensorFileRegion, setTensorProtoRest, tensorProtoRest } from './tensor-meta.js';
import {
  isTypedField,
  listLength,
  rawByteLength,
  typedFieldFor,
  typedFieldName,
  typedListBytes,
} from './typed-data.js';
import { WireError, wireFields } from './wire.js';

export interface TensorReadContext {
  /** Model file, for messages. */
  readonly file: string;
  /** Opens external data; undefined when the model was decoded from memory. */
  readonly external: ExternalFiles | undefined;
  /** Model read by scanning: raw_data left in the file, by the tensor's offset in `scan.compact`. */
  readonly scan?: LazyScan;
}

/**
 * Decode a TensorProto from its bytes. Initializers take their name from the value they define;
 * attribute tensors (`keepName`) keep theirs with the other unmodeled fields.
 */
export function decodeTensor(
  bytes: Uint8Array,
  ctx: TensorReadContext,
  label: string,
  keepName: boolean,
): { name: string; tensor: Tensor } {
  const typed = new Map<number, Uint8Array[]>();
  const rest: [number, number][] = [];
  try {
    for (const f of wireFields(bytes)) {
      if (isTypedField(f.no)) {
        const chunks = typed.get(f.no) ?? [];
        chunks.push(bytes.subarray(f.dataStart, f.end));
        typed.set(f.no, chunks);
      } else rest.push([f.start, f.end]);
    }
  } catch (cause) {
    if (!(cause instanceof WireError)) throw cause;
    throw new PareError('PARE_BAD_MODEL', `${label} of model '${ctx.file}' is damaged (${cause.message})`, {
      file: ctx.file,
      cause,
      notes: ['the file is corrupt; export or download it again'],
    });
  }
  const tp = fromBinary(TensorProtoSchema, typed.size === 0 ? bytes : gather(bytes, rest));
  const name = tp.name;
  const scan = ctx.scan;
  const skipped =
    scan && bytes.buffer === scan.compact.buffer
      ? scan.regions.get(bytes.byteOffset - scan.compact.byteOffset)
      : undefined;
  const tensor = tensorFromParts(tp, typed, ctx, skipped);
  const extra = create(TensorProtoSchema, { metadataProps: tp.metadataProps });
  if (tp.docString) extra.docString = tp.docString;
  if (keepName && name) extra.name = name;
  if (tp.segment) extra.segment = tp.segment;
  if (tp.$unknown) extra.$unknown = tp.$unknown;
  const encoded = toBinary(TensorProtoSchema, extra);
  if (encoded.byteLength > 0) setTensorProtoRest(tensor, encoded);
  return { name, tensor };
}

function tensorFromParts(
  tp: TensorProto,
  typed: Map<number, Uint8Array[]>,
  ctx: TensorReadContext,
  skipped: SkippedData | undefined,
): Tensor {
  const code = tp.dataType;
  const dims = tp.dims.map(Number);
  const fail = (text: string, notes = ['the model file is damaged; export it again']): PareError =>
    new PareError('PARE_BAD_MODEL', `tensor '${tp.name}' of model '${ctx.file}' ${text}`, {
      file: ctx.file,
      tensor: tp.name,
      notes,
    });
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw fail(`has invalid dims [${dims.join(', ')}]`);
  const size = dims.reduce((a, b) => a * b, 1);
  const typeName = `${dtypeFromCode(code) ?? `type ${code}`}[${dims.join(', ')}]`;
  const expected = rawByteLength(code, size);

  if (tp.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    const entries = new Map(tp.externalData.map((e) => [e.key, e.value]));
    const location = entries.get('location');
    if (!location) throw fail('is marked external but names no location');
    const offset = parseCount(entries.get('offset') ?? '0');
    const lengthText = entries.get('length');
    const length = lengthText === undefined ? expected : parseCount(lengthText);
    if (offset === undefined || (length === undefined && lengthText !== undefined)) {
      throw fail(`has a bad external offset or length ('${entries.get('offset')}', '${lengthText}')`);
    }
    if (length !== undefined && expected !== undefined && length !== expected) {
      throw fail(`keeps ${length} bytes in '${location}', but ${typeName} needs ${expected}`);
    }
    if (!ctx.external) {
      throw new PareError(
        'PARE_EXTERNAL_DATA',
        `tensor '${tp.name}' keeps its data in '${location}', but the model was decoded from memory`,
        {
          tensor: tp.name,
          notes: ['read the model from its file (readModel) or pass baseDir so external data can be found'],
        },
      );
    }
    const source = ctx.external.locate(location, offset, length, tp.name);
    const t = Tensor.fromLazy(code, dims, () => readRegion(source));
    t.external = { location, offset, length: source.length };
    setTensorFileRegion(t, source);
    return t;
  }
  if (skipped) {
    // Data left in the model file by the scan: checked as the full reader would, loaded when needed.
    const { region, field } = skipped;
    const want = typedFieldFor(code);
    if (field !== RAW_DATA && typed.size > 0) {
      throw fail(
        `has values in ${[field, ...typed.keys()].map(typedFieldName).join(' and ')}; ONNX allows one list`,
      );
    }
    if (field !== RAW_DATA && field !== want) {
      throw fail(
        `(${typeName}) keeps its values in ${typedFieldName(field)}; ONNX expects ${want === undefined ? 'raw_data' : typedFieldName(want)}`,
      );
    }
    if (expected !== undefined && region.length !== expected) {
      throw fail(
        field === RAW_DATA
          ? `has ${region.length} bytes of raw_data, but ${typeName} needs ${expected}`
          : `has ${listLength(code, field, region.length)} values in ${typedFieldName(field)}, but ${typeName} needs ${listLength(code, field, expected)}`,
      );
    }
    const t = Tensor.fromLazy(code, dims, () => readRegion(region));
    setTensorFileRegion(t, region);
    return t;
  }
  if (code === 8) {
    if (tp.stringData.length !== size)
      throw fail(`has ${tp.stringData.length} strings, but dims need ${size}`);
    return Tensor.fromStrings(dims, tp.stringData);
  }
  // Non-empty raw_data wins over typed lists, as in ONNX Runtime; an empty one defers to them.
  if (tp.rawData.byteLength > 0 || typed.size === 0) {
    const raw = tp.rawData;
    if (raw.byteLength === 0 && size > 0)
      throw fail(`has no data, but ${typeName} needs ${expected ?? size} bytes`);
    if (expected !== undefined && raw.byteLength !== expected) {
      throw fail(`has ${raw.byteLength} bytes of raw_data, but ${typeName} needs ${expected}`);
    }
    return Tensor.fromRaw(code, dims, raw);
  }
  if (typed.size > 1) {
    throw fail(`has values in ${[...typed.keys()].map(typedFieldName).join(' and ')}; ONNX allows one list`);
  }
  const [field, chunks] = [...typed][0]!;
  const want = typedFieldFor(code);
  if (field !== want) {
    throw fail(
      `(${typeName}) keeps its values in ${typedFieldName(field)}; ONNX expects ${want === undefined ? 'raw_data' : typedFieldName(want)}`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = typedListBytes(code, field, chunks);
  } catch (cause) {
    throw fail(`has damaged ${typedFieldName(field)} (${(cause as Error).message})`);
  }
  if (expected !== undefined && bytes.byteLength !== expected) {
    const got = listLength(code, field, bytes.byteLength);
    throw fail(
      `has ${got} values in ${typedFieldName(field)}, but ${typeName} needs ${listLength(code, field, expected)}`,
    );
  }
  return Tensor.fromRaw(code, dims, bytes);
}

const RAW_DATA = 9;

function parseCount(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function gather(bytes: Uint8Array, ranges: readonly [number, number][]): Uint8Array {
  let n = 0;
  for (const [a, b] of ranges) n += b - a;
  const out = new Uint8Array(n);
  let at = 0;
  for (const [a, b] of ranges) {
    out.set(bytes.subarray(a, b), at);
    at += b - a;
  }
  return out;
}

/**
 * TensorProto without its payload (the writer streams raw_data or external data itself), or with
 * it when `withData`. `name` undefined keeps the tensor's own name (attribute tensors).
 */
export function tensorToProto(name: string | undefined, t: Tensor, withData: boolean): TensorProto {
  const rest = tensorProtoRest(t);
  const tp = rest ? fromBinary(TensorProtoSchema, rest) : create(TensorProtoSchema);
  if (name) tp.name = name;
  if (t.dims.length > 0) tp.dims = t.dims.map(BigInt);
  tp.dataType = t.dataType;
  if (t.isString) tp.stringData = t.strings();
  else if (withData) tp.rawData = t.rawBytes();
  return tp;
}

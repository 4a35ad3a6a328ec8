// TensorProto's typed lists (float_data, int32_data, int64_data, double_data, uint64_data) decoded
// straight from their wire bytes into the little-endian layout raw_data would have. Fixed-width
// lists already are that layout (a view, no copy); varint lists are decoded in one pass.

import { decodeVarints } from './wire.js';

/** TensorProto field numbers of the typed lists. */
export const TypedField = { float: 4, int32: 5, int64: 7, double: 10, uint64: 11 } as const;

const fieldNames: Record<number, string> = {
  4: 'float_data',
  5: 'int32_data',
  7: 'int64_data',
  10: 'double_data',
  11: 'uint64_data',
};

export function isTypedField(no: number): boolean {
  return no in fieldNames;
}

export function typedFieldName(no: number): string {
  return fieldNames[no] ?? `field ${no}`;
}

/** The typed list ONNX stores elements of data type `code` in (string_data aside). */
export function typedFieldFor(code: number): number | undefined {
  switch (code) {
    case 1: // float
    case 14: // complex64: real and imaginary floats
      return TypedField.float;
    case 7:
      return TypedField.int64;
    case 11: // double
    case 15: // complex128
      return TypedField.double;
    case 12: // uint32
    case 13: // uint64
      return TypedField.uint64;
    case 0:
    case 8:
      return undefined;
    default:
      // int32, int16/uint16, int8/uint8, bool, float16/bfloat16 (as bits), float8 and 4-bit types
      // (one byte per list element), and element types newer than pare.
      return TypedField.int32;
  }
}

/** Bytes per element in raw_data (0.5 for 4-bit types), or undefined for strings/unknown types. */
export function rawElementBytes(code: number): number | undefined {
  switch (code) {
    case 1:
    case 6:
    case 12:
      return 4;
    case 2:
    case 3:
    case 9:
    case 17:
    case 18:
    case 19:
    case 20:
      return 1;
    case 4:
    case 5:
    case 10:
    case 16:
      return 2;
    case 7:
    case 11:
    case 13:
    case 14:
      return 8;
    case 15:
      return 16;
    case 21:
    case 22:
    case 23:
      return 0.5;
    default:
      return undefined;
  }
}

/** Byte length raw_data must have for `size` elements of type `code`, when known. */
export function rawByteLength(code: number, size: number): number | undefined {
  const b = rawElementBytes(code);
  return b === undefined ? undefined : Math.ceil(size * b);
}

/**
 * Raw little-endian bytes from the payload chunks of typed list `field` (packed payloads or single
 * unpacked elements, in file order), for elements of type `code`.
 */
export function typedListBytes(code: number, field: number, chunks: readonly Uint8Array[]): Uint8Array {
  if (field === TypedField.float || field === TypedField.double) return concat(chunks);
  const words = decodeVarints(chunks);
  const n = words.length / 2;
  if (field === TypedField.int64 || (field === TypedField.uint64 && code !== 12)) {
    return new Uint8Array(words.buffer);
  }
  const width = field === TypedField.uint64 ? 4 : int32ListWidth(code);
  const out = width === 4 ? new Uint32Array(n) : width === 2 ? new Uint16Array(n) : new Uint8Array(n);
  // Assigning the low word truncates to the element width: two's complement for the signed types.
  for (let i = 0; i < n; i++) out[i] = words[2 * i]!;
  return new Uint8Array(out.buffer);
}

/** Bytes per int32_data element once narrowed to the element type. */
function int32ListWidth(code: number): 1 | 2 | 4 {
  switch (code) {
    case 6:
      return 4;
    case 4:
    case 5:
    case 10:
    case 16:
      return 2;
    default:
      return 1;
  }
}

/** Number of list elements `bytes` came from, for messages (what the file says vs what dims need). */
export function listLength(code: number, field: number, byteLength: number): number {
  if (field === TypedField.float) return byteLength / 4;
  if (field === TypedField.double) return byteLength / 8;
  if (field === TypedField.int64 || (field === TypedField.uint64 && code !== 12)) return byteLength / 8;
  return byteLength / (field === TypedField.uint64 ? 4 : int32ListWidth(code));
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

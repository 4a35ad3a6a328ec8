// Minimal protobuf wire-format walking, for the few places where pare reads bytes itself:
// splitting a TensorProto's typed data from its header, and locating where a truncated file ends.

export const WireType = { varint: 0, fixed64: 1, delimited: 2, fixed32: 5 } as const;

export interface WireField {
  readonly no: number;
  readonly wireType: number;
  /** Offset of the tag (the field's first byte). */
  readonly start: number;
  /** Offset of the payload (after the tag, and after the length for delimited fields). */
  readonly dataStart: number;
  /** Offset just past the field. */
  readonly end: number;
}

export class WireError extends Error {}

/** Unsigned varint at `pos` as [value, next position]; values beyond 2^53 lose precision. */
export function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.byteLength) throw new WireError('varint runs past the end');
    const b = bytes[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
  throw new WireError('varint longer than 10 bytes');
}

/** The top-level fields of one message, in order. Throws WireError on malformed or cut bytes. */
export function* wireFields(bytes: Uint8Array, from = 0, to = bytes.byteLength): Generator<WireField> {
  let pos = from;
  while (pos < to) {
    const start = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    const no = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (no === 0) throw new WireError(`field number 0 at byte ${start}`);
    let dataStart = afterTag;
    let end: number;
    switch (wireType) {
      case WireType.varint:
        end = readVarint(bytes, afterTag)[1];
        break;
      case WireType.fixed64:
        end = afterTag + 8;
        break;
      case WireType.fixed32:
        end = afterTag + 4;
        break;
      case WireType.delimited: {
        const [len, p] = readVarint(bytes, afterTag);
        dataStart = p;
        end = p + len;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${wireType} at byte ${start}`);
    }
    if (end > to) throw new WireError(`field ${no} at byte ${start} runs past the end`);
    yield { no, wireType, start, dataStart, end };
    pos = end;
  }
}

/**
 * Varints of a packed payload as (low, high) 32-bit words, the layout of a little-endian 64-bit
 * array; callers view the words as Int32/Uint32 (low word) or BigInt64/BigUint64 (both).
 */
export function decodeVarints(chunks: readonly Uint8Array[]): Uint32Array {
  let count = 0;
  for (const c of chunks) for (let i = 0; i < c.byteLength; i++) if (c[i]! < 0x80) count++;
  const words = new Uint32Array(count * 2);
  let k = 0;
  for (const c of chunks) {
    let pos = 0;
    const n = c.byteLength;
    while (pos < n) {
      let lo = 0;
      let hi = 0;
      let b = 0x80;
      let shift = 0;
      // Bytes 0-3 fill the low word, byte 4 straddles both words, bytes 5-9 fill the high word.
      for (; shift < 28 && b >= 0x80; shift += 7) {
        b = c[pos++]!;
        lo |= (b & 0x7f) << shift;
      }
      if (b >= 0x80) {
        b = c[pos++]!;
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >> 4;
        for (shift = 3; shift < 32 && b >= 0x80; shift += 7) {
          b = c[pos++]!;
          hi |= (b & 0x7f) << shift;
        }
      }
      if (b >= 0x80 || pos > n) throw new WireError('packed varints are cut');
      words[k++] = lo >>> 0;
      words[k++] = hi >>> 0;
    }
  }
  return words;
}

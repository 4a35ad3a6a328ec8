// Reading a large model without loading its weights: walk the file's protobuf structure with small
// positioned reads, copy everything except big raw_data (or packed float_data/double_data)
// payloads into a compact buffer, and note
// where each skipped payload lies, so that its tensor loads it only when needed (or the writer
// streams it). Fresh memory is what costs here, not the reading: a 512 MB model read whole needs
// 512 MB of new pages before anything happens; scanned, it needs the graph's few kilobytes.

import * as fs from 'node:fs';
import { varint } from './pieces.js';
import type { FileHandle, FileRegion } from './tensor-meta.js';
import { WireError, WireType } from './wire.js';

export interface LazyScan {
  /** The model's bytes without the skipped payloads. */
  readonly compact: Uint8Array;
  /** Offset of a TensorProto's bytes in `compact` → where its data lies in the file. */
  readonly regions: Map<number, SkippedData>;
}

export interface SkippedData {
  readonly region: FileRegion;
  /** The TensorProto field it was: raw_data (9), or packed float_data (4) / double_data (10). */
  readonly field: number;
}

type Kind = 'model' | 'graph' | 'node' | 'attribute' | 'tensor';

/** Fields (wire type 2) that hold the messages on the way to TensorProtos. */
const children: Record<Kind, Readonly<Record<number, Kind>>> = {
  model: { 7: 'graph' },
  graph: { 1: 'node', 5: 'tensor' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 10: 'tensor' },
  tensor: {},
};

/** raw_data, float_data, double_data: their packed payloads already are little-endian arrays. */
const SKIPPABLE = new Set([9, 4, 10]);

/** Marks the start of a TensorProto whose data was skipped. */
interface Mark {
  readonly skipped: SkippedData;
}

type Item = Uint8Array | Mark;

/** Scan a model file; raw_data payloads of at least `minBytes` stay in the file. */
export function scanModelFile(handle: FileHandle, size: number, minBytes: number): LazyScan {
  const file = new Window(handle.fd, size);
  const message = (kind: Kind, start: number, end: number): Item[] => {
    const items: Item[] = [];
    let skipped: SkippedData | undefined;
    for (let pos = start; pos < end; ) {
      const [tag, afterTag] = file.varint(pos);
      const no = Math.floor(tag / 8);
      const wt = tag % 8;
      let dataStart = afterTag;
      let fieldEnd: number;
      if (wt === WireType.varint) fieldEnd = file.varint(afterTag)[1];
      else if (wt === WireType.fixed64) fieldEnd = afterTag + 8;
      else if (wt === WireType.fixed32) fieldEnd = afterTag + 4;
      else if (wt === WireType.delimited) {
        const [len, p] = file.varint(afterTag);
        dataStart = p;
        fieldEnd = p + len;
      } else throw new WireError(`wire type ${wt} at byte ${pos}`);
      if (no === 0 || fieldEnd > end) throw new WireError(`field ${no} at byte ${pos} runs past its message`);
      const length = fieldEnd - dataStart;
      const child = children[kind][no];
      if (wt === WireType.delimited && kind === 'tensor' && SKIPPABLE.has(no) && length >= minBytes) {
        // Two data fields (or a list in pieces) are for the full reader to sort out.
        if (skipped) throw new WireError('more than one large data field in a tensor');
        skipped = { region: { handle, offset: dataStart, length }, field: no };
      } else if (wt === WireType.delimited && child && length >= minBytes) {
        const inner = message(child, dataStart, fieldEnd);
        items.push(varint(no * 8 + 2), varint(itemsLength(inner)), ...inner);
      } else {
        items.push(file.bytes(pos, fieldEnd));
      }
      pos = fieldEnd;
    }
    if (skipped) items.unshift({ skipped });
    return items;
  };
  const items = message('model', 0, size);
  const compact = new Uint8Array(itemsLength(items));
  const regions = new Map<number, SkippedData>();
  let at = 0;
  for (const item of items) {
    if (item instanceof Uint8Array) {
      compact.set(item, at);
      at += item.byteLength;
    } else regions.set(at, item.skipped);
  }
  return { compact, regions };
}

function itemsLength(items: readonly Item[]): number {
  let n = 0;
  for (const i of items) if (i instanceof Uint8Array) n += i.byteLength;
  return n;
}

/** Positioned reads through a small cache, so that walking many small fields costs few syscalls. */
class Window {
  private buf = new Uint8Array(1 << 16);
  private from = 0;
  private to = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}

  byte(pos: number): number {
    if (pos < this.from || pos >= this.to) this.fill(pos);
    return this.buf[pos - this.from]!;
  }

  varint(pos: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.size) throw new WireError('varint runs past the end of the file');
      const b = this.byte(pos++);
      value += (b & 0x7f) * scale;
      if (b < 0x80) return [value, pos];
      scale *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** A copy of [start, end). */
  bytes(start: number, end: number): Uint8Array {
    if (end > this.size) throw new WireError('field runs past the end of the file');
    if (start >= this.from && end <= this.to) return this.buf.slice(start - this.from, end - this.from);
    const out = new Uint8Array(end - start);
    readFully(this.fd, out, start);
    return out;
  }

  private fill(pos: number): void {
    if (pos >= this.size) throw new WireError('read past the end of the file');
    const n = Math.min(this.buf.byteLength, this.size - pos);
    readFully(this.fd, this.buf.subarray(0, n), pos);
    this.from = pos;
    this.to = pos + n;
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = fs.readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) throw new WireError('file ended early');
    done += n;
  }
}

// The writer's output as a list of pieces: encoded protobuf bytes, weight buffers (views, never
// copied) and regions of external files (streamed in chunks, never loaded whole). Pieces go to a
// file atomically or into one buffer.

import * as fs from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { FileRegion } from './tensor-meta.js';

export type Piece = Uint8Array | FileRegion;

// One reusable copy buffer: fresh pages are expensive, and streaming needs only one at a time.
let chunkBuffer: Uint8Array | undefined;
const CHUNK = 4 << 20;

export function pieceLength(p: Piece): number {
  return p instanceof Uint8Array ? p.byteLength : p.length;
}

/** Field `field` (wire type 2) wrapping the concatenation of `body`, as pieces. */
export function lengthDelimited(field: number, body: readonly Piece[]): Piece[] {
  let len = 0;
  for (const b of body) len += pieceLength(b);
  return [varint(field * 8 + 2), varint(len), ...body];
}

export function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** All pieces in one buffer; external regions are read straight into it. */
export function concatPieces(pieces: readonly Piece[]): Uint8Array {
  let n = 0;
  for (const p of pieces) n += pieceLength(p);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of pieces) {
    if (p instanceof Uint8Array) out.set(p, at);
    else readInto(p, out.subarray(at, at + p.length), 0);
    at += pieceLength(p);
  }
  return out;
}

/** Append pieces to an open file; returns the number of bytes written. */
export function writePieces(fd: number, pieces: readonly Piece[]): number {
  let total = 0;
  for (const p of pieces) {
    if (p instanceof Uint8Array) {
      writeAll(fd, p);
      total += p.byteLength;
      continue;
    }
    chunkBuffer ??= new Uint8Array(CHUNK);
    const buffer = chunkBuffer;
    for (let done = 0; done < p.length; ) {
      const n = Math.min(buffer.byteLength, p.length - done);
      const chunk = buffer.subarray(0, n);
      readInto(p, chunk, done);
      writeAll(fd, chunk);
      done += n;
    }
    total += p.length;
  }
  return total;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
}

/** Fill `into` from the region, starting `skip` bytes into it. */
function readInto(src: FileRegion, into: Uint8Array, skip: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = fs.readSync(src.handle.fd, into, done, into.byteLength - done, src.offset + skip + done);
    if (n === 0) throw new Error(`'${src.handle.path}' ended early (it changed after the model was read)`);
    done += n;
  }
}

/** Write pieces to `file` atomically; `beforeRename` runs once the data is safely on disk. */
export function writeAtomic(file: string, pieces: readonly Piece[], beforeRename?: () => void): void {
  writeFileAtomic(file, (fd) => writePieces(fd, pieces), beforeRename);
}

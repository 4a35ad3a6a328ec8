// Telling the user what a file is when it is not a readable ONNX model: a known other format (by
// its magic bytes), text, or a model cut short (and inside which tensor it ends).

import { readVarint, WireError, WireType } from './wire.js';

export interface Sniffed {
  readonly what: string;
  readonly hint: string;
}

const exportHint = 'pass a .onnx file (export PyTorch models with torch.onnx.export)';

const magics: readonly [readonly number[], number, Sniffed][] = [
  [[0x89, 0x50, 0x4e, 0x47], 0, { what: 'a PNG image', hint: exportHint }],
  [[0xff, 0xd8, 0xff], 0, { what: 'a JPEG image', hint: exportHint }],
  [[0x47, 0x49, 0x46, 0x38], 0, { what: 'a GIF image', hint: exportHint }],
  [
    [0x50, 0x4b, 0x03, 0x04],
    0,
    { what: 'a zip archive (PyTorch .pt/.pth files are zip archives)', hint: exportHint },
  ],
  [[0x1f, 0x8b], 0, { what: 'a gzip file', hint: 'decompress it first (gunzip)' }],
  [[0x89, 0x48, 0x44, 0x46], 0, { what: 'an HDF5 file (Keras .h5)', hint: 'convert it with tf2onnx' }],
  [[0x54, 0x46, 0x4c, 0x33], 4, { what: 'a TensorFlow Lite model', hint: 'convert it with tf2onnx' }],
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 0, { what: 'a NumPy array file', hint: exportHint }],
  [[0x80], 0, { what: 'a Python pickle', hint: exportHint }],
];

/** A guess at what non-ONNX bytes are, or undefined when they look like nothing known. */
export function sniffFormat(bytes: Uint8Array): Sniffed | undefined {
  for (const [magic, at, sniffed] of magics) {
    if (magic.every((b, i) => bytes[at + i] === b)) return sniffed;
  }
  const head = bytes.subarray(0, 512);
  if (head.byteLength > 0 && head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))) {
    return {
      what: 'a text file',
      hint: 'ONNX models are binary protobuf files; pass the .onnx file itself',
    };
  }
  return undefined;
}

/**
 * Where truncated ModelProto bytes end: "inside initializer 'conv1.weight'", "inside the graph",
 * or undefined when every field is complete (the cut fell between fields).
 */
export function describeCut(bytes: Uint8Array): string | undefined {
  const modelCut = cutField(bytes, 0, bytes.byteLength);
  if (!modelCut) return undefined;
  if (modelCut.no !== 7) return `inside ModelProto field ${modelCut.no}`;
  const graphCut = cutField(bytes, modelCut.dataStart, bytes.byteLength);
  if (graphCut?.no === 5) {
    const name = tensorName(bytes, graphCut.dataStart);
    return name === undefined ? 'inside an initializer' : `inside initializer '${name}'`;
  }
  if (graphCut?.no === 1) return 'inside a node';
  return 'inside the graph';
}

interface Cut {
  readonly no: number;
  readonly dataStart: number;
}

/** The first field in [from, to) that claims to run past `to`. */
function cutField(bytes: Uint8Array, from: number, to: number): Cut | undefined {
  let pos = from;
  try {
    while (pos < to) {
      const [tag, afterTag] = readVarint(bytes, pos);
      const no = Math.floor(tag / 8);
      const wt = tag % 8;
      let end: number;
      let dataStart = afterTag;
      if (wt === WireType.varint) end = readVarint(bytes, afterTag)[1];
      else if (wt === WireType.fixed64) end = afterTag + 8;
      else if (wt === WireType.fixed32) end = afterTag + 4;
      else if (wt === WireType.delimited) {
        const [len, p] = readVarint(bytes, afterTag);
        dataStart = p;
        end = p + len;
      } else return undefined;
      if (end > to) return { no, dataStart };
      pos = end;
    }
  } catch (e) {
    if (e instanceof WireError) return { no: -1, dataStart: pos };
    throw e;
  }
  return undefined;
}

/** The name (field 8) of a TensorProto whose bytes start at `from`, if it is before the cut. */
function tensorName(bytes: Uint8Array, from: number): string | undefined {
  let pos = from;
  try {
    while (pos < bytes.byteLength) {
      const [tag, afterTag] = readVarint(bytes, pos);
      const wt = tag % 8;
      if (wt === WireType.delimited) {
        const [len, p] = readVarint(bytes, afterTag);
        if (tag >>> 3 === 8) {
          return p + len <= bytes.byteLength
            ? new TextDecoder().decode(bytes.subarray(p, p + len))
            : undefined;
        }
        pos = p + len;
      } else if (wt === WireType.varint) pos = readVarint(bytes, afterTag)[1];
      else if (wt === WireType.fixed64) pos = afterTag + 8;
      else if (wt === WireType.fixed32) pos = afterTag + 4;
      else return undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

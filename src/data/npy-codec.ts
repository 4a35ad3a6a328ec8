// NumPy's .npy format: `\x93NUMPY`, version, a Python-dict header (dtype, order, shape), raw values.
// Values become the element types pare computes with: float → Float32Array, uint8 stays bytes,
// other integers → Int32Array (checked for range).

import { PareError } from '../util/errors.js';
import { formatShape } from './dataset.js';

export type NpyData = Float32Array | Uint8Array | Int32Array;

export interface NpyArray {
  /** The dtype as NumPy wrote it, e.g. `<f4`. */
  readonly descr: string;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface DtypeInfo {
  readonly bytes: number;
  readonly convert: (raw: Uint8Array, count: number) => NpyData;
}

// `raw` is an aligned copy, so typed-array views over its buffer are safe.
const DTYPES: Readonly<Record<string, DtypeInfo>> = {
  f4: { bytes: 4, convert: (raw, n) => new Float32Array(raw.buffer, 0, n) },
  f8: { bytes: 8, convert: (raw, n) => Float32Array.from(new Float64Array(raw.buffer, 0, n)) },
  u1: { bytes: 1, convert: (raw) => raw },
  i1: { bytes: 1, convert: (raw, n) => Int32Array.from(new Int8Array(raw.buffer, 0, n)) },
  i2: { bytes: 2, convert: (raw, n) => Int32Array.from(new Int16Array(raw.buffer, 0, n)) },
  u2: { bytes: 2, convert: (raw, n) => Int32Array.from(new Uint16Array(raw.buffer, 0, n)) },
  i4: { bytes: 4, convert: (raw, n) => new Int32Array(raw.buffer, 0, n) },
  i8: { bytes: 8, convert: (raw, n) => int64ToInt32(new BigInt64Array(raw.buffer, 0, n)) },
};

function int64ToInt32(values: BigInt64Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > 2147483647n || v < -2147483648n) throw new RangeError(`value ${v} at index ${i} exceeds int32`);
    out[i] = Number(v);
  }
  return out;
}

function fail(file: string, problem: string): PareError {
  return new PareError('PARE_DATA', `'${file}': ${problem}`, { file });
}

/** Parse .npy bytes; `file` names them in errors. */
export function decodeNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw fail(file, 'not an NPY file: it does not start with \\x93NUMPY; write arrays with numpy.save');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength =
    major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : 0;
  const dataStart = 8 + lengthBytes + headerLength;
  if (major < 1 || major > 3 || headerLength === 0 || dataStart > bytes.length) {
    throw fail(
      file,
      `truncated or unknown NPY header (version ${major}); write the array again with numpy.save`,
    );
  }
  const header = new TextDecoder().decode(bytes.subarray(8 + lengthBytes, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw fail(file, `NPY header is not understood: ${header.trim()}`);
  }
  if (fortran === 'True') {
    throw fail(file, 'NPY array is in Fortran order; save numpy.ascontiguousarray(a) instead');
  }
  const order = descr[0];
  const dtype = DTYPES[descr.slice(1)];
  if (dtype === undefined || order === '>' || (dtype.bytes > 1 && order === '|')) {
    throw fail(
      file,
      `NPY dtype '${descr}' is not supported; save little-endian float32, float64, uint8, int8, int16, int32 or int64`,
    );
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const needed = count * dtype.bytes;
  const actual = bytes.length - dataStart;
  if (actual < needed) {
    throw fail(
      file,
      `truncated NPY file: shape ${formatShape(shape)} of '${descr}' needs ${needed} bytes of data, ` +
        `file has ${actual}; write it again`,
    );
  }
  // Copy to a fresh buffer: aligned for the typed-array views (the header length does not
  // guarantee it), and not Node's shared pool, where Buffer#slice would leave us.
  const raw = new Uint8Array(bytes.subarray(dataStart, dataStart + needed));
  try {
    return { descr, shape, data: dtype.convert(raw, count) };
  } catch (cause) {
    throw new PareError('PARE_DATA', `'${file}': ${(cause as Error).message}`, { file, cause });
  }
}

const DESCRS = [
  [Float32Array, '<f4'],
  [Float64Array, '<f8'],
  [Uint8Array, '|u1'],
  [Int32Array, '<i4'],
] as const;

/** Serialise as .npy version 1.0 (C order, little-endian), the way numpy.save writes it. */
export function encodeNpy(
  shape: readonly number[],
  data: Float32Array | Float64Array | Uint8Array | Int32Array,
): Uint8Array {
  const descr = DESCRS.find(([type]) => data instanceof type)![1];
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // numpy pads the header with spaces so that the data starts on a 64-byte boundary.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1, ' ')}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

// A small PNG codec, enough for data sets: non-interlaced 8- or 16-bit gray, gray+alpha, RGB, RGBA
// and 8-bit palette images, decoded to interleaved H×W×C bytes (16-bit keeps the high byte).
// Encoding writes 8-bit images for fixtures and report thumbnails.

import { deflateSync, inflateSync } from 'node:zlib';
import { PareError } from '../util/errors.js';

export interface RasterImage {
  readonly width: number;
  readonly height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; palette images decode to RGB. */
  readonly channels: 1 | 2 | 3 | 4;
  /** `height × width × channels` bytes, row-major, channels interleaved. */
  readonly data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// PNG colour type → samples per pixel in the file.
const SAMPLES: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const COLOR_NAMES: Readonly<Record<number, string>> = {
  0: 'gray',
  2: 'RGB',
  3: 'palette',
  4: 'gray+alpha',
  6: 'RGBA',
};

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function fail(file: string, problem: string): PareError {
  return new PareError('PARE_DATA', `'${file}': ${problem}`, { file });
}

/** True for the JPEG start-of-image marker, so callers can say what to do instead of "not a PNG". */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decode a PNG file's bytes; `file` names it in errors. Chunk CRCs are checked. */
export function decodePng(bytes: Uint8Array, file: string): RasterImage {
  if (isJpeg(bytes)) throw fail(file, 'JPEG is not supported yet, convert to PNG');
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw fail(file, 'not a PNG file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  let header: { width: number; height: number; depth: number; color: number } | undefined;
  let palette: Uint8Array | undefined;
  let pos = 8;
  for (;;) {
    if (pos + 12 > bytes.length) throw fail(file, 'truncated PNG: it ends before the IEND chunk');
    const length = view.getUint32(pos, false);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const end = pos + 8 + length;
    if (end + 4 > bytes.length) {
      throw fail(file, `truncated PNG: chunk '${type}' runs past the end of the file`);
    }
    if (crc32(bytes.subarray(pos + 4, end)) !== view.getUint32(end, false)) {
      throw fail(file, `damaged PNG: chunk '${type}' fails its CRC check`);
    }
    const data = bytes.subarray(pos + 8, end);
    pos = end + 4;
    if (type === 'IHDR') {
      if (length !== 13) throw fail(file, 'damaged PNG: IHDR chunk is not 13 bytes');
      const fields = new DataView(data.buffer, data.byteOffset, 13);
      header = { width: fields.getUint32(0), height: fields.getUint32(4), depth: data[8]!, color: data[9]! };
      if (data[12] !== 0) throw fail(file, 'interlaced PNG is not supported; save it without interlacing');
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
  }
  if (header === undefined) throw fail(file, 'damaged PNG: no IHDR chunk');
  const { width, height, depth, color } = header;
  const samples = SAMPLES[color];
  if (samples === undefined || !(depth === 8 || (depth === 16 && color !== 3))) {
    throw fail(
      file,
      `PNG with bit depth ${depth} and colour type ${COLOR_NAMES[color] ?? color} is not supported; ` +
        'save it as 8-bit gray, RGB or RGBA',
    );
  }
  if (color === 3 && palette === undefined) {
    throw fail(file, 'damaged PNG: palette image without a PLTE chunk');
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (cause) {
    throw new PareError('PARE_DATA', `'${file}': damaged PNG: image data does not inflate`, { file, cause });
  }
  const bpp = (samples * depth) / 8;
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) {
    throw fail(file, 'truncated PNG: image data is shorter than its size');
  }
  const pixels = unfilter(raw, width, height, bpp, file);
  return expand(pixels, width, height, samples, depth, palette);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The PNG filter predictor (spec §9.2) from left `a`, up `b` and up-left `c`. */
function predict(filter: number, a: number, b: number, c: number): number {
  if (filter === 1) return a;
  if (filter === 2) return b;
  if (filter === 3) return (a + b) >> 1;
  if (filter === 4) return paeth(a, b, c);
  return 0;
}

/** Undo the per-row filters into `height × stride` bytes. */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number, file: string): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    if (filter > 4) throw fail(file, `damaged PNG: row ${y} has unknown filter type ${filter}`);
    if (filter === 0) {
      out.set(raw.subarray(src, src + stride), row);
      continue;
    }
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[row + i - bpp]! : 0;
      const b = y > 0 ? out[row - stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[row - stride + i - bpp]! : 0;
      out[row + i] = (raw[src + i]! + predict(filter, a, b, c)) & 0xff;
    }
  }
  return out;
}

function expand(
  pixels: Uint8Array,
  width: number,
  height: number,
  samples: number,
  depth: number,
  palette: Uint8Array | undefined,
): RasterImage {
  const count = width * height;
  if (palette !== undefined) {
    const data = new Uint8Array(count * 3);
    for (let i = 0; i < count; i++) data.set(palette.subarray(pixels[i]! * 3, pixels[i]! * 3 + 3), i * 3);
    return { width, height, channels: 3, data };
  }
  const channels = samples as 1 | 2 | 3 | 4;
  if (depth === 8) return { width, height, channels, data: pixels };
  // 16-bit samples are big-endian; the high byte is the 8-bit value.
  const data = new Uint8Array(count * channels);
  for (let i = 0; i < data.length; i++) data[i] = pixels[2 * i]!;
  return { width, height, channels, data };
}

const COLOR_TYPES: Readonly<Record<RasterImage['channels'], number>> = { 1: 0, 2: 4, 3: 2, 4: 6 };

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, false);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)), false);
  return out;
}

/**
 * Encode an 8-bit image. Every row uses `filter` (0 None … 4 Paeth); 0 is smallest for the tiny
 * images pare writes, the others exist so tests can exercise the decoder's filters.
 */
export function encodePng(image: RasterImage, filter: 0 | 1 | 2 | 3 | 4 = 0): Uint8Array {
  const { width, height, channels, data } = image;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width, false);
  view.setUint32(4, height, false);
  ihdr[8] = 8;
  ihdr[9] = COLOR_TYPES[channels];
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = filter;
    for (let i = 0; i < stride; i++) {
      const at = y * stride + i;
      const a = i >= channels ? data[at - channels]! : 0;
      const b = y > 0 ? data[at - stride]! : 0;
      const c = i >= channels && y > 0 ? data[at - stride - channels]! : 0;
      raw[y * (stride + 1) + 1 + i] = (data[at]! - predict(filter, a, b, c)) & 0xff;
    }
  }
  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  return new Uint8Array(Buffer.concat(parts));
}

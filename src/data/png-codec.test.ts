import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import type { RasterImage } from './png-codec.js';
import { decodePng, encodePng } from './png-codec.js';

function thrown(fn: () => unknown): PareError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PareError);
    return error as PareError;
  }
  throw new Error('expected a PareError');
}

// An independent, bit-by-bit CRC-32 so hand-built files do not lean on the codec under test.
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG file from chunks given as [type, data]. */
function png(chunks: [string, Uint8Array][]): Uint8Array {
  const parts: number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  for (const [type, data] of chunks) {
    const body = Uint8Array.from([...type].map((ch) => ch.charCodeAt(0)).concat(Array.from(data)));
    const be = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    parts.push(...be(data.length), ...body, ...be(crc32(body)));
  }
  return Uint8Array.from(parts);
}

function ihdr(
  width: number,
  height: number,
  depth: number,
  color: number,
  interlace = 0,
): [string, Uint8Array] {
  return ['IHDR', Uint8Array.of(0, 0, 0, width, 0, 0, 0, height, depth, color, 0, 0, interlace)];
}

const IEND: [string, Uint8Array] = ['IEND', new Uint8Array(0)];

/** The filtered scanlines inside an encoded file (its one IDAT, inflated). */
function scanlines(file: Uint8Array): number[] {
  const length = new DataView(file.buffer, file.byteOffset).getUint32(33);
  return Array.from(inflateSync(file.subarray(41, 41 + length)));
}

const gray2x2: RasterImage = { width: 2, height: 2, channels: 1, data: Uint8Array.of(10, 20, 30, 25) };

describe('encodePng filters, against hand-computed scanlines', () => {
  it('Paeth: row 0 predicts from the left, row 1 from above then from the left', () => {
    // Row 1: x=0 p=0+10-0 → b=10, 30−10=20; x=1 a=30 b=20 c=10 p=40 → a, 25−30 = −5 ≡ 251.
    expect(scanlines(encodePng(gray2x2, 4))).toEqual([4, 10, 10, 4, 20, 251]);
  });

  it('Average and Sub', () => {
    expect(scanlines(encodePng(gray2x2, 3))).toEqual([3, 10, 15, 3, 25, 0]);
    expect(scanlines(encodePng(gray2x2, 1))).toEqual([1, 10, 10, 1, 30, 251]);
  });
});

describe('decodePng', () => {
  it('undoes every filter on hand-built scanlines', () => {
    const raw = Uint8Array.of(4, 10, 10, 4, 20, 251);
    const file = png([ihdr(2, 2, 8, 0), ['IDAT', deflateSync(raw)], IEND]);
    expect(decodePng(file, 'f')).toEqual({ width: 2, height: 2, channels: 1, data: gray2x2.data });
  });

  it('round-trips every channel count and filter (property)', () => {
    const image = fc
      .record({
        width: fc.integer({ min: 1, max: 6 }),
        height: fc.integer({ min: 1, max: 6 }),
        channels: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
        filter: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const),
      })
      .chain((s) =>
        fc
          .uint8Array({
            minLength: s.width * s.height * s.channels,
            maxLength: s.width * s.height * s.channels,
          })
          .map((data) => ({ ...s, data })),
      );
    fc.assert(
      fc.property(image, ({ filter, ...im }) => {
        expect(decodePng(encodePng(im, filter), 'p')).toEqual(im);
      }),
    );
  });

  it('expands palette images to RGB', () => {
    const palette = Uint8Array.of(255, 0, 0, 0, 128, 255);
    const file = png([
      ihdr(3, 1, 8, 3),
      ['PLTE', palette],
      ['IDAT', deflateSync(Uint8Array.of(0, 1, 0, 1))],
      IEND,
    ]);
    expect(decodePng(file, 'f')).toEqual({
      width: 3,
      height: 1,
      channels: 3,
      data: Uint8Array.of(0, 128, 255, 255, 0, 0, 0, 128, 255),
    });
  });

  it('keeps the high byte of 16-bit samples, and concatenates split IDAT chunks', () => {
    const z = deflateSync(Uint8Array.of(0, 0x12, 0x34, 0xff, 0x01));
    const file = png([ihdr(2, 1, 16, 0), ['IDAT', z.subarray(0, 3)], ['IDAT', z.subarray(3)], IEND]);
    expect(decodePng(file, 'f').data).toEqual(Uint8Array.of(0x12, 0xff));
  });

  const good = encodePng(gray2x2);
  const damaged = good.slice();
  damaged[45] = damaged[45]! ^ 0xff; // inside the IDAT data

  it.each([
    [
      'JPEG',
      Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0x10),
      "'f': JPEG is not supported yet, convert to PNG",
    ],
    ['a GIF', new TextEncoder().encode('GIF89a....'), "'f': not a PNG file"],
    [
      'interlaced',
      png([ihdr(1, 1, 8, 0, 1), IEND]),
      "'f': interlaced PNG is not supported; save it without interlacing",
    ],
    [
      '4-bit palette',
      png([ihdr(2, 2, 4, 3), ['IDAT', deflateSync(new Uint8Array(4))], IEND]),
      "'f': PNG with bit depth 4 and colour type palette is not supported; save it as 8-bit gray, RGB or RGBA",
    ],
    ['a bad CRC', damaged, "'f': damaged PNG: chunk 'IDAT' fails its CRC check"],
    ['a cut file', good.subarray(0, 46), "'f': truncated PNG: chunk 'IDAT' runs past the end of the file"],
    ['no IEND', good.subarray(0, good.length - 12), "'f': truncated PNG: it ends before the IEND chunk"],
    [
      'short image data',
      png([ihdr(2, 2, 8, 0), ['IDAT', deflateSync(Uint8Array.of(0, 1, 2))], IEND]),
      "'f': truncated PNG: image data is shorter than its size",
    ],
    [
      'an unknown filter',
      png([ihdr(1, 1, 8, 0), ['IDAT', deflateSync(Uint8Array.of(7, 1))], IEND]),
      "'f': damaged PNG: row 0 has unknown filter type 7",
    ],
  ])('rejects %s', (_, bytes, message) => {
    expect(thrown(() => decodePng(bytes, 'f'))).toMatchObject({ code: 'PARE_DATA', message });
  });
});

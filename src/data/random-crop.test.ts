import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { randomCrop, shiftPlane } from './random-crop.js';

/** The obvious, allocating version: pad with zeros, then crop at (top, left). */
function padCrop(plane: number[], h: number, w: number, pad: number, top: number, left: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = y + top - pad;
      const sx = x + left - pad;
      out.push(sy >= 0 && sy < h && sx >= 0 && sx < w ? plane[sy * w + sx]! : 0);
    }
  }
  return out;
}

const plane3x3 = [1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('shiftPlane', () => {
  it.each([
    [1, 1, [5, 6, 0, 8, 9, 0, 0, 0, 0]],
    [-1, -1, [0, 0, 0, 0, 1, 2, 0, 4, 5]],
    [0, 2, [3, 0, 0, 6, 0, 0, 9, 0, 0]],
    [-2, 1, [0, 0, 0, 0, 0, 0, 2, 3, 0]],
    [0, 0, plane3x3],
    [3, 0, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ])('shift by (%i, %i)', (sy, sx, expected) => {
    const buf = Float32Array.from(plane3x3);
    shiftPlane(buf, 0, 3, 3, sy, sx);
    expect(Array.from(buf)).toEqual(expected);
  });

  it('equals pad-then-crop in place, for any shift (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: -7, max: 7 }),
        fc.integer({ min: -7, max: 7 }),
        (h, w, sy, sx) => {
          const plane = Array.from({ length: h * w }, (_, k) => k + 1);
          const buf = Float32Array.from([-1, ...plane, -1]);
          shiftPlane(buf, 1, h, w, sy, sx);
          expect(Array.from(buf)).toEqual([-1, ...padCrop(plane, h, w, 7, sy + 7, sx + 7), -1]);
        },
      ),
    );
  });
});

describe('randomCrop', () => {
  it('draws top then left per sample and applies the same window to every channel', () => {
    const seed = 11;
    const pad = 1;
    // The offsets the transform will draw, replayed from the same seed.
    const replay = new Rng(seed);
    const offsets = [0, 1].map(() => [replay.int(3), replay.int(3)] as const);
    const x = Float32Array.from([
      ...plane3x3,
      ...plane3x3.map((v) => v * 10),
      ...plane3x3.map((v) => -v),
      ...plane3x3,
    ]);
    randomCrop(pad).apply(x, x, 2, [2, 3, 3], new Rng(seed));
    const expected = [
      ...padCrop(plane3x3, 3, 3, pad, ...offsets[0]!),
      ...padCrop(
        plane3x3.map((v) => v * 10),
        3,
        3,
        pad,
        ...offsets[0]!,
      ),
      ...padCrop(
        plane3x3.map((v) => -v),
        3,
        3,
        pad,
        ...offsets[1]!,
      ),
      ...padCrop(plane3x3, 3, 3, pad, ...offsets[1]!),
    ];
    expect(Array.from(x)).toEqual(expected.map((v) => v + 0)); // +0 turns −0 into 0
  });

  it('with seed 1 and padding 2 crops at (3, 0): the window one row down and two columns left', () => {
    const rng = new Rng(1);
    expect([rng.int(5), rng.int(5)]).toEqual([3, 0]);
    const x = Float32Array.from(plane3x3);
    randomCrop(2).apply(x, x, 1, [1, 3, 3], new Rng(1));
    // out[y][x] = in[y + 1][x − 2]: only column 2 of rows 0 and 1 sees the image (4 and 7).
    expect(Array.from(x)).toEqual([0, 0, 4, 0, 0, 7, 0, 0, 0]);
  });

  it('padding 0 changes nothing', () => {
    const x = Float32Array.from(plane3x3);
    randomCrop(0).apply(x, x, 1, [1, 3, 3], new Rng(5));
    expect(Array.from(x)).toEqual(plane3x3);
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { parseSize, resize, resizeBilinear } from './resize.js';

describe('resize (bilinear, half-pixel centres)', () => {
  it('upsamples 2×2 to 4×4 as computed by hand', () => {
    // Source [[0, 4], [8, 12]]. Output coordinate o samples (o + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25,
    // clamped to [0, 1]: weights 0, 0.25, 0.75, 1 on the second pixel.
    const w = [0, 0.25, 0.75, 1];
    const expected = w.flatMap((fy) => w.map((fx) => 4 * fx + 8 * fy));
    const out = new Float32Array(16);
    resize(4, 4).apply(Float32Array.of(0, 4, 8, 12), out, 1, [1, 2, 2], new Rng(0));
    expect(Array.from(out)).toEqual(expected);
    expect(expected.slice(0, 4)).toEqual([0, 1, 3, 4]);
  });

  it('downsamples 4×4 to 2×2 by averaging the middle pixels of each pair', () => {
    // Output o samples 2o + 0.5: halfway between pixels 2o and 2o + 1.
    const src = Float32Array.from({ length: 16 }, (_, k) => k);
    const out = new Float32Array(4);
    resize(2, 2).apply(src, out, 1, [1, 4, 4], new Rng(0));
    expect(Array.from(out)).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('resizes every channel of every sample, and reports the new shape', () => {
    const t = resize(1, 3);
    expect(t.outputShape([2, 1, 1])).toEqual([2, 1, 3]);
    const out = new Float32Array(12);
    t.apply(Float32Array.of(1, 2, 3, 4), out, 2, [2, 1, 1], new Rng(0));
    expect(Array.from(out)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
  });

  it('rounds when writing bytes', () => {
    const out = new Uint8Array(3);
    resizeBilinear(Uint8Array.of(0, 1), out, 1, [1, 1, 2], [1, 3]);
    // Sources x = 1/6 − 0.5 → 0, 0.5, 7/6 − 0.5 ≈ 0.83: values 0, 0.5, 0.83 round to 0, 1, 1.
    expect(Array.from(out)).toEqual([0, 1, 1]);
  });
});

describe('parseSize', () => {
  it('reads HxW, H×W and a single number', () => {
    expect(parseSize('32x24')).toEqual([32, 24]);
    expect(parseSize('32×32')).toEqual([32, 32]);
    expect(parseSize('28')).toEqual([28, 28]);
  });

  it.each(['32x', '0x4', '3.5x4', '1x2x3', 'big'])('rejects %s', (text) => {
    expect(() => parseSize(text)).toThrow(
      `--resize '${text}': expected HxW in pixels, e.g. 32x32, or one number`,
    );
  });
});

// Pad-and-random-crop (the CIFAR augmentation): pad each sample with `padding` zeros on every side
// and crop an H×W window at a random offset. Done as an in-place shift, so no padded copy is made.

import type { Rng } from '../util/rng.js';
import type { SampleShape } from './dataset.js';
import type { Transform } from './transform.js';

/**
 * Shift one H×W plane in place: `out[y][x] = in[y + sy][x + sx]`, zero outside. Walking in the
 * direction the source lies in reads every value before it is overwritten.
 */
export function shiftPlane(
  buf: Float32Array,
  base: number,
  h: number,
  w: number,
  sy: number,
  sx: number,
): void {
  const forward = sy > 0 || (sy === 0 && sx >= 0);
  const x0 = Math.max(0, -sx);
  const x1 = Math.min(w, w - sx);
  for (let i = 0; i < h; i++) {
    const y = forward ? i : h - 1 - i;
    const row = base + y * w;
    const ys = y + sy;
    if (ys < 0 || ys >= h || x0 >= x1) {
      buf.fill(0, row, row + w);
      continue;
    }
    const src = base + ys * w + sx;
    if (forward) for (let x = x0; x < x1; x++) buf[row + x] = buf[src + x]!;
    else for (let x = x1 - 1; x >= x0; x--) buf[row + x] = buf[src + x]!;
    if (x0 > 0) buf.fill(0, row, row + x0);
    if (x1 < w) buf.fill(0, row + x1, row + w);
  }
}

/**
 * Per sample, draws the window's top then left offset with `rng.int(2 * padding + 1)`, in that
 * order; an offset of `padding` leaves the sample unchanged.
 */
export function randomCrop(padding: number): Transform {
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`randomCrop: padding must be a non-negative integer, got ${padding}`);
  }
  const choices = 2 * padding + 1;
  return {
    name: `random-crop pad ${padding}`,
    random: true,
    outputShape: (input: SampleShape) => input,
    apply(_input, x, n, shape, rng: Rng) {
      const [c, h, w] = shape;
      const plane = h * w;
      for (let s = 0; s < n; s++) {
        const sy = rng.int(choices) - padding;
        const sx = rng.int(choices) - padding;
        if (sy === 0 && sx === 0) continue;
        for (let ch = 0; ch < c; ch++) shiftPlane(x, (s * c + ch) * plane, h, w, sy, sx);
      }
    },
  };
}

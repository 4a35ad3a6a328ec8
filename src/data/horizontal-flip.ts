// Random horizontal flip: mirror a sample left to right with probability p, in place.

import type { SampleShape } from './dataset.js';
import type { Transform } from './transform.js';

/** Per sample, flips when `rng.next() < probability` (one draw per sample, flipped or not). */
export function horizontalFlip(probability = 0.5): Transform {
  if (!(probability >= 0 && probability <= 1)) {
    throw new RangeError(`horizontalFlip: probability must be in [0, 1], got ${probability}`);
  }
  return {
    name: `horizontal-flip p ${probability}`,
    random: true,
    outputShape: (input: SampleShape) => input,
    apply(_input, x, n, shape, rng) {
      const [c, h, w] = shape;
      const rows = c * h;
      for (let s = 0; s < n; s++) {
        if (rng.next() >= probability) continue;
        // Every channel's rows are contiguous, so a sample is c·h rows to reverse.
        for (let r = 0; r < rows; r++) {
          let a = (s * rows + r) * w;
          let b = a + w - 1;
          while (a < b) {
            const t = x[a]!;
            x[a++] = x[b]!;
            x[b--] = t;
          }
        }
      }
    },
  };
}

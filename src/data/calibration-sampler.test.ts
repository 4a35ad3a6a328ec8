import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleBalanced } from './calibration-sampler.js';

/** Labels with `counts[c]` samples of class c, interleaved so classes are not contiguous. */
function labelsWith(counts: number[]): Int32Array {
  const out: number[] = [];
  const left = counts.slice();
  while (left.some((n) => n > 0)) {
    for (let c = 0; c < left.length; c++) {
      if (left[c]! > 0) {
        out.push(c);
        left[c]!--;
      }
    }
  }
  return Int32Array.from(out);
}

function perClass(labels: Int32Array, indices: Int32Array, numClasses: number): number[] {
  const counts = new Array(numClasses).fill(0);
  for (const i of indices) counts[labels[i]!]++;
  return counts;
}

describe('sampleBalanced', () => {
  it('takes the same number from every class when it divides evenly', () => {
    const labels = labelsWith([50, 50, 50, 50]);
    const picked = sampleBalanced(labels, 4, 20, 1);
    expect(perClass(labels, picked, 4)).toEqual([5, 5, 5, 5]);
    expect(new Set(picked).size).toBe(20);
    expect(Array.from(picked)).toEqual([...picked].sort((a, b) => a - b));
  });

  it('spreads a remainder one per class and hands a scarce class share to the others', () => {
    const labels = labelsWith([100, 100, 100]);
    expect(perClass(labels, sampleBalanced(labels, 3, 10, 3), 3).sort()).toEqual([3, 3, 4]);
    const scarce = labelsWith([2, 100, 100]);
    expect(perClass(scarce, sampleBalanced(scarce, 3, 30, 3), 3)).toEqual([2, 14, 14]);
  });

  it('returns everything when asked for more than there is, nothing for 0', () => {
    const labels = labelsWith([3, 1]);
    expect(Array.from(sampleBalanced(labels, 2, 100, 0))).toEqual([0, 1, 2, 3]);
    expect(sampleBalanced(labels, 2, 0, 0)).toHaveLength(0);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const labels = labelsWith([40, 40, 40]);
    expect(sampleBalanced(labels, 3, 12, 9)).toEqual(sampleBalanced(labels, 3, 12, 9));
    expect(sampleBalanced(labels, 3, 12, 9)).not.toEqual(sampleBalanced(labels, 3, 12, 10));
  });

  it('never exceeds a class, never repeats, and is as even as the data allows (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer(),
        (counts, want, seed) => {
          const labels = labelsWith(counts);
          const picked = sampleBalanced(labels, counts.length, want, seed);
          const got = perClass(labels, picked, counts.length);
          expect(picked.length).toBe(Math.min(want, labels.length));
          expect(new Set(picked).size).toBe(picked.length);
          for (const [c, g] of got.entries()) expect(g).toBeLessThanOrEqual(counts[c]!);
          // A class below its fair share must be exhausted: otherwise it could have had more.
          const max = Math.max(...got);
          got.forEach((g, c) => {
            if (g < max - 1) expect(g).toBe(counts[c]);
          });
        },
      ),
    );
  });
});

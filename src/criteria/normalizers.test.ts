import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizerNames, normalizers } from './normalizers.js';

describe('normalizers', () => {
  const s = Float32Array.of(1, 2, 3, 6);

  it('scale by the group statistic', () => {
    expect([...normalizers.none(s)]).toEqual([1, 2, 3, 6]);
    expect([...normalizers.mean(s)]).toEqual([1 / 3, 2 / 3, 1, 2].map(Math.fround));
    expect([...normalizers.max(s)]).toEqual([1 / 6, 2 / 6, 3 / 6, 1].map(Math.fround));
    expect([...normalizers.sum(s)]).toEqual([1 / 12, 2 / 12, 3 / 12, 6 / 12].map(Math.fround));
    // mean 3, population std sqrt((4 + 1 + 0 + 9) / 4) = sqrt(3.5)
    const sd = Math.sqrt(3.5);
    expect([...normalizers.standardize(s)]).toEqual([-2 / sd, -1 / sd, 0, 3 / sd].map(Math.fround));
  });

  it('leave all-zero groups alone instead of dividing by zero', () => {
    for (const n of normalizerNames) expect([...normalizers[n](new Float32Array(3))]).toEqual([0, 0, 0]);
  });

  it('keep the order inside a group (positive scores)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: Math.fround(0.001), max: 1000, noNaN: true }), { minLength: 2 }),
        (xs) => {
          const a = Float32Array.from(xs);
          for (const n of normalizerNames) {
            const b = normalizers[n](a);
            for (let i = 1; i < a.length; i++) {
              if (a[i]! > a[i - 1]!) expect(b[i]!).toBeGreaterThanOrEqual(b[i - 1]!);
              if (a[i]! < a[i - 1]!) expect(b[i]!).toBeLessThanOrEqual(b[i - 1]!);
            }
          }
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });
});

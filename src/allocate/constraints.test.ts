import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { residualPair, tinyNet } from '#test/criteria-fixtures.js';
import { allowedWidth, resolveLimits } from './constraints.js';

describe('allowedWidth', () => {
  it('rounds to the nearest multiple (ties keep more), never below the floor, n allowed', () => {
    expect([5, 11, 12, 13, 20, 60, 63, 64].map((k) => allowedWidth(k, 64, 1, 8))).toEqual([
      8, 8, 16, 16, 24, 64, 64, 64,
    ]);
    expect(allowedWidth(3, 64, 10, 8)).toBe(16);
    expect(allowedWidth(19, 20, 1, 8)).toBe(20);
    expect(allowedWidth(17, 20, 1, 8)).toBe(16);
    expect(allowedWidth(3, 6, 1, 8)).toBe(3);
    expect(allowedWidth(0, 6, 2, 1)).toBe(2);
  });

  it('is monotone, bounded and a multiple of roundTo whenever it prunes a group of ≥ roundTo', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 300 }),
        (n, m, lowerRaw) => {
          const lower = Math.min(n, lowerRaw);
          let prev = -1;
          for (let k = 0; k <= n; k++) {
            const w = allowedWidth(k, n, lower, m);
            expect(w).toBeGreaterThanOrEqual(prev);
            expect(w).toBeGreaterThanOrEqual(lower);
            expect(w).toBeLessThanOrEqual(n);
            if (w < n && n >= m) expect(w % m).toBe(0);
            prev = w;
          }
        },
      ),
      { seed: 3, numRuns: 300 },
    );
  });
});

describe('resolveLimits', () => {
  it('freezes blocked, protected and unscored groups; floors from minChannels and maxRatio', () => {
    const { analysis } = residualPair();
    const scored = new Set(['c1', 'c3']);
    const byId = (ls: ReturnType<typeof resolveLimits>) => Object.fromEntries(ls.map((l) => [l.group.id, l]));
    const l = byId(resolveLimits(analysis.groups, scored, { protect: ['bn2'] }));
    expect(l.x!.frozen).toBe('blocked');
    expect(l.c1!.frozen).toBe('protected');
    expect(l.c3!.frozen).toBeUndefined();
    expect(l.c1!.lower).toBe(2);
    const t = byId(
      resolveLimits(tinyNet().analysis.groups, new Set(['c1']), { maxRatio: 0.7, minChannels: 2 }),
    );
    expect(t.c2!.frozen).toBe('unscored');
    expect(t.c1!.lower).toBe(2);
  });

  it('n·(1 − maxRatio) does not round up through float error', () => {
    const { analysis } = tinyNet();
    const g = { ...analysis.groups[1]!, size: 10 };
    expect(resolveLimits([g], new Set([g.id]), { maxRatio: 0.7 })[0]!.lower).toBe(3);
  });

  it('rejects bad constraints', () => {
    const { analysis } = tinyNet();
    expect(() => resolveLimits(analysis.groups, new Set(), { roundTo: 0 })).toThrow(
      /roundTo: expected an integer ≥ 1/,
    );
    expect(() => resolveLimits(analysis.groups, new Set(), { maxRatio: 1.5 })).toThrow(/maxRatio/);
    expect(() => resolveLimits(analysis.groups, new Set(), { minChannels: 0.5 })).toThrow(/minChannels/);
  });
});

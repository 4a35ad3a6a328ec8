import { describe, expect, it } from 'vitest';
import { setWeight, tinyNet } from '#test/criteria-fixtures.js';
import { GramRunner } from '../runtime/gram.js';
import { importance } from './importance.js';
import { DIRECT_LIMIT, distanceSums } from './pairwise-distance.js';

describe('fpgm', () => {
  it('ranks the filter at the geometric median lowest (ℓ2, hand-computed sums)', async () => {
    const { graph, analysis } = tinyNet();
    // Filters (2-D): (0, 0) is the median of the other two, (2, 0) and (-2, 0).
    setWeight(graph, 'c1.weight', [2, 0, 0, 0, -2, 0]);
    const s = (await importance(graph, analysis, 'fpgm', { normalize: 'none' })).scores.get('c1')!;
    expect([...s]).toEqual([2 + 4, 2 + 2, 4 + 2]);
    expect(s.indexOf(Math.min(...s))).toBe(1);
  });

  it('ℓ1 and cosine distances', async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'c1.weight', [1, 0, 0, 2, 1, 1]);
    const l1 = (
      await importance(graph, analysis, 'fpgm', { normalize: 'none', options: { distance: 'l1' } })
    ).scores.get('c1')!;
    // |(1,0)-(0,2)| = 3, |(1,0)-(1,1)| = 1, |(0,2)-(1,1)| = 2
    expect([...l1]).toEqual([4, 5, 3]);
    const cos = (
      await importance(graph, analysis, 'fpgm', { normalize: 'none', options: { distance: 'cosine' } })
    ).scores.get('c1')!;
    const r = Math.SQRT1_2;
    expect([...cos]).toEqual([1 + (1 - r), 1 + (1 - 2 / (2 * Math.SQRT2)), 1 - r + (1 - r)].map(Math.fround));
  });

  it('rejects an unknown distance with the option named', async () => {
    const { graph, analysis } = tinyNet();
    await expect(importance(graph, analysis, 'fpgm', { options: { distance: 'l3' } })).rejects.toThrow(
      /criterion 'fpgm' option distance/,
    );
  });

  it('the ORT Gram path agrees with the exact loop on a big layer', async () => {
    const n = 96;
    const cols = 600;
    expect(n * n * cols).toBeGreaterThan(DIRECT_LIMIT);
    const rows = Float32Array.from({ length: n * cols }, (_, i) => Math.sin(i * 0.37) + (i % 5) * 0.1);
    const runner = new GramRunner(1);
    try {
      for (const metric of ['l2', 'cosine'] as const) {
        const fast = await distanceSums(rows, cols, metric, (d, r, c) => runner.gram(d, r, c));
        const exact = await distanceSums(rows, cols, metric);
        for (let i = 0; i < n; i++) expect(fast[i]! / exact[i]!).toBeCloseTo(1, 4);
      }
    } finally {
      await runner.release();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { setWeight, tinyNet } from '#test/criteria-fixtures.js';
import { importance } from './importance.js';

describe('pfgdf', () => {
  // c1 filters (2 weights each): means 1, 2, 6 → μ = 3, σ = √(14/3).
  const filters = [0, 2, 2, 2, 6, 6];
  const sigma = Math.sqrt(14 / 3);

  it("'central' scores |t − μ|/σ of the filter mean and keeps the filters outside ±kσ", async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'c1.weight', filters);
    const imp = await importance(graph, analysis, 'pfgdf');
    expect([...imp.scores.get('c1')!]).toEqual([2 / sigma, 1 / sigma, 3 / sigma].map(Math.fround));
    // k = 1: only |6 − 3| = 3 > σ ≈ 2.16 is significant.
    expect(imp.suggestedKeep?.get('c1')).toBe(1);
    const wide = await importance(graph, analysis, 'pfgdf', { options: { k: 0.5 } });
    expect(wide.suggestedKeep?.get('c1')).toBe(2);
  });

  it("'near-zero' scores |t|/σ; other statistics are configurable", async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'c1.weight', filters);
    const nz = await importance(graph, analysis, 'pfgdf', { options: { interval: 'near-zero' } });
    expect([...nz.scores.get('c1')!]).toEqual([1 / sigma, 2 / sigma, 6 / sigma].map(Math.fround));
    // ℓ2 norms 2, √8, √72
    const l2 = await importance(graph, analysis, 'pfgdf', { options: { statistic: 'l2' } });
    const t = [2, Math.sqrt(8), Math.sqrt(72)];
    const mu = (t[0]! + t[1]! + t[2]!) / 3;
    const sd = Math.sqrt(t.reduce((a, x) => a + (x - mu) ** 2, 0) / 3);
    const s = l2.scores.get('c1')!;
    for (let i = 0; i < 3; i++) expect(s[i]).toBeCloseTo(Math.abs(t[i]! - mu) / sd, 5);
  });

  it('a layer of identical filters has no significant filter', async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'c1.weight', [1, 1, 1, 1, 1, 1]);
    const imp = await importance(graph, analysis, 'pfgdf');
    expect([...imp.scores.get('c1')!]).toEqual([0, 0, 0]);
    expect(imp.suggestedKeep?.get('c1')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { residualPair, setWeight, tinyNet } from '#test/criteria-fixtures.js';
import { importance } from './importance.js';

const raw = { normalize: 'none' } as const;

describe('l1 / l2 filter norms', () => {
  it('score each filter of the producer (biases and BN excluded)', async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'c1.weight', [1, -2, 3, 0, 0.5, 0.5]);
    const l1 = await importance(graph, analysis, 'l1', raw);
    const l2 = await importance(graph, analysis, 'l2', raw);
    expect([...l1.scores.get('c1')!]).toEqual([3, 3, 1]);
    expect([...l2.scores.get('c1')!]).toEqual([Math.sqrt(5), 3, Math.sqrt(0.5)].map(Math.fround));
    expect(l1.scores.has('fc')).toBe(false);
  });

  it("'in' reads the consumers' input slices: c2.weight[:, k]", async () => {
    const { graph, analysis } = tinyNet();
    const w = Array.from({ length: 2 * 3 * 9 }, (_, i) => ((i % 7) - 3) / 4);
    setWeight(graph, 'c2.weight', w);
    const s = (await importance(graph, analysis, 'l1', { ...raw, options: { members: 'in' } })).scores.get(
      'c1',
    )!;
    for (let k = 0; k < 3; k++) {
      let t = 0;
      for (let j = 0; j < 2; j++) for (let u = 0; u < 9; u++) t += Math.abs(w[(j * 3 + k) * 9 + u]!);
      expect(s[k]).toBeCloseTo(t, 5);
    }
  });

  it('reduce the rows of the producers of a residual group as configured', async () => {
    const { graph, analysis } = residualPair();
    setWeight(graph, 'c1.weight', [1, 1, 0, 2]);
    setWeight(graph, 'c2.weight', [3, 0, 0, -1]);
    const score = async (reduce: 'mean' | 'sum' | 'max' | 'first') => [
      ...(await importance(graph, analysis, 'l1', { ...raw, reduce })).scores.get('c1')!,
    ];
    expect(await score('mean')).toEqual([2.5, 1.5]);
    expect(await score('sum')).toEqual([5, 3]);
    expect(await score('max')).toEqual([3, 2]);
    expect(await score('first')).toEqual([2, 2]);
  });

  it('normalise by the group mean by default', async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'c1.weight', [1, -2, 3, 0, 0.5, 0.5]);
    const imp = await importance(graph, analysis, 'l1');
    expect(imp.normalize).toBe('mean');
    expect([...imp.scores.get('c1')!]).toEqual([3 / (7 / 3), 3 / (7 / 3), 1 / (7 / 3)].map(Math.fround));
  });
});

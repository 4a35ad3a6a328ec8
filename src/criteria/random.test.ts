import { describe, expect, it } from 'vitest';
import { tinyNet } from '#test/criteria-fixtures.js';
import { importance } from './importance.js';

describe('random', () => {
  it('is seeded, differs by seed and does not depend on which groups are scored', async () => {
    const { graph, analysis } = tinyNet();
    const a = await importance(graph, analysis, 'random', { options: { seed: 5 } });
    const b = await importance(graph, analysis, 'random', { options: { seed: 5 } });
    const c = await importance(graph, analysis, 'random', { options: { seed: 6 } });
    const only = await importance(graph, analysis, 'random', { options: { seed: 5 }, groups: ['c2'] });
    expect([...a.scores.get('c1')!]).toEqual([...b.scores.get('c1')!]);
    expect([...a.scores.get('c1')!]).not.toEqual([...c.scores.get('c1')!]);
    expect([...only.scores.get('c2')!]).toEqual([...a.scores.get('c2')!]);
    for (const x of a.scores.get('c1')!) expect(x >= 0 && x < 1).toBe(true);
  });
});

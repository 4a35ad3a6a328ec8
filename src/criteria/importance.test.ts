import { describe, expect, it } from 'vitest';
import { tinyNet } from '#test/criteria-fixtures.js';
import { PareError } from '../util/errors.js';
import { importance } from './importance.js';
import { normalizerNames } from './normalizers.js';
import { reducerNames } from './reducers.js';
import { criteria, criterionByName, criterionNames } from './registry.js';

describe('importance', () => {
  const { graph, analysis } = tinyNet();

  it('scores every prunable group, never a blocked one', async () => {
    const imp = await importance(graph, analysis, 'l2');
    expect([...imp.scores.keys()]).toEqual(['c1', 'c2']);
    expect(imp.skipped.size).toBe(0);
    expect(imp).toMatchObject({
      criterion: 'l2',
      reduce: 'mean',
      normalize: 'mean',
      options: { members: 'out' },
    });
  });

  it('names bad criteria, reducers, normalisers and options with the valid choices', async () => {
    const fail = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(PareError);
      return e as PareError;
    };
    const c = await fail(importance(graph, analysis, 'l3'));
    expect(c.message).toBe("unknown criterion 'l3'");
    expect(c.notes[0]).toContain('fpgm');
    const r = await fail(importance(graph, analysis, 'l1', { reduce: 'median' as never }));
    expect(r.notes[0]).toBe(`valid reducers: ${reducerNames.join(', ')}`);
    const n = await fail(importance(graph, analysis, 'l1', { normalize: 'zscore' as never }));
    expect(n.notes[0]).toBe(`valid normalisers: ${normalizerNames.join(', ')}`);
    const o = await fail(importance(graph, analysis, 'random', { options: { seeed: 1 } }));
    expect(o.code).toBe('PARE_CONFIG');
    expect(o.message).toMatch(/^criterion 'random' option/);
    const g = await fail(importance(graph, analysis, 'l1', { groups: ['c9'] }));
    expect(g.message).toBe("no channel group 'c9'");
  });

  it('the registry: each criterion knows its name, source and defaults', () => {
    expect(criterionNames).toEqual([
      'l1',
      'l2',
      'fpgm',
      'bn-scale',
      'random',
      'fsm',
      'pfgdf',
      'activation-mean',
      'apoz',
      'lasso',
      'cap',
      'taylor',
      'fisher',
      'aip',
    ]);
    for (const name of criterionNames) {
      const c = criterionByName(name);
      expect(c.name).toBe(name);
      expect(c.source.length).toBeGreaterThan(10);
      expect(reducerNames).toContain(c.defaults.reduce);
      expect(normalizerNames).toContain(c.defaults.normalize);
      expect(c.needs === 'activations').toBe(
        ['activation-mean', 'apoz', 'lasso', 'cap', 'aip'].includes(name),
      );
      expect(c.needs === 'gradients').toBe(['taylor', 'fisher'].includes(name));
    }
    expect(criteria.pfgdf.suggestKeep).toBeDefined();
  });
});

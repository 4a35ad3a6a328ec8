import { describe, expect, it } from 'vitest';
import { residualPair, setWeight, tinyNet } from '#test/criteria-fixtures.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { importance } from './importance.js';

describe('bn-scale', () => {
  it('scores |γ| of the group BN, unnormalised by default', async () => {
    const { graph, analysis } = tinyNet();
    setWeight(graph, 'bn1.weight', [0.5, -2, 1]);
    const imp = await importance(graph, analysis, 'bn-scale');
    expect([...imp.scores.get('c1')!]).toEqual([0.5, 2, 1]);
  });

  it('averages the BNs of a residual group', async () => {
    const { graph, analysis } = residualPair();
    setWeight(graph, 'bn1.weight', [1, 3]);
    setWeight(graph, 'bn2.weight', [-3, 1]);
    expect([...(await importance(graph, analysis, 'bn-scale')).scores.get('c1')!]).toEqual([2, 2]);
  });

  it('skips, with the reason, groups without a BN', async () => {
    const { graph } = tinyNet();
    const bn = graph.node('bn1')!;
    graph.replaceAllUses(bn.output(0), bn.input(0)!);
    graph.removeNode(bn);
    const imp = await importance(graph, analyzeChannels(graph), 'bn-scale');
    expect(imp.scores.has('c1')).toBe(false);
    expect(imp.skipped.get('c1')).toMatch(/no BatchNormalization/);
  });
});

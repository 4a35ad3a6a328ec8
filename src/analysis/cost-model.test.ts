import { describe, expect, it } from 'vitest';
import { tinyNet } from '#test/criteria-fixtures.js';
import { pytorchStyle } from '#test/prune-exporter-fixtures.js';
import * as F from '#test/prune-fixtures.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { createPlan } from '../analysis/plan.js';
import type { Graph } from '../ir/graph.js';
import { computeCosts } from '../ops/costs.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { Rng } from '../util/rng.js';
import { buildZooModel } from '../zoo/registry.js';
import { CostModel, predictCosts } from './cost-model.js';

/** A random plan: every prunable group keeps a random non-empty subset. */
function randomKeep(a: ChannelAnalysis, rng: Rng): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const g of a.groups) {
    if (g.blockers.length > 0 || rng.next() < 0.2) continue;
    const k = 1 + rng.int(g.size);
    out[g.id] = [...rng.permutation(g.size).subarray(0, k)].sort((x, y) => x - y);
  }
  return out;
}

/**
 * Predicted costs of random plans equal computeCosts of the graph surgery actually leaves: always
 * from the kept positions, and from the kept counts for the plans `accept` passes.
 */
function checkExact(
  graph: Graph,
  plans: number,
  seed: number,
  accept = (_: Record<string, number[]>) => true,
) {
  const analysis = analyzeChannels(graph);
  const model = CostModel.build(graph, analysis);
  const base = computeCosts(graph);
  expect(model.base).toEqual({ macs: base.macs, params: base.params });
  const rng = new Rng(seed);
  let checked = 0;
  for (let i = 0; i < plans; i++) {
    const keep = randomKeep(analysis, rng);
    const real = exactCosts(graph, analysis, keep);
    const positions = new Map(Object.entries(keep).map(([id, k]) => [id, Int32Array.from(k)]));
    expect(model.predict(positions), `plan ${JSON.stringify(keep)}`).toEqual(real);
    if (!accept(keep)) continue;
    const counts = new Map(Object.entries(keep).map(([id, k]) => [id, k.length]));
    expect(model.predict(counts), `plan ${JSON.stringify(keep)}`).toEqual(real);
    checked++;
  }
  return checked;
}

function exactCosts(graph: Graph, analysis: ChannelAnalysis, keep: Record<string, number[]>) {
  const real = computeCosts(applyPlan(graph, createPlan(graph, keep), { analysis }));
  return { macs: real.macs, params: real.params };
}

describe('CostModel (exact MACs and params of a plan, without surgery)', () => {
  it('pattern fixtures: concat, grouped, shuffle, SE, flatten (NCHW/NHWC), split/slice, residual, activations', () => {
    const nets = [
      F.concatNet,
      F.groupedNet,
      F.shuffleNet,
      F.seNet,
      F.flattenNet,
      F.nhwcFlattenNet,
      F.splitSliceNet,
      F.residualNet,
      F.activationNet,
      F.blockerNet,
    ];
    nets.forEach((make, i) => {
      expect(checkExact(make(), 8, i + 1)).toBe(8);
    });
  });

  it('zoo models, including depthwise convs (MobileNetV2) and bottlenecks', () => {
    const small = { inputShape: [3, 32, 32] } as const;
    for (const [name, opts] of [
      ['lenet5', {}],
      ['resnet20', {}],
      ['resnet50', small],
      ['mobilenetv2', { ...small, width: 0.5 }],
    ] as const)
      expect(checkExact(buildZooModel(name, opts).graph, 2, 7), name).toBe(2);
  });

  it('a weight shared through Identity: one copy while sliced alike, one per distinct slicing', () => {
    const g = pytorchStyle();
    // Two groups slice the shared weight; plans whose kept sets coincide would share one copy,
    // which kept counts alone cannot tell (docs/criteria.md): those are left out here.
    const distinct = (k: Record<string, number[]>) =>
      String(k['/conv1/Conv'] ?? 'all') !== String(k['/a/Conv'] ?? 'all');
    expect(checkExact(g, 12, 5, distinct)).toBeGreaterThan(6);
    // Kept positions tell: both groups keeping {0, 2, 5} slice the weight alike (one copy).
    const analysis = analyzeChannels(g);
    const keep = { '/conv1/Conv': [0, 2, 5], '/a/Conv': [0, 2, 5] };
    const positions = new Map(Object.entries(keep).map(([id, k]) => [id, Int32Array.from(k)]));
    const real = exactCosts(g, analysis, keep);
    expect(predictCosts(g, analysis, positions)).toEqual(real);
    const counts = predictCosts(
      g,
      analysis,
      new Map([
        ['/conv1/Conv', 3],
        ['/a/Conv', 3],
      ]),
    );
    expect(counts.params - real.params).toBe(3 * 3 * 9);
  });

  it('is not first order: pruning two adjacent groups saves less than the sum of their savings', () => {
    const { graph, analysis } = tinyNet();
    const base = computeCosts(graph).macs;
    const saved = (kept: [string, number][]) => base - predictCosts(graph, analysis, new Map(kept)).macs;
    const both = saved([
      ['c1', 1],
      ['c2', 1],
    ]);
    expect(both).toBeLessThan(saved([['c1', 1]]) + saved([['c2', 1]]));
    // c2 is a 3×3 conv 3 → 2 over 4×4: MACs 2·3·9·16; keeping 1 of 3 inputs and 1 of 2 outputs leaves 1·1·9·16.
    const c2 = (kIn: number, kOut: number) => kOut * kIn * 9 * 16;
    const c1 = (kOut: number) => kOut * 2 * 16;
    const fc = (kIn: number) => 2 * kIn;
    expect(both).toBe(c1(3) + c2(3, 2) + fc(2) - (c1(1) + c2(1, 1) + fc(1)));
  });
});

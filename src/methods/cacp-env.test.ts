import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../allocate/constraints.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { CostModel } from '../analysis/cost-model.js';
import { readModel } from '../onnx/read.js';
import { Rng } from '../util/rng.js';
import { CacpEnv, STATE_SIZE } from './cacp-env.js';

const model = readModel(join(import.meta.dirname, '..', '..', 'assets', 'demo', 'fmnist-resnet20.onnx'));
const analysis = analyzeChannels(model.graph);
const costModel = CostModel.build(model.graph, analysis);
const scored = new Set(analysis.groups.map((g) => g.id));

function env(roundTo: number, floor = true, keepResidual = true) {
  const limits = resolveLimits(analysis.groups, scored, { roundTo, keepResidual });
  return new CacpEnv(model.graph, limits, costModel, { metric: 'macs', lowerBound: 0.2, floor });
}

describe('CACP environment (shipped ResNet-20)', () => {
  it('walks the inner groups; each state has the 12 features with β last', () => {
    const e = env(1);
    expect(e.steps.map((s) => s.id)).toEqual([
      'layer1.0.conv1',
      'layer1.1.conv1',
      'layer1.2.conv1',
      'layer2.0.conv1',
      'layer2.1.conv1',
      'layer2.2.conv1',
      'layer3.0.conv1',
      'layer3.1.conv1',
      'layer3.2.conv1',
    ]);
    const ep = e.rollout(0.5, () => 1);
    expect(ep.states).toHaveLength(9);
    for (const s of ep.states) {
      expect(s).toHaveLength(STATE_SIZE);
      expect(s[STATE_SIZE - 1]).toBeCloseTo(0.5, 6);
    }
    // Reduced so far starts at 0 and grows; the previous action is the last kept fraction.
    expect(ep.states[0]![8]).toBe(0);
    expect(ep.states[8]![8]).toBeGreaterThan(0);
    expect(ep.states[3]![10]).toBeCloseTo(ep.actions[2]!, 6);
  });

  it('every policy lands on the target: never above it, below by less than one width step', () => {
    const rng = new Rng(11);
    const e = env(1);
    for (const beta of [0.3, 0.5, 0.7, 0.9])
      for (let k = 0; k < 20; k++) {
        const ep = e.rollout(beta, () => rng.next());
        expect(ep.achieved).toBeLessThanOrEqual(beta + 1e-9);
        // The last group (64 channels of layer3.2.conv1) moves 0.14 % of the MACs per channel.
        expect(ep.achieved).toBeGreaterThan(beta - 0.005);
        expect(ep.achieved).toBeCloseTo(e.cost(ep.counts), 12);
        ep.actions.forEach((a, t) => {
          expect(a).toBeGreaterThanOrEqual(0.2 - 1e-9);
          expect(ep.counts[e.steps[t]!.index]).toBe(Math.round(a * e.steps[t]!.size));
        });
      }
  });

  it("without the floor, only the paper's cap holds (a greedy pruner undershoots)", () => {
    const e = env(1, false);
    const ep = e.rollout(0.7, () => 0);
    expect(ep.achieved).toBeLessThan(0.4);
    expect(e.rollout(0.7, () => 1).achieved).toBeLessThanOrEqual(0.7 + 1e-9);
  });

  it('an unreachable target (round-to 16 leaves 16-wide layers whole) ends at the lowest widths', () => {
    const e = env(16);
    expect(e.steps.map((s) => s.id).some((id) => id.startsWith('layer1.'))).toBe(false);
    const lowest = e.cost(e.lowest());
    expect(lowest).toBeGreaterThan(0.5);
    const ep = e.rollout(0.3, () => 0.9);
    expect(ep.achieved).toBeCloseTo(lowest, 12);
    for (const s of e.steps) expect(ep.counts[s.index]! % 16).toBe(0);
  });
});

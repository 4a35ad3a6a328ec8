import { describe, expect, it } from 'vitest';
import { chainNet } from '#test/criteria-fixtures.js';
import { CostModel } from '../analysis/cost-model.js';
import { allocate } from './allocate.js';
import { resolveLimits } from './constraints.js';
import { type LatencyPredictor, latencyPerMacs } from './latency-aware.js';

describe('latency-aware MACs targets', () => {
  const widths = [16, 16, 16];
  const { graph, analysis } = chainNet(widths);
  const ids = ['c1', 'c2', 'c3'];
  const cm = CostModel.build(graph, analysis);
  const index = ids.map((id) => analysis.groups.findIndex((g) => g.id === id));
  // Scores: c1 lowest, then c2, c3 highest (c3 is what the criterion wants to keep).
  const scores = new Map(
    ids.map((id, g) => [id, Float32Array.from({ length: 16 }, (_, i) => g + 1 + i / 100)]),
  );
  const macs = (k: ArrayLike<number>) => cm.predictCounts(Int32Array.from(k)).macs;
  /** Time follows the MACs, plus `dear` ms per channel that c3 keeps. */
  const predictor = (dear: number): LatencyPredictor => {
    const at = (k: ArrayLike<number>) => macs(k) / cm.base.macs + dear * (k[index[2]!]! / 16);
    return { baseMs: at(cm.sizes), predictCounts: at };
  };
  const kept = (r: ReturnType<typeof allocate>) => ids.map((id) => r.kept.get(id)?.length ?? 16);

  it('ρ: time share saved per MACs share saved, channel-weighted mean 1', () => {
    const limits = resolveLimits(analysis.groups, new Set(ids), {});
    const rho = latencyPerMacs(limits, cm, predictor(3));
    const free = limits.map((l, g) => (l.frozen ? -1 : g)).filter((g) => g >= 0);
    const mean =
      free.reduce((t, g) => t + rho[g]! * limits[g]!.group.size, 0) /
      free.reduce((t, g) => t + limits[g]!.group.size, 0);
    expect(mean).toBeCloseTo(1, 9);
    expect(rho[index[2]!]!).toBeGreaterThan(2 * rho[index[0]!]!);
    // Time proportional to the MACs: every group alike.
    const flat = latencyPerMacs(limits, cm, predictor(0));
    for (const g of free) expect(flat[g]!).toBeCloseTo(1, 9);
  });

  it('time proportional to the MACs: weight 0, the plain global order', () => {
    const plain = allocate(graph, analysis, scores, { kind: 'macs', fraction: 0.5 });
    const aware = allocate(graph, analysis, scores, { kind: 'macs', fraction: 0.5, latency: predictor(0) });
    expect(aware.latencyAware?.weight).toBe(0);
    expect(kept(aware)).toEqual(kept(plain));
    expect(plain.latencyAware).toBeUndefined();
  });

  it('a layer dear per MAC loses more channels: same MACs, less predicted time', () => {
    const p = predictor(3);
    const plain = allocate(graph, analysis, scores, { kind: 'macs', fraction: 0.5 });
    const aware = allocate(graph, analysis, scores, { kind: 'macs', fraction: 0.5, latency: p });
    const a = aware.latencyAware!;
    expect(a.weight).toBeGreaterThan(0);
    expect(aware.target?.met).toBe(true);
    expect(Math.abs(aware.predicted.macs / aware.base.macs - 0.5)).toBeLessThanOrEqual(0.005);
    expect(kept(aware)[2]!).toBeLessThan(kept(plain)[2]!);
    const time = (r: ReturnType<typeof allocate>) => p.predictCounts(cm.counts(r.kept)) / p.baseMs;
    expect(a.predictedByScore).toBeCloseTo(time(plain), 9);
    expect(a.predicted).toBeCloseTo(time(aware), 9);
    expect(a.predicted).toBeLessThan(0.9 * a.predictedByScore);
    // The ladder's weight 0 is the plain plan; the weight chosen is the smallest within 2 % of the best.
    expect(a.ladder[0]).toMatchObject({ weight: 0, predicted: a.predictedByScore });
    const best = Math.min(...a.ladder.map((t) => t.predicted));
    expect(a.ladder.find((t) => t.predicted <= best * 1.02)?.weight).toBe(a.weight);
    // Inside each group the criterion's order still holds: the top-scored channels are kept.
    expect([...aware.kept.get('c3')!]).toEqual([...Array(16).keys()].slice(16 - kept(aware)[2]!));
  });

  it('the uniform search ignores the table', () => {
    const t = { kind: 'macs', fraction: 0.5, search: 'uniform' } as const;
    const aware = allocate(graph, analysis, scores, { ...t, latency: predictor(3) });
    expect(aware.latencyAware).toBeUndefined();
    expect(kept(aware)).toEqual(kept(allocate(graph, analysis, scores, t)));
  });
});

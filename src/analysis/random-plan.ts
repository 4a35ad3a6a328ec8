// Random plans (seeded): remove a fraction of every prunable group's channels. Used by tests, the
// verification sweep over the zoo and benchmarks; a baseline for real criteria.

import type { Graph } from '../ir/graph.js';
import { Rng } from '../util/rng.js';
import type { ChannelAnalysis } from './channel-types.js';
import { createPlan, type PruningPlan } from './plan.js';

export interface RandomPlanOptions {
  /** Fraction of each group's channels to remove (rounded; at least `minChannels` stay). */
  readonly ratio: number;
  readonly seed?: number;
  readonly minChannels?: number;
}

export function randomPlan(graph: Graph, analysis: ChannelAnalysis, options: RandomPlanOptions): PruningPlan {
  const rng = new Rng(options.seed ?? 0);
  const min = Math.max(1, options.minChannels ?? 1);
  const groups: Record<string, number[]> = {};
  for (const g of analysis.groups) {
    if (g.blockers.length > 0 || g.size <= min) continue;
    const remove = Math.min(Math.round(g.size * options.ratio), g.size - min);
    if (remove <= 0) continue;
    const keep = Array.from(rng.permutation(g.size).subarray(remove)).sort((a, b) => a - b);
    groups[g.id] = keep;
  }
  return createPlan(graph, groups);
}

// cap (Xie, Fu, Tian, Zhou, Chen, compensation-aware pruning, arXiv 2108.13728; the authors'
// ZhouyangXie/pseudopruner comp_aware_pruner/ranking.py): greedy forward selection of the channels
// whose least-squares compensated consumers lose the least (linear/cap-select.ts). The order of
// addition is the ranking. Score of the i-th added channel: the fraction of the consumers' output
// variance its addition recovers, made non-increasing along the order (a running max from the end,
// then strictly decreasing in float32) so that any top-k by score is a greedy prefix.

import { z } from 'zod';
import { capRanking } from '../linear/cap-select.js';
import type { Criterion, CriterionScores } from './criterion.js';
import { consumerLayers, selectLayers } from './linear-consumers.js';

const options = z.strictObject({
  /** Relative remaining variance below which a channel is exhausted (zero variance: pruned first). */
  tol: z.number().positive().default(1e-6),
  /** Skip groups whose consumer has more patch features per conv group (cost ~ features³/6). */
  maxFeatures: z.number().int().positive().default(8192),
});

export const capCriterion = {
  name: 'cap',
  needs: 'activations',
  summary: "greedy forward order of the channels that keep the compensated consumers' outputs best",
  source:
    'Xie et al., arXiv 2108.13728, ZhouyangXie/pseudopruner comp_aware_pruner/ranking.py (greedy forward, ' +
    'Schur complements, centred statistics; zero-variance channels last, ConstChannelPruner); several ' +
    'consumers: one greedy on summed scores, other input channels of a consumer kept (our choices)',
  defaults: { reduce: 'mean', normalize: 'none' },
  options,
  layers: consumerLayers,
  score(ctx, o): CriterionScores {
    const layers = selectLayers(ctx.graph, ctx.group, o.maxFeatures, (n) => ctx.layerStats(n));
    if ('skip' in layers) return layers;
    const r = capRanking(layers, { tol: o.tol });
    const scale = r.total > 0 ? 1 / r.total : 0;
    return [orderScores(r.order, (u) => r.gain[u]! * scale)];
  },
} as const satisfies Criterion<typeof options>;

/** Scores strictly decreasing along `order` (in float32), ≥ value(unit) where that keeps the order. */
export function orderScores(order: Int32Array, value: (unit: number) => number): Float32Array {
  const out = new Float32Array(order.length);
  let next = -1;
  for (let i = order.length - 1; i >= 0; i--) {
    const u = order[i]!;
    let s = Math.fround(Math.max(0, value(u)));
    if (next >= 0 && s <= next) s = nextUp32(next);
    out[u] = s;
    next = s;
  }
  return out;
}

function nextUp32(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer);
  bits[0] = x === 0 ? 1 : bits[0]! + 1;
  return f[0]!;
}

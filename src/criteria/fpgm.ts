// FPGM (He et al., "Filter Pruning via Geometric Median", CVPR 2019): the filters nearest the
// geometric median of their layer are the most replaceable. Score = Σ_j' d(F_j, F_j'), the paper's
// Eq. 4 surrogate (small = near the median = pruned first), per member, one row each.

import { z } from 'zod';
import type { Criterion, CriterionScores } from './criterion.js';
import { kernelRows, noKernelReason } from './member-tensors.js';
import { distanceSums } from './pairwise-distance.js';

const options = z.strictObject({
  /** The paper's default is ℓ2; its ablation also reports ℓ1 and cosine. */
  distance: z.enum(['l2', 'l1', 'cosine']).default('l2'),
  members: z.enum(['out', 'in', 'out+in']).default('out'),
});

export const fpgmCriterion = {
  name: 'fpgm',
  needs: 'weights',
  summary:
    "sum of distances from a channel's filter to every filter of its layer (near the geometric median = low)",
  source:
    'He et al., Filter Pruning via Geometric Median (CVPR 2019), Eq. 4; distances among all filters of a ' +
    'member (the code first drops the norm-pruned ones: that is FPGM-mix, not done here)',
  defaults: { reduce: 'mean', normalize: 'mean' },
  options,
  async score(ctx, o): Promise<CriterionScores> {
    const parts = kernelRows(ctx.graph, ctx.group, o.members);
    if (parts.length === 0) return { skip: noKernelReason(ctx.group, o.members) };
    const out: Float32Array[] = [];
    for (const { rows, cols } of parts)
      out.push(Float32Array.from(await distanceSums(rows, cols, o.distance, (d, r, c) => ctx.gram(d, r, c))));
    return out;
  },
} as const satisfies Criterion<typeof options>;

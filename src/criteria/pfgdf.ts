// PFGDF (Xu et al., "Pruning Filter via Gaussian Distribution Feature", arXiv 2006.12963, IJCNN
// 2022): fit a Gaussian N(μ, σ²) to a per-filter statistic over the layer and prune the filters in
// its "insignificant" interval. The statistic, the interval and its width are UNCONFIRMED (methods.md
// §4, addendum §3): all three are options, defaulting to the notes' hypothesis (central band, k = 1).
// Score = distance in σ from the interval's centre (≥ k: significant, kept by the criterion's ratio).

import { z } from 'zod';
import type { Criterion, CriterionScores } from './criterion.js';
import { kernelRows, noKernelReason } from './member-tensors.js';

const options = z.strictObject({
  /** Per-filter statistic of the kernel weights. UNCONFIRMED: the paper's choice is unknown. */
  statistic: z.enum(['mean', 'l1', 'l2', 'std']).default('mean'),
  /** 'central': |t − μ|/σ (prune the high-density band); 'near-zero': |t|/σ. UNCONFIRMED. */
  interval: z.enum(['central', 'near-zero']).default('central'),
  /** Half-width of the insignificant interval in σ (1 ⇒ 68.3% of a Gaussian). UNCONFIRMED. */
  k: z.number().nonnegative().default(1),
  members: z.enum(['out', 'in', 'out+in']).default('out'),
});

export const pfgdfCriterion = {
  name: 'pfgdf',
  needs: 'weights',
  summary:
    'distance (in σ of a Gaussian fitted over the group) of a per-filter statistic from the insignificant interval',
  source:
    'Xu et al., PFGDF (arXiv 2006.12963, IJCNN 2022), abstract only; statistic/interval/k are documented choices',
  defaults: { reduce: 'mean', normalize: 'none' },
  options,
  score(ctx, o): CriterionScores {
    const parts = kernelRows(ctx.graph, ctx.group, o.members);
    if (parts.length === 0) return { skip: noKernelReason(ctx.group, o.members) };
    // Residual groups: one statistic per channel (reduced over members), one Gaussian per group.
    const t = ctx.reduce(parts.map(({ rows, cols }) => filterStatistic(rows, cols, o.statistic)));
    return [gaussianDistance(t, o.interval)];
  },
  suggestKeep(reduced, o) {
    let keep = 0;
    for (const z of reduced) if (z >= o.k) keep++;
    return keep;
  },
} as const satisfies Criterion<typeof options>;

export function filterStatistic(
  rows: Float32Array,
  cols: number,
  stat: 'mean' | 'l1' | 'l2' | 'std',
): Float32Array {
  const n = cols === 0 ? 0 : rows.length / cols;
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let [s, a, q] = [0, 0, 0];
    for (let k = r * cols; k < (r + 1) * cols; k++) {
      const x = rows[k]!;
      s += x;
      a += Math.abs(x);
      q += x * x;
    }
    const mean = s / cols;
    out[r] =
      stat === 'mean'
        ? mean
        : stat === 'l1'
          ? a
          : stat === 'l2'
            ? Math.sqrt(q)
            : Math.sqrt(Math.max(0, q / cols - mean * mean));
  }
  return out;
}

/** |t − μ|/σ ('central') or |t|/σ ('near-zero') with μ, σ the sample mean and (population) std. */
export function gaussianDistance(t: Float32Array, interval: 'central' | 'near-zero'): Float32Array {
  let mean = 0;
  for (const x of t) mean += x;
  mean /= t.length || 1;
  let v = 0;
  for (const x of t) v += (x - mean) ** 2;
  const sigma = Math.sqrt(v / (t.length || 1));
  const centre = interval === 'central' ? mean : 0;
  return t.map((x) => (sigma > 0 ? Math.abs(x - centre) / sigma : 0));
}

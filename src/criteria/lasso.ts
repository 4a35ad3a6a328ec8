// lasso (He, Zhang, Sun, "Channel Pruning for Accelerating Very Deep Neural Networks", ICCV 2017;
// ethanhe42/channel-pruning lib/decompose.py::dictionary): channel c's contribution to each
// consumer's output is Z_c = X_c·W_cᵀ; LASSO on β (one coefficient per channel, shared by every
// consumer) reconstructs the original output Σ_c Z_c. Score: how long c survives on a decreasing λ
// path (linear/select.ts lassoPath); Importance.select re-picks a group's channels for a given count
// with the paper's λ doubling + bisection (lassoSelect).

import { z } from 'zod';
import { lassoPath, lassoProblem, lassoSelect } from '../linear/select.js';
import type { Criterion, CriterionScores } from './criterion.js';
import { consumerLayers, selectLayers } from './linear-consumers.js';

const options = z.strictObject({
  /** First λ of the search, relative to λmax = max|b| (He's alpha, 1e-3). */
  alpha: z.number().positive().default(1e-3),
  /** Accept λ whose nonzero count lies in [keep, keep·(1 + rankTol)] (He's rank_tol). */
  rankTol: z.number().min(0).default(0.1),
  /** β ≥ 0 (default: free sign, as sklearn's Lasso in the authors' code). */
  positive: z.boolean().default(false),
  /** λ grid of the ranking path: points from λmax down to minRatio·λmax. */
  steps: z.number().int().min(2).default(40),
  minRatio: z.number().positive().lt(1).default(1e-4),
  /** Skip groups whose consumer has more patch features per conv group (Σ is features² floats). */
  maxFeatures: z.number().int().positive().default(8192),
});

export const lassoCriterion = {
  name: 'lasso',
  needs: 'activations',
  summary:
    "λ at which the channel leaves the LASSO reconstruction of its consumers' outputs (relative to λmax)",
  source:
    'He, Zhang, Sun, Channel Pruning (ICCV 2017), ethanhe42/channel-pruning decompose.py::dictionary ' +
    '(λ doubling + bisection, rank_tol 0.1); Gram form on centred statistics, consumers share β, ' +
    'ranking by LASSO path entry (our choices)',
  defaults: { reduce: 'mean', normalize: 'none' },
  options,
  layers: consumerLayers,
  score(ctx, o): CriterionScores {
    const layers = selectLayers(ctx.graph, ctx.group, o.maxFeatures, (n) => ctx.layerStats(n));
    if ('skip' in layers) return layers;
    const p = lassoProblem(layers);
    const solve = { positive: o.positive };
    const path = lassoPath(p, { ...solve, steps: o.steps, minRatio: o.minRatio });
    ctx.provideSelect((keep) => lassoSelect(p, keep, { ...solve, alpha: o.alpha, rankTol: o.rankTol }).kept);
    return [Float32Array.from(path.score)];
  },
} as const satisfies Criterion<typeof options>;

// AIP / GBIP's feature-distribution rule (Chang et al., arXiv 2108.13591; journal version GBIP,
// Neural Computing and Applications 2022; methods-addendum §4): score = ℓ1 of a channel's activation
// over calibration images (here its mean |a|, the same ranking), and the criterion chooses each
// layer's width itself: a channel goes when its score is below k·(the layer's mean score), one global
// k for all layers, so every layer's ratio follows from its own distribution ("balanced"). The rule and
// k = 0.2 come from a third-party reimplementation (BenGitter/GBIP, utils_gbip/prune.py; 0.3, 0.4 and
// 0.8 also tried there), not from the authors' code, which is not public.

import { z } from 'zod';
import { consumedRequests, consumedScores } from './consumed-stats.js';
import type { Criterion } from './criterion.js';

const options = z.strictObject({
  /** Keep channels scoring at least k × the group's mean score. */
  k: z.number().positive().default(0.2),
});

export const aipCriterion = {
  name: 'aip',
  needs: 'activations',
  summary: "ℓ1 of each channel's activation; the width keeps channels ≥ k·mean (k 0.2), layer by layer",
  source:
    'Chang et al., AIP (arXiv 2108.13591) / GBIP (NCA 2022); the k·mean rule from BenGitter/GBIP [code-3rd]',
  defaults: { reduce: 'mean', normalize: 'none' },
  options,
  activations: (_graph, group) => consumedRequests(group),
  score: (ctx) => consumedScores(ctx, (s, p) => s.meanAbs[p]!),
  suggestKeep(reduced, o) {
    let mean = 0;
    for (const x of reduced) mean += x;
    mean /= Math.max(reduced.length, 1);
    let keep = 0;
    for (const x of reduced) if (x >= o.k * mean) keep++;
    return Math.max(keep, 1);
  },
} as const satisfies Criterion<typeof options>;

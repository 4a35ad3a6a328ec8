// APoZ (Hu et al., "Network Trimming", arXiv 1607.03250): the Average Percentage of Zeros of a
// channel after ReLU over calibration data. Score = 1 − APoZ (higher = keep). Counted as x ≤ 0, which
// after a ReLU is exactly "is zero" and before one is what a ReLU would zero (our choice).

import { z } from 'zod';
import { consumedRequests, consumedScores } from './consumed-stats.js';
import type { Criterion } from './criterion.js';

const options = z.strictObject({});

export const apozCriterion = {
  name: 'apoz',
  needs: 'activations',
  summary: "1 − fraction of zero (≤ 0) activations of each channel, where the group's consumers read it",
  source: 'Hu et al., Network Trimming (arXiv 1607.03250, 2016)',
  defaults: { reduce: 'mean', normalize: 'none' },
  options,
  activations: (_graph, group) => consumedRequests(group),
  score: (ctx) => consumedScores(ctx, (s, p) => 1 - s.nonPositive[p]!),
} as const satisfies Criterion<typeof options>;

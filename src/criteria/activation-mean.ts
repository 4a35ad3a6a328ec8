// Mean activation (Molchanov et al., "Pruning Convolutional Neural Networks for Resource Efficient
// Inference", ICLR 2017, the "activation mean" baseline): E|x| of a channel over calibration data,
// at the value its consumers read (after ReLU: E|x| = E[x]).

import { z } from 'zod';
import { consumedRequests, consumedScores } from './consumed-stats.js';
import type { Criterion } from './criterion.js';

const options = z.strictObject({});

export const activationMeanCriterion = {
  name: 'activation-mean',
  needs: 'activations',
  summary: "mean |activation| of each channel over the calibration data, where the group's consumers read it",
  source:
    'Molchanov et al., Pruning CNNs for Resource Efficient Inference (ICLR 2017), activation-mean baseline',
  defaults: { reduce: 'mean', normalize: 'mean' },
  options,
  activations: (_graph, group) => consumedRequests(group),
  score: (ctx) => consumedScores(ctx, (s, p) => s.meanAbs[p]!),
} as const satisfies Criterion<typeof options>;

// First-order Taylor importance (Molchanov et al., "Pruning Convolutional Neural Networks for Resource
// Efficient Inference", ICLR 2017): the loss change from zeroing channel c is estimated by
// |Σ a·∂L/∂a| over its activations, here the inputs of the consumers that read it (every copy of a
// coupled channel summed), averaged over labelled calibration samples.

import { z } from 'zod';
import type { Criterion, CriterionScores } from './criterion.js';

const options = z.strictObject({});

export const taylorCriterion: Criterion<typeof options> = {
  name: 'taylor',
  needs: 'gradients',
  summary: "|Σ_n Σ_hw a·∂l_n/∂a| / samples over the channel's consumer inputs (first-order loss change)",
  source:
    'Molchanov et al., ICLR 2017 (first-order Taylor, |mean(a·g)|); gradients from a forward+backward pass on labelled calibration data',
  defaults: { reduce: 'mean', normalize: 'mean' },
  options,
  score(ctx): CriterionScores {
    const st = ctx.gradients();
    if (!st) return { skip: 'no gradient statistics (needs labelled calibration data)' };
    if (st.sum.every((x) => x === 0) && st.fisher.every((x) => x === 0))
      return { skip: 'no consumer Conv/Gemm/MatMul reads the channels (nothing to differentiate)' };
    return [Float32Array.from(st.sum, (x) => Math.abs(x) / st.samples)];
  },
};

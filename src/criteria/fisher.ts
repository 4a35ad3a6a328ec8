// Group Fisher (Liu et al., "Group Fisher Pruning for Practical Network Compression", ICML 2021):
// importance of channel c = Σ_n (Σ_copies Σ_hw a·∂l_n/∂a)², the per-sample gradient of a virtual
// mask on the channel, the copies of a coupled channel (every consumer input it reaches) summed
// before squaring, normalised by what removing the channel saves: activation memory (the paper's
// choice, code default delta='acts'), FLOPs (delta='flops') or nothing.

import { z } from 'zod';
import type { Criterion, CriterionScores } from './criterion.js';

const options = z.strictObject({
  /**
   * 'acts': activation elements per sample the channel frees in its producers' outputs (H·W per
   * producer; FisherPruningHook delta='acts'); 'flops': the group's MACs per channel; 'none'.
   */
  normalizeBy: z.enum(['acts', 'flops', 'none']).default('acts'),
});

export const fisherCriterion: Criterion<typeof options> = {
  name: 'fisher',
  needs: 'gradients',
  summary:
    'Σ_n (Σ_copies Σ_hw a·∂l_n/∂a)² / samples, divided by the activation memory (or MACs) one channel frees',
  source:
    'Liu et al., Group Fisher Pruning, ICML 2021 §3 and jshilong/FisherPruning fisher_pruning.py (delta=acts); samples summed over the calibration batches',
  defaults: { reduce: 'mean', normalize: 'none' },
  options,
  score(ctx, o): CriterionScores {
    const st = ctx.gradients();
    if (!st) return { skip: 'no gradient statistics (needs labelled calibration data)' };
    if (st.fisher.every((x) => x === 0))
      return { skip: 'no consumer Conv/Gemm/MatMul reads the channels (nothing to differentiate)' };
    const delta =
      o.normalizeBy === 'acts'
        ? Math.max(st.actsPerChannel, 1)
        : o.normalizeBy === 'flops'
          ? Math.max(ctx.group.macsPerChannel, 1)
          : 1;
    return [Float32Array.from(st.fisher, (x) => x / st.samples / delta)];
  },
};

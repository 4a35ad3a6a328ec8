// BN scale (Liu et al., "Learning Efficient Convolutional Networks through Network Slimming",
// ICCV 2017): |γ| of every BatchNormalization on the group's channels, one row per BN.

import { z } from 'zod';
import type { Criterion, CriterionScores } from './criterion.js';
import { channelRows, memberWeight } from './member-tensors.js';

const options = z.strictObject({});

export const bnScaleCriterion = {
  name: 'bn-scale',
  needs: 'weights',
  summary: '|γ| of the BatchNormalization scale of each channel',
  source:
    'Liu et al., Network Slimming (ICCV 2017); ranked globally on raw |γ| there, hence no normalisation',
  defaults: { reduce: 'mean', normalize: 'none' },
  options,
  score(ctx): CriterionScores {
    const bns = ctx.group.members.filter(
      (m) => m.kind === 'param' && m.opType === 'BatchNormalization' && m.weights.some((w) => w.input === 1),
    );
    if (bns.length === 0)
      return { skip: `group '${ctx.group.id}' has no BatchNormalization (folded at export?)` };
    return bns.map((m) => {
      const { tensor, data, axis } = memberWeight(
        ctx.graph,
        m,
        m.weights.findIndex((w) => w.input === 1),
      );
      const { rows, cols } = channelRows(data, tensor.dims, axis, m, ctx.group.size);
      // A BN param has one position per channel (block 1); average if a flatten ever gives more.
      const out = new Float32Array(ctx.group.size);
      for (let c = 0; c < out.length; c++) {
        let s = 0;
        for (let k = 0; k < cols; k++) s += Math.abs(rows[c * cols + k]!);
        out[c] = s / cols;
      }
      return out;
    });
  },
} as const satisfies Criterion<typeof options>;

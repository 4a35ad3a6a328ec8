// Filter norms (ℓ1: Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017; ℓ2: He et al.,
// SFP, IJCAI 2018): score of channel c = ‖kernel slice of c‖_p, per member, one row each.

import { z } from 'zod';
import type { Criterion, CriterionScores } from './criterion.js';
import { kernelRows, noKernelReason } from './member-tensors.js';

const options = z.strictObject({
  /** 'out': the producers' filters (the papers); 'in'/'out+in': also the consumers' input slices. */
  members: z.enum(['out', 'in', 'out+in']).default('out'),
});

function normCriterion(p: 1 | 2): Criterion<typeof options> {
  return {
    name: `l${p}`,
    needs: 'weights',
    summary: `ℓ${p} norm of each channel's filter (the member's kernel slice; biases excluded)`,
    source:
      p === 1
        ? 'Li et al., Pruning Filters for Efficient ConvNets (ICLR 2017): sum of absolute filter weights'
        : 'He et al., Soft Filter Pruning (IJCAI 2018): ℓ2 norm of the flattened filter',
    defaults: { reduce: 'mean', normalize: 'mean' },
    options,
    score(ctx, o): CriterionScores {
      const parts = kernelRows(ctx.graph, ctx.group, o.members);
      if (parts.length === 0) return { skip: noKernelReason(ctx.group, o.members) };
      return parts.map(({ rows, cols }) => rowNorms(rows, cols, p));
    },
  };
}

/** p-norm of each row of a row-major matrix (accumulated in float64). */
export function rowNorms(rows: Float32Array, cols: number, p: 1 | 2): Float32Array {
  const n = cols === 0 ? 0 : rows.length / cols;
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let acc = 0;
    const base = r * cols;
    if (p === 1) for (let k = 0; k < cols; k++) acc += Math.abs(rows[base + k]!);
    else for (let k = 0; k < cols; k++) acc += rows[base + k]! * rows[base + k]!;
    out[r] = p === 1 ? acc : Math.sqrt(acc);
  }
  return out;
}

export const l1Criterion = normCriterion(1);
export const l2Criterion = normCriterion(2);

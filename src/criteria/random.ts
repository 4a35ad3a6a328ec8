// Random scores: the baseline every criterion should beat. Seeded per group from the group id, so
// a group's scores do not depend on which other groups are scored.

import { z } from 'zod';
import { Rng } from '../util/rng.js';
import type { Criterion, CriterionScores } from './criterion.js';

const options = z.strictObject({ seed: z.number().int().default(0) });

export const randomCriterion = {
  name: 'random',
  needs: 'weights',
  summary: 'uniform random scores in [0, 1), seeded (seed ⊕ hash of the group id)',
  source: 'baseline (e.g. Liu et al., Rethinking the Value of Network Pruning, ICLR 2019)',
  defaults: { reduce: 'first', normalize: 'none' },
  options,
  score(ctx, o): CriterionScores {
    const rng = new Rng((o.seed ^ hashString(ctx.group.id)) >>> 0);
    const out = new Float32Array(ctx.group.size);
    for (let i = 0; i < out.length; i++) out[i] = rng.next();
    return [out];
  },
} as const satisfies Criterion<typeof options>;

/** FNV-1a, 32 bits. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

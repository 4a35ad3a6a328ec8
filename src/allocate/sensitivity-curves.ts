// Allocation from a sensitivity analysis (`pare sensitivity`): every group may lose the largest
// ratio whose measured accuracy drop stays within a threshold τ (drops interpolated linearly
// between the measured ratios, 0 at ratio 0). The target search bisects τ: a larger τ prunes every
// group at least as much, so the kept cost is monotone in τ, as in the uniform search.

import { PareError } from '../util/errors.js';
import type { GroupLimits } from './constraints.js';

/** Accuracy drop (baseline − pruned, in top-1 fraction) measured at each ratio, ascending. */
export type SensitivityCurves = ReadonlyMap<
  string,
  readonly { readonly ratio: number; readonly drop: number }[]
>;

/** Curves from the JSON of `pare sensitivity` (kind 'sensitivity'). */
export function curvesFromSensitivity(json: unknown, file: string): SensitivityCurves {
  const j = json as {
    kind?: string;
    baseline?: { top1?: number };
    groups?: { id: string; points: { ratio: number; top1: number }[] }[];
  };
  if (j?.kind !== 'sensitivity' || typeof j.baseline?.top1 !== 'number' || !Array.isArray(j.groups))
    throw new PareError('PARE_CONFIG', `'${file}' is not the JSON of pare sensitivity`, {
      file,
      notes: ['write one with: pare sensitivity MODEL --data SPEC -o FILE'],
    });
  const base = j.baseline.top1;
  return new Map(
    j.groups.map((g) => [
      g.id,
      [...g.points].sort((a, b) => a.ratio - b.ratio).map((p) => ({ ratio: p.ratio, drop: base - p.top1 })),
    ]),
  );
}

/** The largest ratio of a curve whose drops up to it all stay within τ. */
export function ratioWithin(curve: readonly { ratio: number; drop: number }[], tau: number): number {
  let r0 = 0;
  let d0 = 0;
  for (const p of curve) {
    if (p.drop <= tau) {
      [r0, d0] = [p.ratio, Math.max(d0, p.drop)];
      continue;
    }
    // The drop crosses τ inside (r0, p.ratio]: interpolate.
    return p.drop > d0 ? r0 + ((tau - d0) / (p.drop - d0)) * (p.ratio - r0) : r0;
  }
  return r0;
}

/** Kept counts at threshold τ (groups without a curve keep every channel). */
export function countsAtThreshold(
  limits: readonly GroupLimits[],
  curves: SensitivityCurves,
  tau: number,
): Int32Array {
  return Int32Array.from(limits, (l) => {
    const n = l.group.size;
    const curve = curves.get(l.group.id);
    if (l.frozen || !curve) return n;
    return l.allowed(n - Math.floor(ratioWithin(curve, tau) * n + 1e-9));
  });
}

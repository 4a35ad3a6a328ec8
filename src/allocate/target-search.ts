// Search for the plan whose exact MACs (or parameters, or predicted latency) are closest to fraction·base: bisection over
// the length of the global removal order (a global score threshold), or over one uniform ratio.
// Both costs are monotone in the search variable, so bisection finds the two plans around the
// target; the closer one wins. When neither is within tolerance, the report says why.

import type { CostModel } from '../analysis/cost-model.js';
import { PareError } from '../util/errors.js';
import type { GroupLimits } from './constraints.js';
import { globalSequence, keptFromPrefix } from './global-order.js';
import type { LatencyPredictor } from './latency-aware.js';
import { countsAtThreshold, type SensitivityCurves } from './sensitivity-curves.js';

export interface TargetReport {
  readonly metric: 'macs' | 'params' | 'latency';
  /** Requested fraction of the original cost to keep. */
  readonly fraction: number;
  /** Fraction kept by the chosen plan. */
  readonly achieved: number;
  readonly tolerance: number;
  /** |achieved − fraction| ≤ tolerance·fraction. */
  readonly met: boolean;
  /** Why the target was missed (unreachable, or the nearest plans straddle it). */
  readonly note: string | undefined;
  /** Groups whose width the refinement moved off the search's plan (one step each). */
  readonly refined: number;
}

export interface TargetSpec {
  readonly kind: 'macs' | 'params' | 'latency';
  readonly fraction: number;
  readonly search?: 'global' | 'uniform' | 'sensitivity';
  /** For search 'sensitivity': accuracy drop against ratio per group (`pare sensitivity`). */
  readonly curves?: SensitivityCurves;
  readonly tolerance?: number;
  /** When the search misses, move single groups one width step to land closer (default true). */
  readonly refine?: boolean;
}

export function searchTarget(
  limits: readonly GroupLimits[],
  scores: ReadonlyMap<string, Float32Array>,
  model: CostModel,
  target: TargetSpec,
  roundTo = 1,
  latency?: LatencyPredictor,
): { counts: Int32Array; report: TargetReport } {
  const metric = target.kind;
  const tolerance = target.tolerance ?? 0.01;
  const fraction = target.fraction;
  if (!(fraction > 0 && fraction <= 1))
    throw new PareError(
      'PARE_CONFIG',
      `target ${metric}=${fraction}: expected the fraction to keep, in (0, 1]`,
      {
        notes: [`${metric}=0.5 keeps half of the model's ${metric}`],
      },
    );
  if (!(tolerance >= 0)) throw new PareError('PARE_CONFIG', `target tolerance ${tolerance} is negative`);
  let cost: (c: Int32Array) => number;
  if (metric === 'latency') {
    if (!latency) throw new PareError('PARE_INTERNAL', 'a latency target needs a latency model');
    cost = (c) => latency.predictCounts(c) / latency.baseMs;
  } else {
    const base = model.base[metric];
    cost = (c) => model.predictCounts(c)[metric] / base;
  }
  let countsAt: (x: number) => Int32Array;
  let hiX: number;
  let step: (lo: number, hi: number) => number | undefined;
  if ((target.search ?? 'global') === 'global') {
    const seq = globalSequence(limits, scores);
    countsAt = (x) => keptFromPrefix(limits, seq, x);
    hiX = seq.length;
    step = (lo, hi) => (hi - lo > 1 ? Math.floor((lo + hi) / 2) : undefined);
  } else if (target.search === 'sensitivity') {
    const curves = target.curves;
    if (!curves) throw new PareError('PARE_CONFIG', 'search sensitivity needs sensitivity curves');
    // τ is an accuracy drop: 1 (100 points) allows every measured ratio.
    countsAt = (tau) => countsAtThreshold(limits, curves, tau);
    hiX = 1;
    step = (lo, hi) => (hi - lo > 1e-9 ? (lo + hi) / 2 : undefined);
  } else {
    countsAt = (r) =>
      Int32Array.from(limits, (l) =>
        l.frozen ? l.group.size : l.allowed(l.group.size - Math.floor(r * l.group.size + 1e-9)),
      );
    hiX = 1;
    step = (lo, hi) => (hi - lo > 1e-12 ? (lo + hi) / 2 : undefined);
  }
  // Invariant: cost(lo) > fraction ≥ cost(hi), unless even hiX keeps too much.
  let lo = 0;
  let hi = hiX;
  const atLo = cost(countsAt(lo));
  const atHi = cost(countsAt(hi));
  let chosen = lo;
  let unreachableNote: string | undefined;
  let straddled: [number, number] | undefined;
  if (atHi > fraction) {
    chosen = hi;
    unreachableNote = unreachable(limits, metric, atHi);
  } else if (atLo > fraction) {
    for (let mid = step(lo, hi); mid !== undefined; mid = step(lo, hi)) {
      if (cost(countsAt(mid)) > fraction) lo = mid;
      else hi = mid;
    }
    const [cLo, cHi] = [cost(countsAt(lo)), cost(countsAt(hi))];
    chosen = Math.abs(cLo - fraction) < Math.abs(cHi - fraction) ? lo : hi;
    straddled = [cLo, cHi];
  }
  let counts = countsAt(chosen);
  let refined = 0;
  const within = (c: number) => Math.abs(c - fraction) <= tolerance * fraction;
  if (!unreachableNote && !within(cost(counts)) && target.refine !== false) {
    const r = refine(limits, counts, cost, fraction, tolerance);
    [counts, refined] = [r.counts, r.moves];
  }
  const achieved = cost(counts);
  const met = within(achieved);
  const note = met
    ? undefined
    : (unreachableNote ?? straddle(metric, achieved, fraction, straddled ?? [atLo, atHi], roundTo, refined));
  return { counts, report: { metric, fraction, achieved, tolerance, met, note, refined } };
}

/**
 * Greedy refinement when the search's two nearest plans straddle the target by more than the
 * tolerance: move one group one width step (down or up: a channel, or a round-to multiple), the
 * move that brings the cost closest to the target, while it helps. Channels still go by score
 * within each group; only the widths leave the global order.
 */
function refine(
  limits: readonly GroupLimits[],
  start: Int32Array,
  cost: (c: Int32Array) => number,
  fraction: number,
  tolerance: number,
): { counts: Int32Array; moves: number } {
  const counts = Int32Array.from(start);
  const moved = new Set<number>();
  let err = Math.abs(cost(counts) - fraction);
  for (let iter = 0; iter < 4 * limits.length && err > tolerance * fraction; iter++) {
    let best: { g: number; k: number; err: number } | undefined;
    limits.forEach((l, g) => {
      if (l.frozen) return;
      for (const k of [stepDown(l, counts[g]!), stepUp(l, counts[g]!)]) {
        if (k === undefined) continue;
        const old = counts[g]!;
        counts[g] = k;
        const e = Math.abs(cost(counts) - fraction);
        counts[g] = old;
        if (e < (best?.err ?? err)) best = { g, k, err: e };
      }
    });
    if (!best) break;
    counts[best.g] = best.k;
    moved.add(best.g);
    err = best.err;
  }
  return { counts, moves: moved.size };
}

function stepDown(l: GroupLimits, k: number): number | undefined {
  for (let w = k - 1; w >= l.lower; w--) if (l.allowed(w) < k) return l.allowed(w);
  return undefined;
}

function stepUp(l: GroupLimits, k: number): number | undefined {
  for (let w = k + 1; w <= l.group.size; w++) if (l.allowed(w) > k) return l.allowed(w);
  return undefined;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)} %`;
}

function unreachable(limits: readonly GroupLimits[], metric: string, best: number): string {
  const why = new Map<string, number>();
  for (const l of limits) if (l.frozen) why.set(l.frozen, (why.get(l.frozen) ?? 0) + 1);
  const frozen = [...why].map(([k, n]) => `${n} ${k}`).join(', ');
  return (
    `the most the constraints allow still keeps ${pct(best)} of the ${metric}: ` +
    `groups kept whole (${frozen || 'none'}) and the minimum widths (minChannels, maxRatio) hold the rest`
  );
}

function straddle(
  metric: string,
  achieved: number,
  fraction: number,
  [above, below]: [number, number],
  roundTo: number,
  refined: number,
): string {
  return (
    `the closest plan found keeps ${pct(achieved)} of the ${metric} (target ${pct(fraction)}): the ` +
    `global order's nearest plans keep ${pct(above)} and ${pct(below)}, one channel step removes ` +
    `${pct(above - below)} at once` +
    (roundTo > 1 ? ` (widths move in multiples of ${roundTo})` : '') +
    `, and moving single groups one width step${refined > 0 ? ` (${refined} moved)` : ''} got no closer`
  );
}

// Latency-aware MACs targets. The global order removes the channels of lowest (normalised) score
// first, whatever they cost to run; at a fixed MACs fraction that can leave the layers whose time
// does not follow their MACs (memory-bound 1×1 convolutions at high resolution, depthwise layers)
// wide, and the cut slower than its MACs say: MobileNetV2 at 2 threads kept 50 % of the MACs and
// 56-60 % of the measured latency. Here each group's scores are divided by (1 + w·ρ_g), where ρ_g
// is the share of the predicted latency the group saves per share of MACs it saves (measured
// per-layer table, normalised to a channel-weighted mean of 1). w = 0 is the plain global order;
// a larger w takes more channels from groups whose time is dear. The MACs target is searched for
// each w of a short ladder and the smallest w whose predicted latency is within 2 % of the lowest
// the ladder reaches wins: the least departure from the criterion's order that gets the speed.
// Channels inside a group keep the criterion's order (only the group thresholds move). [ours]

import type { CostModel } from '../analysis/cost-model.js';
import type { GroupLimits } from './constraints.js';
import { searchTarget, type TargetReport, type TargetSpec } from './target-search.js';

/** What the weighting needs of a latency model: a prediction for kept counts per group. */
export interface LatencyPredictor {
  /** Predicted milliseconds of the unpruned model. */
  readonly baseMs: number;
  predictCounts(kept: ArrayLike<number>): number;
}

/** Weights w tried, smallest first. */
export const LATENCY_WEIGHTS: readonly number[] = [0, 0.25, 0.5, 1, 2, 4];
/** The smallest w within this factor of the lowest predicted latency wins. */
export const LATENCY_SLACK = 1.02;

export interface LatencyAwareReport {
  /** The weight chosen (0: the plain global order was as fast). */
  readonly weight: number;
  /** Predicted latency fraction of the plain global order's plan (w = 0) and of the chosen plan. */
  readonly predictedByScore: number;
  readonly predicted: number;
  /** Every weight tried: MACs (or params) fraction reached and predicted latency fraction. */
  readonly ladder: readonly {
    readonly weight: number;
    readonly achieved: number;
    readonly predicted: number;
  }[];
}

/**
 * ρ_g: (latency share saved) / (MACs share saved) with group g alone at its fewest channels,
 * normalised to a channel-weighted mean of 1 over the groups that may lose channels. Groups that
 * save no MACs (or are frozen) get 1.
 */
export function latencyPerMacs(
  limits: readonly GroupLimits[],
  model: CostModel,
  latency: LatencyPredictor,
): Float64Array {
  const rho = new Float64Array(limits.length).fill(Number.NaN);
  limits.forEach((l, g) => {
    if (l.frozen || l.lower >= l.group.size) return;
    const counts = Int32Array.from(model.sizes);
    counts[g] = l.allowed(l.lower);
    const macs = 1 - model.predictCounts(counts).macs / model.base.macs;
    const time = 1 - latency.predictCounts(counts) / latency.baseMs;
    if (macs > 0) rho[g] = Math.max(0, time) / macs;
  });
  let sum = 0;
  let n = 0;
  limits.forEach((l, g) => {
    if (Number.isFinite(rho[g]!)) [sum, n] = [sum + rho[g]! * l.group.size, n + l.group.size];
  });
  const mean = n > 0 && sum > 0 ? sum / n : 1;
  return rho.map((r) => (Number.isFinite(r) ? r / mean : 1));
}

/** searchTarget over the weight ladder; the plan and report of the weight chosen. */
export function searchLatencyAware(
  limits: readonly GroupLimits[],
  scores: ReadonlyMap<string, Float32Array>,
  model: CostModel,
  target: TargetSpec,
  roundTo: number,
  latency: LatencyPredictor,
): { counts: Int32Array; report: TargetReport; aware: LatencyAwareReport } {
  const rho = latencyPerMacs(limits, model, latency);
  const tries = LATENCY_WEIGHTS.map((weight) => {
    const weighted = new Map<string, Float32Array>();
    limits.forEach((l, g) => {
      const s = scores.get(l.group.id);
      if (s)
        weighted.set(
          l.group.id,
          s.map((v) => v / (1 + weight * rho[g]!)),
        );
    });
    const r = searchTarget(limits, weighted, model, target, roundTo);
    return { weight, ...r, predicted: latency.predictCounts(r.counts) / latency.baseMs };
  });
  // A weight only counts when it meets the MACs target as well as the plain order does.
  const eligible = tries.filter((t) => t.report.met || !tries[0]!.report.met);
  const lowest = Math.min(...eligible.map((t) => t.predicted));
  const chosen = eligible.find((t) => t.predicted <= lowest * LATENCY_SLACK) ?? tries[0]!;
  return {
    counts: chosen.counts,
    report: chosen.report,
    aware: {
      weight: chosen.weight,
      predictedByScore: tries[0]!.predicted,
      predicted: chosen.predicted,
      ladder: tries.map((t) => ({ weight: t.weight, achieved: t.report.achieved, predicted: t.predicted })),
    },
  };
}

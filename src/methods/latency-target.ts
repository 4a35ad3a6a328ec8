// Latency targets and latency checks of pruneModel. A latency target is searched on the per-layer
// table's prediction (allocate/latency-model.ts), then the pruned model is measured against the
// original (interleaved runs, median of per-round ratios); when the measured ratio misses the goal
// by more than the tolerance the requested fraction is corrected (nextRequest: damped goal/measured,
// then interpolation between attempts on either side of the goal) and the search runs again (at
// most 4 cuts). Every attempt is reported, predicted against measured.

import type { Allocation } from '../allocate/allocate.js';
import { LatencyModel } from '../allocate/latency-model.js';
import type { CostModel } from '../analysis/cost-model.js';
import type { Model } from '../ir/model.js';
import { compareLatency, measureLatency, UNSTEADY_SPREAD } from '../runtime/latency.js';
import { cpuModel } from '../runtime/nchwc-block.js';
import { PareError } from '../util/errors.js';
import type { CountEvent, EventSink, StatusEvent } from '../util/events.js';
import { type DeclaredInterface, withDeclaredInterface } from './declared-interface.js';

/** Where and how latency is measured (and the per-layer table cached). */
export interface LatencyOptions {
  /** Batch size (default 1). */
  readonly batch?: number;
  /** ORT intra-op threads (default: ORT's choice). */
  readonly threads?: number;
  /** Execution providers (default ['cpu']). */
  readonly providers?: readonly string[];
  /** Folder for cached per-layer tables. */
  readonly cacheDir?: string;
  /** Interleaved rounds per comparison (default: enough for ~8 s, 7 to 30). */
  readonly rounds?: number;
}

export type LatencyGoal =
  | { readonly kind: 'latency'; readonly fraction: number; readonly tolerance?: number }
  | { readonly kind: 'latency-ms'; readonly ms: number; readonly tolerance?: number };

export interface LatencyAttempt {
  /** Fraction of the predicted latency the search was asked for. */
  readonly requested: number;
  /** Fraction the table predicts for the plan found. */
  readonly predicted: number;
  /** Measured ratio pruned / original. */
  readonly measured: number;
}

export interface LatencyReport {
  readonly batch: number;
  readonly threads: number | 'default';
  readonly providers: readonly string[];
  readonly cpu: string;
  readonly beforeMs: number;
  readonly afterMs: number;
  /** Median over interleaved rounds of pruned / original. */
  readonly ratio: number;
  /** The pruned model is not faster than the original. */
  readonly slower: boolean;
  readonly rounds: number;
  /**
   * The larger of the two models' p90 / p10 timing spreads, and whether it is under 1.5. Unsteady
   * timings (other work holding a core part of the time: two modes up to 2× apart) make the ratio
   * unreliable; one thread is steadier on a busy machine.
   */
  readonly spread: number;
  readonly steady: boolean;
  /** Latency targets: the goal as a fraction of the original, the table's prediction and the attempts. */
  readonly goal?: number;
  readonly met?: boolean;
  readonly predictedRatio?: number;
  readonly predictedMs?: number;
  readonly attempts?: readonly LatencyAttempt[];
  /** Predicted milliseconds per tabled layer (node name), before and after the cut (from the table). */
  readonly layers?: Readonly<Record<string, { readonly before: number; readonly after: number }>>;
  readonly table?: {
    readonly source: 'measured' | 'cache';
    readonly file: string | undefined;
    readonly layers: number;
    readonly distinct: number;
    readonly seconds: number;
  };
}

/** Cuts (each measured) a latency target may take. */
const MAX_ATTEMPTS = 4;

/**
 * The predicted-latency fraction to ask for next, from the attempts so far. Once one attempt
 * measured under the goal and one over it, interpolate between the closest pair (regula falsi):
 * measured latency is not proportional to the prediction (MobileNetV2 at one thread measured 0.42,
 * then 0.58, for requests 0.50 and 0.60). Until then, scale the last request by goal / measured,
 * damped to ×0.8 … ×1.25 so that one noisy measurement cannot throw the next cut far off.
 */
export function nextRequest(attempts: readonly LatencyAttempt[], goal: number): number {
  const clamp = (x: number) => Math.min(1, Math.max(0.01, x));
  const under = attempts.filter((a) => a.measured < goal).sort((a, b) => b.measured - a.measured)[0];
  const over = attempts.filter((a) => a.measured > goal).sort((a, b) => a.measured - b.measured)[0];
  if (under && over && under.requested < over.requested) {
    const t = (goal - under.measured) / (over.measured - under.measured);
    const x = under.requested + t * (over.requested - under.requested);
    // Stay strictly inside the bracket (a plan already measured teaches nothing new).
    const lo = under.requested + 0.1 * (over.requested - under.requested);
    const hi = over.requested - 0.1 * (over.requested - under.requested);
    return clamp(Math.min(hi, Math.max(lo, x)));
  }
  const last = attempts.at(-1)!;
  return clamp(last.requested * Math.min(1.25, Math.max(0.8, goal / last.measured)));
}

/** The model as it runs (declared dynamic dims back, so any batch can be fed). */
export function runnable(model: Model, declared: DeclaredInterface | undefined): Model {
  return declared ? withDeclaredInterface(model, declared) : model;
}

/** Original against pruned, interleaved. */
export async function measurePair(
  original: Model,
  pruned: Model,
  options: LatencyOptions,
): Promise<Omit<LatencyReport, 'goal' | 'met'>> {
  const batch = options.batch ?? 1;
  const providers = options.providers ?? ['cpu'];
  const session = { batch, providers, ...(options.threads ? { threads: options.threads } : {}) };
  let rounds = options.rounds;
  if (rounds === undefined) {
    const probe = await measureLatency(original, { ...session, warmup: 1, runs: 3 });
    rounds = Math.max(7, Math.min(30, Math.round(4000 / Math.max(probe.medianMs, 0.05))));
  }
  const r = await compareLatency([original, pruned], { ...session, warmup: 2, runs: rounds });
  const ratio = r.ratio[1]!;
  const spread = Math.max(...r.spread);
  return {
    batch,
    threads: r.threads,
    providers,
    cpu: cpuModel(),
    beforeMs: r.medianMs[0]!,
    afterMs: r.medianMs[1]!,
    ratio,
    slower: ratio >= 1,
    rounds,
    spread,
    steady: spread <= UNSTEADY_SPREAD,
  };
}

/**
 * Cut to a latency goal: `cut(target)` allocates and cuts for a predicted-latency fraction and
 * returns the allocation and the runnable pruned model.
 */
export async function cutToLatency(
  original: Model,
  costModel: CostModel,
  goal: LatencyGoal,
  roundTo: number,
  options: LatencyOptions,
  cut: (target: { kind: 'latency'; fraction: number; model: LatencyModel }) => {
    allocation: Allocation;
    model: Model;
  },
  onEvent?: EventSink<StatusEvent | CountEvent>,
): Promise<{ allocation: Allocation; latency: LatencyReport }> {
  const table = await latencyModel(costModel, roundTo, options, onEvent);
  let fraction: number;
  if (goal.kind === 'latency') fraction = goal.fraction;
  else {
    const base = await measurePair(original, original, options);
    fraction = goal.ms / base.beforeMs;
  }
  if (!(fraction > 0 && fraction <= 1))
    throw new PareError(
      'PARE_CONFIG',
      `latency target: ${goal.kind === 'latency-ms' ? `${goal.ms} ms is ${fraction.toFixed(3)} of the original's latency` : `fraction ${fraction}`}; expected a fraction in (0, 1]`,
      { notes: ['latency=0.5 asks for half the original latency; latency-ms=X must be below the original'] },
    );
  const status = (text: string) => onEvent?.({ kind: 'status', text });
  const tolerance = goal.tolerance ?? 0.03;
  const attempts: LatencyAttempt[] = [];
  let best: { allocation: Allocation; measured: Omit<LatencyReport, 'goal' | 'met'> } | undefined;
  let requested = fraction;
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    status(`cutting to ${(100 * requested).toFixed(1)} % of the predicted latency and measuring`);
    const c = cut({ kind: 'latency', fraction: requested, model: table });
    const measured = await measurePair(original, c.model, options);
    attempts.push({ requested, predicted: c.allocation.target?.achieved ?? 1, measured: measured.ratio });
    if (!best || Math.abs(measured.ratio - fraction) < Math.abs(best.measured.ratio - fraction))
      best = { allocation: c.allocation, measured };
    if (Math.abs(measured.ratio - fraction) <= tolerance * fraction) break;
    requested = nextRequest(attempts, fraction);
  }
  const predicted = best!.allocation.target?.achieved ?? 1;
  return {
    allocation: best!.allocation,
    latency: {
      ...best!.measured,
      goal: fraction,
      met: Math.abs(best!.measured.ratio - fraction) <= tolerance * fraction,
      ...predictedLatency(table, costModel, best!.allocation, predicted, best!.measured.beforeMs),
      attempts,
    },
  };
}

/** Time the model's layers on the target runtime, or read the cached table. */
export async function latencyModel(
  costModel: CostModel,
  roundTo: number,
  options: LatencyOptions,
  onEvent?: EventSink<StatusEvent | CountEvent>,
): Promise<LatencyModel> {
  onEvent?.({ kind: 'status', text: 'timing layers on the target runtime (per-layer latency table)' });
  return LatencyModel.build(costModel, {
    ...(onEvent
      ? {
          onLayer: (done: number, total: number) =>
            onEvent({ kind: 'count', what: 'layers timed', done, total }),
        }
      : {}),
    batch: options.batch ?? 1,
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    roundTo,
  });
}

/** The table's side of a latency report: predicted ratio and ms, per-layer times, the table itself. */
export function predictedLatency(
  table: LatencyModel,
  costModel: CostModel,
  allocation: Allocation,
  predictedRatio: number,
  beforeMs: number,
): Pick<LatencyReport, 'predictedRatio' | 'predictedMs' | 'layers' | 'table'> {
  const after = new Map(table.predictLayers(costModel.counts(allocation.kept)).map((l) => [l.node, l.ms]));
  const layers = Object.fromEntries(
    table
      .predictLayers(costModel.sizes)
      .map((l) => [l.node, { before: l.ms, after: after.get(l.node) ?? 0 }]),
  );
  return {
    predictedRatio,
    predictedMs: predictedRatio * beforeMs,
    layers,
    table: {
      source: table.table.source,
      file: table.table.file,
      layers: table.layers.total,
      distinct: table.layers.distinct,
      seconds: table.table.seconds,
    },
  };
}

// One prune event of `compressModel`: score the current network with the recipe's criterion (or, with
// several, each candidate, choosing by the meta-attribute), allocate to this event's cost fraction,
// and return the channels every group keeps. Channels an iterative schedule already removed are
// forced to stay removed.

import { allocate } from '../allocate/allocate.js';
import type { SensitivityCurves } from '../allocate/sensitivity-curves.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { importance, importanceWithCalibration } from '../criteria/importance.js';
import { criterionByName } from '../criteria/registry.js';
import { BatchLoader, deriveSeed } from '../data/batch-loader.js';
import type { Model } from '../ir/model.js';
import { loaderFeeds } from '../measure/capture.js';
import type { GroupGradientStats } from '../measure/gradient-stats.js';
import { evaluateModel } from '../train/evaluate.js';
import type { ChannelMap } from './channel-masks.js';
import type { CompressRecipe } from './compress-recipe.js';

export interface SelectInput {
  readonly model: Model;
  readonly analysis: ChannelAnalysis;
  readonly map: ChannelMap;
  readonly recipe: CompressRecipe;
  readonly target: { readonly kind: 'macs' | 'params'; readonly fraction: number };
  /** Labelled calibration data (no augmentation). */
  readonly calibration: BatchLoader;
  /** Seeds which calibration images this event sees. */
  readonly seed: number;
  /** Channels that must stay removed (iterative schedules), by group. */
  readonly removed?: ReadonlyMap<string, Int32Array>;
  readonly threads?: number;
  /** Kept widths are multiples of this (allocation constraint). */
  readonly roundTo?: number;
  /** Sensitivity curves: the target is met by a threshold on them instead of the recipe's search. */
  readonly curves?: SensitivityCurves;
  /** Gradient statistics from the training steps (recipe `gradients: 'training'`), in place of a calibration pass. */
  readonly gradients?: ReadonlyMap<string, GroupGradientStats>;
}

export interface Selection {
  readonly kept: Map<string, Int32Array>;
  readonly criterion: string;
  readonly macs: number;
  readonly params: number;
  /** mfp: each candidate's loss on the meta-attribute batches. */
  readonly candidates?: readonly { readonly criterion: string; readonly loss: number }[];
}

export async function selectChannels(s: SelectInput): Promise<Selection> {
  const calib = new BatchLoader(s.calibration.dataset, {
    batchSize: s.calibration.batchSize,
    transforms: s.calibration.transforms,
    shuffle: true,
    seed: deriveSeed(s.calibration.seed, s.seed),
  });
  const input = s.model.graph.feedInputs[0]!.name;
  const samples = s.recipe.calibrationSamples;
  // One criterion at a time: each measurement holds ORT sessions and iterates the calibration loader.
  const picks: Omit<Selection, 'candidates'>[] = [];
  for (const c of s.recipe.criteria) {
    const fromTraining = s.gradients !== undefined && criterionByName(c.name).needs === 'gradients';
    const imp = await (fromTraining
      ? importance(s.model.graph, s.analysis, c.name, {
          ...(c.options ? { options: c.options } : {}),
          gradients: s.gradients!,
        })
      : importanceWithCalibration(s.model, s.analysis, c.name, {
          ...(c.options ? { options: c.options } : {}),
          batches: loaderFeeds(calib, input, samples),
          labelled: { loader: calib, samples },
          ...(s.threads ? { threads: s.threads } : {}),
        }));
    const aip = s.recipe.aip;
    if (aip) divideByLiveMean(imp.scores, s.removed);
    for (const [id, drop] of s.removed ?? []) {
      const scores = imp.scores.get(id);
      if (scores) for (const c of drop) scores[c] = -1e30;
    }
    const a = allocate(
      s.model.graph,
      s.analysis,
      imp.scores,
      aip?.k !== undefined
        ? { kind: 'criterion', keep: keptAbove(imp.scores, aip.k) }
        : {
            kind: s.target.kind,
            fraction: s.target.fraction,
            ...(s.curves ? { search: 'sensitivity', curves: s.curves } : { search: s.recipe.search }),
          },
      { keepResidual: s.recipe.keepResidual, ...(s.roundTo ? { roundTo: s.roundTo } : {}) },
    );
    const source = fromTraining
      ? ` from training steps (${[...s.gradients!.values()][0]?.samples ?? 0} samples)`
      : '';
    picks.push({
      criterion: aip ? `${label(c)} k=${effectiveK(imp.scores, a.kept).toFixed(3)}` : label(c) + source,
      kept: new Map(a.kept),
      macs: a.predicted.macs,
      params: a.predicted.params,
    });
  }
  if (picks.length === 1 || !s.recipe.metaAttribute) return picks[0]!;
  const k = s.recipe.metaAttribute.batches;
  const candidates: { criterion: string; loss: number }[] = [];
  for (const p of picks) {
    const r = await evaluateModel(s.map.zeroModel(s.model, p.kept), calib, {
      limit: k * calib.batchSize,
      ...(s.threads ? { threads: s.threads } : {}),
    });
    candidates.push({ criterion: p.criterion, loss: r.loss });
  }
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (candidates[i]!.loss < candidates[best]!.loss) best = i;
  return { ...picks[best]!, candidates };
}

function label(c: CompressRecipe['criteria'][number]): string {
  const opts = Object.entries(c.options ?? {});
  return opts.length === 0 ? c.name : `${c.name}(${opts.map(([k, v]) => `${k}=${String(v)}`).join(',')})`;
}

/**
 * AIP / GBIP: each group's scores over the mean of its live channels (the removed ones are gone from
 * the network in GBIP, so they do not pull the mean down), so `score ≥ k` is `ℓ1 ≥ k·mean`.
 */
function divideByLiveMean(
  scores: Map<string, Float32Array>,
  removed: ReadonlyMap<string, Int32Array> | undefined,
): void {
  for (const [id, v] of scores) {
    const dead = new Set(removed?.get(id) ?? []);
    let sum = 0;
    let live = 0;
    for (let c = 0; c < v.length; c++)
      if (!dead.has(c)) {
        sum += v[c]!;
        live++;
      }
    const mean = sum / Math.max(live, 1);
    if (mean > 0) for (let c = 0; c < v.length; c++) v[c] = v[c]! / mean;
  }
}

/** Channels per group at or above k (at least one). */
function keptAbove(scores: ReadonlyMap<string, Float32Array>, k: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [id, v] of scores) out.set(id, Math.max(1, v.filter((x) => x >= k).length));
  return out;
}

/** The global k this cut amounts to: the lowest kept score of the groups that lost channels. */
function effectiveK(
  scores: ReadonlyMap<string, Float32Array>,
  kept: ReadonlyMap<string, Int32Array>,
): number {
  let k = 0;
  let first = true;
  for (const [id, keep] of kept) {
    const v = scores.get(id);
    if (!v || keep.length === v.length) continue;
    let low = Infinity;
    for (const c of keep) low = Math.min(low, v[c]!);
    k = first ? low : Math.min(k, low);
    first = false;
  }
  return k;
}

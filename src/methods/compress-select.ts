// One prune event of `compressModel`: score the current network with the recipe's criterion (or, with
// several, each candidate, choosing by the meta-attribute), allocate to this event's cost fraction,
// and return the channels every group keeps. Channels an iterative schedule already removed are
// forced to stay removed.

import { allocate } from '../allocate/allocate.js';
import type { SensitivityCurves } from '../allocate/sensitivity-curves.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { importanceWithCalibration } from '../criteria/importance.js';
import { BatchLoader, deriveSeed } from '../data/batch-loader.js';
import type { Model } from '../ir/model.js';
import { loaderFeeds } from '../measure/capture.js';
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
    const imp = await importanceWithCalibration(s.model, s.analysis, c.name, {
      ...(c.options ? { options: c.options } : {}),
      batches: loaderFeeds(calib, input, samples),
      labelled: { loader: calib, samples },
      ...(s.threads ? { threads: s.threads } : {}),
    });
    for (const [id, drop] of s.removed ?? []) {
      const scores = imp.scores.get(id);
      if (scores) for (const c of drop) scores[c] = -1e30;
    }
    const a = allocate(
      s.model.graph,
      s.analysis,
      imp.scores,
      {
        kind: s.target.kind,
        fraction: s.target.fraction,
        ...(s.curves ? { search: 'sensitivity', curves: s.curves } : { search: s.recipe.search }),
      },
      { keepResidual: s.recipe.keepResidual, ...(s.roundTo ? { roundTo: s.roundTo } : {}) },
    );
    picks.push({
      criterion: label(c),
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

// cacpPrune: CACP end to end. One conditional search (cacp-search.ts) gives per-layer widths for
// every requested rate; each rate's widths then go through the ordinary pruning path (pruneModel:
// the same criterion ranks channels inside each group, surgery, optional verification and recovery),
// so every written model is an ordinary, verifiable cut.

import type { Model } from '../ir/model.js';
import { nchwcBlock } from '../runtime/nchwc-block.js';
import { type CacpSearchOptions, type CacpSearchResult, cacpSearch } from './cacp-search.js';
import { type PruneOptions, type PruneResult, pruneModel } from './prune.js';

export interface CacpPruneOptions
  extends Omit<PruneOptions, 'target' | 'criterion' | 'roundTo' | 'calibration' | 'calibrationSamples'> {
  /** Ranks channels inside each group, in the search and in the final cuts (default 'l1'). */
  readonly criterion?: string;
  /** As in pruneModel; 'auto' is resolved once, so the search and the cuts use the same widths. */
  readonly roundTo?: number | 'auto';
  /** Search settings (targets, metric, data, episodes, agent); constraints come from this object. */
  readonly search: Omit<
    CacpSearchOptions,
    | 'criterion'
    | 'criterionOptions'
    | 'roundTo'
    | 'minChannels'
    | 'maxRatio'
    | 'protect'
    | 'keepResidual'
    | 'threads'
  >;
  /** Calibration data of the final recovery (and of the search's repair unless it has its own). */
  readonly calibration?: NonNullable<PruneOptions['calibration']>;
  readonly calibrationSamples?: number;
  /** Called before each final cut. */
  readonly onModel?: (fraction: number) => void;
}

export interface CacpPruneResult {
  readonly search: CacpSearchResult;
  /** One pruned model per requested rate, ascending. */
  readonly models: readonly { readonly fraction: number; readonly result: PruneResult }[];
  readonly roundTo: { readonly value: number; readonly auto: boolean };
}

export async function cacpPrune(model: Model, options: CacpPruneOptions): Promise<CacpPruneResult> {
  const auto = options.roundTo === 'auto';
  const roundTo = auto ? await nchwcBlock() : ((options.roundTo as number | undefined) ?? 1);
  const criterion = options.criterion ?? 'l1';
  const keepResidual = options.keepResidual ?? true;
  const { search: searchOptions, onModel, ...prune } = options;
  const search = await cacpSearch(model, {
    ...searchOptions,
    criterion,
    ...(options.criterionOptions ? { criterionOptions: options.criterionOptions } : {}),
    roundTo,
    keepResidual,
    ...(options.minChannels !== undefined ? { minChannels: options.minChannels } : {}),
    ...(options.maxRatio !== undefined ? { maxRatio: options.maxRatio } : {}),
    ...(options.protect ? { protect: options.protect } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(!searchOptions.calibration && options.calibration ? { calibration: options.calibration } : {}),
  });
  const models: { fraction: number; result: PruneResult }[] = [];
  for (const t of search.targets) {
    onModel?.(t.fraction);
    const result = await pruneModel(model, {
      ...prune,
      criterion,
      roundTo,
      keepResidual,
      target: { kind: 'criterion', keep: t.keep },
    });
    models.push({ fraction: t.fraction, result });
  }
  return { search, models, roundTo: { value: roundTo, auto } };
}

// The public shapes of `compressModel`: options, the per-stage record, events and the result.

import type { ChannelAnalysis } from '../analysis/channel-types.js';
import type { PruningPlan } from '../analysis/plan.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { Model } from '../ir/model.js';
import type { CostReport } from '../ops/costs.js';
import type { VerifyResult } from '../surgery/verify.js';
import type { TrainEvent } from '../train/trainer.js';
import type { CompressRecipe } from './compress-recipe.js';
import type { GaLayer } from './ga-select.js';

export interface CompressOptions {
  readonly recipe: CompressRecipe;
  readonly target: { readonly kind: 'macs' | 'params'; readonly fraction: number };
  /** Training batches (augmentations included); its seed and batch size are the run's. */
  readonly train: BatchLoader;
  /** Labelled images without augmentation for scoring and the meta-attribute (e.g. the train split). */
  readonly calibration: BatchLoader;
  /** Evaluated at every epoch end and at the end (top-1). */
  readonly test?: BatchLoader;
  /** Test images per evaluation (default: all). */
  readonly evalSamples?: number;
  /** Overrides the recipe's epochs. */
  readonly epochs?: number;
  /** Distil from the original model (default: as the recipe says; false turns it off). */
  readonly teacher?: boolean;
  readonly seed?: number;
  readonly verify?: boolean;
  readonly threads?: number;
  /**
   * Kept widths are multiples of this (groups at least this wide); 'auto': ONNX Runtime's NCHWc block
   * on this CPU, so the result is faster, not only smaller (default 1: no alignment).
   */
  readonly roundTo?: number | 'auto';
  readonly engine?: 'auto' | 'standard' | 'nchwc' | 'dnnl';
  /** Checkpoint directory: written at every stage and chunk; `resume` continues from it. */
  readonly checkpoint?: { readonly dir: string; readonly resume?: boolean };
  /** Aborted: the current chunk is dropped and the run stops at the last checkpoint (resumable). */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: CompressEvent) => void;
}

/** One record of the report: a prune event, an epoch end, or the final cut. */
export interface CompressStage {
  readonly kind: 'prune' | 'epoch' | 'final';
  /** Training chunks done when it happened. */
  readonly chunk: number;
  /** Real epochs done (fractional inside an epoch). */
  readonly epoch: number;
  readonly criterion?: string;
  readonly candidates?: readonly { readonly criterion: string; readonly loss: number }[];
  /** ga: per group, the layer-wise loss of the criterion's choice and of the GA's (ga-select.ts). */
  readonly ga?: readonly GaLayer[];
  /** Kept channels per pruned group. */
  readonly widths: Readonly<Record<string, number>>;
  readonly macs: number;
  readonly params: number;
  /** Kept fraction of the original MACs / params. */
  readonly macsFraction: number;
  readonly paramsFraction: number;
  /** Test top-1 of the network as it stands (masked channels at zero), when evaluated. */
  readonly accuracy?: number;
  /**
   * Mean training loss by term over the steps since the previous stage: `total`, and where the engine
   * separates them (dnnl) `logits` (task + KD as weighted), `features` (attention transfer, weighted),
   * `hook` (the adversarial term, weighted); aip adds `task` (cross-entropy), `kd` (T²·KL),
   * `adversarial` (the student's BCE against D, unweighted), `discriminator` (D's BCE),
   * `discriminatorUpdated` and `adversarialOn` (share of steps).
   */
  readonly losses?: Readonly<Record<string, number>>;
  /** Seconds since the run started (across resumes). */
  readonly seconds: number;
}

export type CompressEvent =
  | { readonly kind: 'train'; readonly chunk: number; readonly chunks: number; readonly event: TrainEvent }
  | { readonly kind: 'stage'; readonly stage: CompressStage }
  | { readonly kind: 'checkpoint'; readonly dir: string; readonly chunk: number }
  | { readonly kind: 'resumed'; readonly chunk: number }
  | { readonly kind: 'status'; readonly text: string };

export interface CompressResult {
  readonly model: Model;
  readonly plan: PruningPlan;
  readonly analysis: ChannelAnalysis;
  readonly before: CostReport;
  readonly after: CostReport;
  readonly verify: VerifyResult | undefined;
  readonly stages: readonly CompressStage[];
  /** Which engine trained (TrainResult.engine), and why dnnl did not run when it did not. */
  readonly engine: string;
  readonly dnnlFallback?: string;
  /** aip: why the adversarial term did not run (the engine that trained cannot run it). */
  readonly adversarialSkipped?: string;
  readonly chunks: number;
  readonly stepsPerChunk: number;
  readonly seconds: number;
  /** Convs that got a BatchNormalization for training (a BN-folded input), folded back in `model`. */
  readonly unfoldedBatchNorm: readonly string[];
}

/** A stage's size fields: the network's params and MACs, and their fraction of the original's. */
export function stageCosts(
  c: Pick<CostReport, 'macs' | 'params'>,
  base: Pick<CostReport, 'macs' | 'params'>,
): Pick<CompressStage, 'macs' | 'params' | 'macsFraction' | 'paramsFraction'> {
  return {
    macs: c.macs,
    params: c.params,
    macsFraction: c.macs / base.macs,
    paramsFraction: c.params / base.params,
  };
}

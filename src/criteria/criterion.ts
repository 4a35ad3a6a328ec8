// The Criterion contract: how one importance criterion scores the channels of a channel group.
// Scores are computed per member (one row per member, one entry per channel; higher = keep), then
// reduced across the group and normalised by `importance` as configured.

import type { z } from 'zod';
import type { ChannelGroup } from '../analysis/channel-types.js';
import type { Graph } from '../ir/graph.js';
import type { LayerStats } from '../linear/layer.js';
import type { ActivationRequest, ChannelStats } from '../measure/activation-stats.js';
import type { GroupGradientStats } from '../measure/gradient-stats.js';
import type { NormalizerName } from './normalizers.js';
import type { ReducerName } from './reducers.js';

/**
 * What a criterion reads: weights only (data-free), activations from calibration data, or loss
 * gradients from labelled calibration data (a forward + backward measurement pass).
 */
export type CriterionNeeds = 'weights' | 'activations' | 'gradients';

export interface CriterionContext {
  readonly graph: Graph;
  readonly group: ChannelGroup;
  /** Statistics of a requested activation; undefined when no calibration data was given. */
  stats(value: string): ChannelStats | undefined;
  /** The configured reducer, for criteria that must reduce before a group-level step (pfgdf). */
  reduce(rows: readonly Float32Array[]): Float32Array;
  /** X·Xᵀ of `rows` row-major rows of length `cols` (run by ONNX Runtime: fast for big layers). */
  gram(data: Float32Array, rows: number, cols: number): Promise<Float32Array>;
  /** Gradient statistics of this group ('gradients' criteria); undefined without labelled data. */
  gradients(): GroupGradientStats | undefined;
  /** Memo shared by every group of one `importance` call (e.g. moments of shared activations). */
  readonly cache: Map<string, unknown>;
  /** Patch statistics of a requested layer's input (`layers`); undefined without calibration data. */
  layerStats(node: string): LayerStats | undefined;
  /**
   * Register how this group's channels are chosen once the allocation has fixed how many it keeps
   * (criteria whose selection depends on the count: lasso). Exposed as `Importance.select`.
   */
  provideSelect(select: (keep: number) => Int32Array): void;
}

/** Score rows (one per member, or one for the whole group), or why the group cannot be scored. */
export type CriterionScores = readonly Float32Array[] | { readonly skip: string };

export interface Criterion<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** 'activations': needs calibration data for every group; 'weights': data-free (fsm may ask). */
  readonly needs: CriterionNeeds;
  /** One line: what the score is. */
  readonly summary: string;
  /** Where the formula comes from (paper, code), and what is our choice. */
  readonly source: string;
  readonly defaults: { readonly reduce: ReducerName; readonly normalize: NormalizerName };
  /** Criterion options (validated; unknown keys are errors). */
  readonly options: S;
  /** Activations to measure for this group (none: data-free for this group). */
  activations?(graph: Graph, group: ChannelGroup, options: z.output<S>): readonly ActivationRequest[];
  /** Consumer Conv/Gemm nodes whose input patch statistics (LayerStats) this group needs. */
  layers?(graph: Graph, group: ChannelGroup, options: z.output<S>): readonly string[];
  score(ctx: CriterionContext, options: z.output<S>): CriterionScores | Promise<CriterionScores>;
  /**
   * Channels the criterion itself would keep, from the reduced (not yet normalised) scores: for
   * criteria that choose the ratio (pfgdf). Absent: the ratio comes from the allocation.
   */
  suggestKeep?(reduced: Float32Array, options: z.output<S>): number;
}

export function isSkip(s: CriterionScores): s is { readonly skip: string } {
  return 'skip' in s;
}

// importance: score every prunable channel group with a criterion: per-member rows → reduce across
// the group → normalise. importanceWithCalibration first measures the activations and the layer
// input statistics the criterion asks for on calibration batches (streamed), then scores.

import type { z } from 'zod';
import type { ChannelAnalysis, ChannelGroup } from '../analysis/channel-types.js';
import {
  describeWeightProblem,
  findWeightProblems,
  type WeightProblem,
} from '../analysis/weight-numerics.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { LayerStats } from '../linear/layer.js';
import type { ActivationRequest } from '../measure/activation-stats.js';
import {
  type ChannelStats,
  type CollectOptions,
  collectActivationStats,
} from '../measure/activation-stats.js';
import type { GroupGradientStats } from '../measure/gradient-stats.js';
import { collectLayerStats } from '../measure/layer-stats-collect.js';
import { GramRunner } from '../runtime/gram.js';
import type { Feeds } from '../runtime/session.js';
import { PareError } from '../util/errors.js';
import { type Criterion, type CriterionContext, isSkip } from './criterion.js';
import { measureGradientStats } from './gradient-stats.js';
import { type NormalizerName, normalizerNames, normalizers } from './normalizers.js';
import { type ReducerName, reduceRows, reducerNames } from './reducers.js';
import { criterionByName } from './registry.js';

export interface ImportanceOptions {
  /** Default: the criterion's. */
  readonly reduce?: ReducerName;
  readonly normalize?: NormalizerName;
  /** The criterion's own options (validated against its schema). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Measured activations (collectActivationStats), for criteria that read them. */
  readonly stats?: ReadonlyMap<string, ChannelStats>;
  /** Gradient statistics per group (measureGradientStats), for 'gradients' criteria. */
  readonly gradients?: ReadonlyMap<string, GroupGradientStats>;
  /** Layer input statistics (collectLayerStats), keyed by node name, for criteria that read them. */
  readonly layerStats?: ReadonlyMap<string, LayerStats>;
  /** Score only these groups (default: every group without blockers). */
  readonly groups?: readonly string[];
  /** ORT threads for the Gram products (fpgm). */
  readonly threads?: number;
}

export interface Importance {
  readonly criterion: string;
  readonly reduce: ReducerName;
  readonly normalize: NormalizerName;
  /** The criterion options after defaults. */
  readonly options: unknown;
  /** Group id → normalised score per channel (higher = keep). */
  readonly scores: Map<string, Float32Array>;
  /** Prunable groups the criterion could not score, and why (they keep every channel). */
  readonly skipped: Map<string, string>;
  /** Channels per group the criterion itself keeps (criteria that choose the ratio: pfgdf). */
  readonly suggestedKeep: Map<string, number> | undefined;
  /**
   * The channels (ascending) a group keeps when it keeps `keep`, for criteria whose choice depends
   * on the count (lasso's λ search); undefined for other criteria and unscored groups.
   */
  select?(groupId: string, keep: number): Int32Array | undefined;
}

export async function importance(
  graph: Graph,
  analysis: ChannelAnalysis,
  criterionName: string,
  options: ImportanceOptions = {},
): Promise<Importance> {
  const criterion = criterionByName(criterionName);
  const { reduce, normalize, parsed } = resolve(criterion, options);
  const scores = new Map<string, Float32Array>();
  const skipped = new Map<string, string>();
  const suggestedKeep = criterion.suggestKeep ? new Map<string, number>() : undefined;
  const gram = new GramRunner(options.threads);
  const cache = new Map<string, unknown>();
  const selectors = new Map<string, (keep: number) => Int32Array>();
  const badWeights = findWeightProblems(graph);
  try {
    for (const group of selectGroups(analysis, options.groups)) {
      refuseBadWeights(group, badWeights, criterion.name);
      const ctx: CriterionContext = {
        graph,
        group,
        stats: (value) => options.stats?.get(value),
        gradients: () => options.gradients?.get(group.id),
        reduce: (rows) => reduceRows(reduce, rows),
        gram: (data, rows, cols) => gram.gram(data, rows, cols),
        cache,
        layerStats: (node) => options.layerStats?.get(node),
        provideSelect: (select) => {
          selectors.set(group.id, select);
        },
      };
      const rows = await criterion.score(ctx, parsed);
      if (isSkip(rows)) {
        selectors.delete(group.id);
        skipped.set(group.id, rows.skip);
        continue;
      }
      const reduced = reduceRows(reduce, rows);
      if (reduced.length !== group.size)
        throw new PareError(
          'PARE_INTERNAL',
          `criterion '${criterion.name}' gave ${reduced.length} scores for group '${group.id}' of ${group.size}`,
        );
      refuseNaNScores(group, reduced, criterion.name);
      suggestedKeep?.set(group.id, criterion.suggestKeep!(reduced, parsed));
      scores.set(group.id, normalizers[normalize](reduced));
    }
  } finally {
    await gram.release();
  }
  const result = {
    criterion: criterion.name,
    reduce,
    normalize,
    options: parsed,
    scores,
    skipped,
    suggestedKeep,
  };
  if (selectors.size === 0) return result;
  return { ...result, select: (groupId: string, keep: number) => selectors.get(groupId)?.(keep) };
}

/** A group whose members hold NaN, infinite or absurd weights cannot be ranked meaningfully. */
function refuseBadWeights(group: ChannelGroup, bad: readonly WeightProblem[], criterion: string): void {
  if (bad.length === 0 || group.blockers.length > 0) return;
  for (const m of group.members) {
    // Only the weights sliced along this group's channels: what a criterion ranks them by.
    const p = bad.find(
      (b) =>
        b.node.name === m.node && b.node.opType === m.opType && m.weights.some((w) => w.input === b.input),
    );
    if (!p) continue;
    throw new PareError(
      'PARE_BAD_MODEL',
      `cannot rank the channels of group '${group.id}' with '${criterion}': ${describeWeightProblem(p)}`,
      {
        node: p.node,
        tensor: p.tensor,
        notes: [
          "these are the model's own values (a damaged file or a broken export), not something pare computed",
          `fix the weights, or leave the layer out with --protect '${p.node.name}'`,
        ],
      },
    );
  }
}

function refuseNaNScores(group: ChannelGroup, scores: Float32Array, criterion: string): void {
  const nan = scores.reduce((n, x) => n + (Number.isNaN(x) ? 1 : 0), 0);
  if (nan === 0) return;
  const first = group.members[0];
  throw new PareError(
    'PARE_DATA',
    `criterion '${criterion}' gave NaN scores to ${nan} of the ${group.size} channels of group '${group.id}'` +
      (first ? ` (${first.opType} '${first.node}', ...)` : ''),
    {
      ...(first ? { node: { name: first.node, opType: first.opType } } : {}),
      notes: [
        'the weights are finite, so the calibration data (or the activations it produces) holds NaN or Inf: check the data and its normalisation',
      ],
    },
  );
}

/** The activations `criterionName` wants measured for the selected groups (deduplicated). */
export function activationRequests(
  graph: Graph,
  analysis: ChannelAnalysis,
  criterionName: string,
  options: Pick<ImportanceOptions, 'options' | 'groups'> = {},
): ActivationRequest[] {
  const criterion = criterionByName(criterionName);
  const { parsed } = resolve(criterion, options);
  const out = new Map<string, ActivationRequest>();
  if (!criterion.activations) return [];
  for (const group of selectGroups(analysis, options.groups))
    for (const r of criterion.activations(graph, group, parsed)) out.set(r.value, r);
  return [...out.values()];
}

/** The layers (consumer node names) whose input statistics `criterionName` wants (deduplicated). */
export function layerRequests(
  graph: Graph,
  analysis: ChannelAnalysis,
  criterionName: string,
  options: Pick<ImportanceOptions, 'options' | 'groups'> = {},
): string[] {
  const criterion = criterionByName(criterionName);
  if (!criterion.layers) return [];
  const { parsed } = resolve(criterion, options);
  const out = new Set<string>();
  for (const group of selectGroups(analysis, options.groups))
    for (const n of criterion.layers(graph, group, parsed)) out.add(n);
  return [...out];
}

export interface CalibratedImportanceOptions extends Omit<ImportanceOptions, 'stats'> {
  /** Calibration input batches; required for 'activations' criteria, optional for fsm. */
  readonly batches?: Iterable<Feeds> | AsyncIterable<Feeds>;
  readonly collect?: CollectOptions;
  /** Labelled calibration data for 'gradients' criteria (taylor, fisher), and how many images of it. */
  readonly labelled?: { readonly loader: BatchLoader; readonly samples?: number };
}

/** importance, after measuring on `batches` the activations and layer statistics the criterion asks for. */
export async function importanceWithCalibration(
  model: Model,
  analysis: ChannelAnalysis,
  criterionName: string,
  options: CalibratedImportanceOptions = {},
): Promise<Importance> {
  const criterion = criterionByName(criterionName);
  if (criterion.needs === 'gradients') {
    if (!options.labelled)
      throw new PareError('PARE_DATA', `criterion '${criterion.name}' needs labelled calibration data`, {
        notes: ['give --calib SPEC with labels (e.g. idx:DIR:train); a few hundred images are enough'],
      });
    const threads = options.collect?.threads ?? options.threads;
    const gradients = await measureGradientStats(model, analysis, options.labelled.loader, {
      ...(options.labelled.samples !== undefined ? { samples: options.labelled.samples } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(options.groups ? { groups: options.groups } : {}),
    });
    return importance(model.graph, analysis, criterionName, { ...options, gradients });
  }
  const requests = activationRequests(model.graph, analysis, criterionName, options);
  const layers = layerRequests(model.graph, analysis, criterionName, options);
  if (requests.length + layers.length > 0 && !options.batches && criterion.needs === 'activations')
    throw new PareError('PARE_DATA', `criterion '${criterion.name}' needs calibration data`, {
      notes: ['give calibration batches (e.g. a few hundred training images, balanced per class)'],
    });
  // The batches may be a one-shot stream: buffer them when two passes read them.
  const batches =
    options.batches && requests.length > 0 && layers.length > 0
      ? await buffered(options.batches)
      : options.batches;
  const stats =
    requests.length > 0 && batches
      ? await collectActivationStats(model, requests, batches, options.collect)
      : undefined;
  const threads = options.collect?.threads ?? options.threads;
  const layerStats =
    layers.length > 0 && batches
      ? await collectLayerStats(model, layers, batches, threads === undefined ? {} : { threads })
      : undefined;
  return importance(model.graph, analysis, criterionName, {
    ...options,
    ...(stats ? { stats } : {}),
    ...(layerStats ? { layerStats } : {}),
  });
}

async function buffered(batches: Iterable<Feeds> | AsyncIterable<Feeds>): Promise<Feeds[]> {
  const out: Feeds[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

function resolve(criterion: Criterion, options: Pick<ImportanceOptions, 'reduce' | 'normalize' | 'options'>) {
  const reduce = options.reduce ?? criterion.defaults.reduce;
  const normalize = options.normalize ?? criterion.defaults.normalize;
  if (!reducerNames.includes(reduce))
    throw new PareError('PARE_CONFIG', `unknown reducer '${reduce}'`, {
      notes: [`valid reducers: ${reducerNames.join(', ')}`],
    });
  if (!normalizerNames.includes(normalize))
    throw new PareError('PARE_CONFIG', `unknown normaliser '${normalize}'`, {
      notes: [`valid normalisers: ${normalizerNames.join(', ')}`],
    });
  const r = criterion.options.safeParse(options.options ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join('.') : '(options)';
    throw new PareError('PARE_CONFIG', `criterion '${criterion.name}' option ${path}: ${issue.message}`, {
      notes: [`see docs/criteria.md for the options of '${criterion.name}'`],
    });
  }
  return { reduce, normalize, parsed: r.data as z.output<typeof criterion.options> };
}

function selectGroups(analysis: ChannelAnalysis, ids: readonly string[] | undefined): ChannelGroup[] {
  if (!ids) return analysis.groups.filter((g) => g.blockers.length === 0);
  const byId = new Map(analysis.groups.map((g) => [g.id, g]));
  return ids.map((id) => {
    const g = byId.get(id);
    if (!g) throw new PareError('PARE_CONFIG', `no channel group '${id}'`);
    return g;
  });
}

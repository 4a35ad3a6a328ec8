// What pruneModel can do after the cut to win back accuracy without training, by name: a typed
// record like the criteria (criteria/registry.ts). Each recovery takes the original and the cut
// model with the plan and calibration data, and returns the recovered model with what it did.

import type { Allocation } from '../allocate/allocate.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { valueKeeps } from '../analysis/value-keeps.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { loaderFeeds } from '../measure/capture.js';
import { recalibrateBatchNorm, recalibrateFolded } from '../recover/bn-recalibrate.js';
import { compensateFeatureShift, type FsmDistributionOptions } from '../recover/fsm-distribution.js';
import {
  type LayerReconstruction,
  type LeastSquaresOptions,
  reconstructedLayers,
  reconstructLeastSquares,
} from '../recover/least-squares.js';
import { PareError } from '../util/errors.js';

/** Options of FSM's distribution optimisation ('fsm'). */
export type FsmRecovery = Pick<FsmDistributionOptions, 'gate' | 'mode' | 'folded'>;

/** Options of the least-squares recovery ('ls'). */
export type LeastSquaresRecovery = Pick<
  LeastSquaresOptions,
  'ridge' | 'features' | 'residual' | 'rescaleVariance'
>;

/** What a recovery did. */
export interface RecoveryReport {
  readonly method: RecoveryName;
  /** Calibration images used (per pass). */
  readonly samples: number;
  readonly seconds: number;
  /** Least squares: per refitted layer, the output error before and after. */
  readonly layers?: readonly LayerReconstruction[];
  /** BN: convolutions whose folded BatchNorm was recalibrated (scale and shift corrected). */
  readonly foldedLayers?: number;
  /** FSM: layers compensated, and how many were kept / rolled back on the held-out labels. */
  readonly compensated?: {
    readonly layers: number;
    readonly accepted: number;
    readonly rolledBack: number;
  };
}

/** What every recovery is given. */
export interface RecoveryInput {
  readonly original: Model;
  readonly pruned: Model;
  readonly analysis: ChannelAnalysis;
  readonly allocation: Allocation;
  readonly calibration: BatchLoader | undefined;
  /** Calibration images to use. */
  readonly samples: number;
  readonly leastSquares: LeastSquaresRecovery | undefined;
  readonly fsm: FsmRecovery | undefined;
  readonly threads: number | undefined;
  readonly onStage: ((stage: string) => void) | undefined;
}

export type Recovery = (
  input: RecoveryInput,
) => Promise<{ model: Model; report: RecoveryReport } | undefined>;

export const recoveries = {
  none: async () => undefined,
  bn: recoverBatchNorm,
  fsm: recoverFsm,
  ls: recoverLeastSquares,
} as const satisfies Record<string, Recovery>;

export type RecoveryName = keyof typeof recoveries;

export const recoveryNames = Object.keys(recoveries) as [RecoveryName, ...RecoveryName[]];

const threadsOf = (t: number | undefined) => (t ? { threads: t } : {});

/** Refuse a recovery that reads calibration data when there is none (before any work is done). */
export function checkRecoveryData(method: RecoveryName, calibration: BatchLoader | undefined): void {
  if ((method === 'bn' || method === 'ls') && !calibration)
    throw new PareError('PARE_CONFIG', `--recover ${method} needs calibration data (--calib SPEC)`, {
      ...(method === 'ls'
        ? { notes: ['a few hundred unlabeled training images are enough (--calib-samples, default 512)'] }
        : {}),
    });
}

function calibrationFor(method: 'bn' | 'ls', r: RecoveryInput): { loader: BatchLoader; input: string } {
  checkRecoveryData(method, r.calibration);
  const input = r.original.graph.feedInputs[0]?.name;
  if (!r.calibration || !input)
    throw new PareError('PARE_CONFIG', `--recover ${method}: the model has no graph input to feed`);
  return { loader: r.calibration, input };
}

async function recoverBatchNorm(r: RecoveryInput) {
  const { loader, input } = calibrationFor('bn', r);
  r.onStage?.('recalibrating BatchNorm statistics');
  const bn = await recalibrateBatchNorm(r.pruned, loader, { samples: r.samples, ...threadsOf(r.threads) });
  let model = bn.model;
  let seconds = bn.seconds;
  let samples = bn.samples;
  // Folded BN (no BatchNormalization after a conv): correct the conv's own scale and shift.
  const kept = r.allocation.kept;
  const folded = foldedLayers(model.graph, reconstructedLayers(model.graph, r.analysis, kept));
  if (folded.length > 0) {
    r.onStage?.('recalibrating folded BatchNorm (conv scale and shift)');
    const f = await recalibrateFolded(
      r.original,
      model,
      folded,
      valueKeeps(r.analysis, kept),
      () => loaderFeeds(loader, input, r.samples),
      threadsOf(r.threads),
    );
    model = f.model;
    seconds += f.seconds;
    samples = Math.max(samples, f.samples);
  }
  const report: RecoveryReport = {
    method: 'bn',
    samples,
    seconds,
    ...(folded.length > 0 ? { foldedLayers: folded.length } : {}),
  };
  return { model, report };
}

async function recoverLeastSquares(r: RecoveryInput) {
  const { loader, input } = calibrationFor('ls', r);
  r.onStage?.('least-squares reconstruction');
  const ls = await reconstructLeastSquares(
    r.original,
    r.pruned,
    r.analysis,
    r.allocation.kept,
    () => loaderFeeds(loader, input, r.samples),
    { ...r.leastSquares, ...threadsOf(r.threads) },
  );
  const report: RecoveryReport = {
    method: 'ls',
    samples: ls.samples,
    seconds: ls.seconds,
    layers: ls.layers,
  };
  return { model: ls.model, report };
}

async function recoverFsm(r: RecoveryInput) {
  r.onStage?.('FSM distribution optimisation');
  const calibration = r.calibration;
  const limit = r.samples;
  const fsm = await compensateFeatureShift(r.original, r.pruned, r.analysis, r.allocation.plan, {
    ...r.fsm,
    ...(calibration
      ? { heldOut: calibration, heldOutSamples: limit, calibration, calibrationSamples: limit }
      : {}),
    ...threadsOf(r.threads),
  });
  const report: RecoveryReport = {
    method: 'fsm',
    samples: calibration ? limit : 0,
    seconds: fsm.seconds,
    compensated: { layers: fsm.layers, accepted: fsm.accepted, rolledBack: fsm.rolledBack },
  };
  return { model: fsm.model, report };
}

/**
 * Convolutions whose BatchNorm was folded away (no BatchNormalization reads them), from the first
 * layer that lost inputs on, in graph order: their outputs shifted and no BN can re-normalise them.
 */
function foldedLayers(graph: Graph, consumers: readonly string[]): string[] {
  const first = graph.nodes.findIndex((n) => consumers.includes(n.name));
  if (first < 0) return [];
  return graph.nodes
    .slice(first)
    .filter(
      (n) =>
        n.opType === 'Conv' &&
        n.domain === '' &&
        !n.output(0).uses.some((u) => u.node.opType === 'BatchNormalization'),
    )
    .map((n) => n.name);
}

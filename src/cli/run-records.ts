// Run records (src/report/run-record.ts) built from what the prune and train commands computed:
// the CLI is where pruning results, costs and training history meet the report's plain data.

import type { Command } from 'commander';
import type { PruneResult } from '../methods/prune.js';
import { type CostReport, computeCosts } from '../ops/costs.js';
import type { LayerRecord, RunMetrics, RunRecord } from '../report/run-record.js';
import { RUN_FORMAT, RUN_VERSION } from '../report/run-record.js';
import type { TrainResult } from '../train/trainer.js';
import type { Preprocess } from './data-options.js';

/** Ops whose weights make a "layer" in the report (the rest cost little and prune with them). */
const LAYER_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as typed (`pare prune m.onnx -o out.onnx …`), for the report's header. */
export function commandLine(command: Command): string {
  // commander keeps the raw argv on the root program; it is not in its typings.
  let root = command;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs;
  const args = raw && raw.length >= 2 ? raw.slice(2) : [command.name(), ...command.args];
  return ['pare', ...args].map(shellQuote).join(' ');
}

function layerKey(node: CostReport['nodes'][number]['node']): string {
  return node.name || node.outputs[0]?.name || '';
}

function widthOf(c: CostReport['nodes'][number]): number | undefined {
  const shape = c.outputShape;
  if (!shape || shape.length < 2) return undefined;
  const d =
    c.node.opType === 'Conv' || c.node.opType === 'ConvTranspose' ? shape[1] : shape[shape.length - 1];
  return typeof d === 'number' ? d : undefined;
}

/** Per-layer widths, MACs and parameters before and after, in the original's graph order. */
/**
 * One row per MAC layer: widths, MACs, params, and where a latency table predicted them (latency
 * targets), its milliseconds before and after.
 */
export function layerRecords(
  before: CostReport,
  after: CostReport,
  latency?: Readonly<Record<string, { readonly before: number; readonly after: number }>>,
): LayerRecord[] {
  const afterByName = new Map(after.nodes.map((c) => [layerKey(c.node), c]));
  return before.nodes
    .filter((c) => LAYER_OPS.has(c.node.opType) && (c.macs > 0 || c.params > 0))
    .map((c) => {
      const a = afterByName.get(layerKey(c.node));
      const wb = widthOf(c);
      const wa = a ? widthOf(a) : undefined;
      const ms = latency?.[layerKey(c.node)];
      return {
        name: layerKey(c.node),
        op: c.node.opType,
        ...(wb !== undefined ? { widthBefore: wb } : {}),
        ...(wa !== undefined ? { widthAfter: wa } : {}),
        macsBefore: c.macs,
        macsAfter: a?.macs ?? 0,
        paramsBefore: c.params,
        paramsAfter: a?.params ?? 0,
        ...(ms ? { latencyMsBefore: ms.before, latencyMsAfter: ms.after } : {}),
      };
    });
}

function header(kind: string, command: Command | undefined, model: string, output: string) {
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    kind,
    ...(command ? { command: commandLine(command) } : {}),
    createdAt: new Date().toISOString(),
    model,
    output,
  } as const;
}

export interface RunMeasurements {
  readonly latency?: { before?: number; after?: number };
  readonly accuracy?: { before?: number; after?: number; loss?: { before?: number; after?: number } };
  /** The data accuracy was measured on (a data spec). */
  readonly accuracyData?: string;
  readonly preprocess?: Preprocess | null;
}

function metrics(
  params: number,
  macs: number,
  latency?: number,
  accuracy?: number,
  loss?: number,
): RunMetrics & { params: number; macs: number } {
  return {
    params,
    macs,
    ...(latency !== undefined ? { latencyMs: latency } : {}),
    ...(accuracy !== undefined ? { accuracy } : {}),
    ...(loss !== undefined ? { loss } : {}),
  };
}

/** The prune command's report (`--report`, `--json`). */
export function pruneRunRecord(
  file: string,
  output: string,
  r: PruneResult,
  m: RunMeasurements,
  method: string | undefined,
  command?: Command,
) {
  return {
    ...header('prune', command, file, output),
    ...(method ? { method } : {}),
    criterion: r.importance.criterion,
    // Not the data normalisation (that is `preprocess`): how a group's channel scores were scaled.
    scoring: { reduce: r.importance.reduce, scoreNormalization: r.importance.normalize },
    // Kept at the top level too, as before (scripts read it).
    reduce: r.importance.reduce,
    preprocess: m.preprocess ?? null,
    ...(m.accuracyData ? { accuracyData: m.accuracyData } : {}),
    before: metrics(
      r.before.params,
      r.before.macs,
      m.latency?.before,
      m.accuracy?.before,
      m.accuracy?.loss?.before,
    ),
    after: metrics(
      r.after.params,
      r.after.macs,
      m.latency?.after,
      m.accuracy?.after,
      m.accuracy?.loss?.after,
    ),
    target: r.allocation.target ?? null,
    ...(r.allocation.latencyAware ? { latencyAware: r.allocation.latencyAware } : {}),
    layers: layerRecords(r.before, r.after, r.latency?.layers),
    groups: r.analysis.groups.map((g) => ({
      id: g.id,
      channels: g.size,
      kept: r.allocation.kept.get(g.id)?.length ?? g.size,
      ...(g.blockers.length > 0 ? { blockers: [...g.blockers] } : {}),
      ...(r.allocation.frozen.has(g.id) ? { frozen: r.allocation.frozen.get(g.id) } : {}),
      ...(r.importance.skipped.has(g.id) ? { skipped: r.importance.skipped.get(g.id) } : {}),
    })),
    skipped: Object.fromEntries(r.importance.skipped),
    verify: r.verify
      ? {
          passed: r.verify.passed,
          maxAbsDiff: r.verify.maxAbsDiff,
          maxAbsOutput: r.verify.maxAbsOutput,
          relativeError: r.verify.relativeError,
        }
      : null,
    recovery: r.recovery ?? null,
    seconds: r.seconds,
  } satisfies RunRecord;
}

/**
 * The train command's report: size before (`before`, the starting model's costs, taken before
 * training) and after (BN folding may change it), curves, accuracy.
 */
export function trainRunRecord(
  file: string,
  output: string,
  before: CostReport,
  r: TrainResult,
  m: RunMeasurements,
  command?: Command,
): RunRecord {
  const after = computeCosts(r.model.graph);
  const last = r.history[r.history.length - 1];
  return {
    ...header('train', command, file, output),
    preprocess: m.preprocess ?? null,
    ...(m.accuracyData ? { accuracyData: m.accuracyData } : {}),
    before: metrics(
      before.params,
      before.macs,
      m.latency?.before,
      m.accuracy?.before,
      m.accuracy?.loss?.before,
    ),
    after: metrics(after.params, after.macs, m.latency?.after, last?.test?.top1, last?.test?.loss),
    layers: layerRecords(before, after),
    history: r.history.map((h) => ({
      epoch: h.epoch + 1,
      trainLoss: h.trainLoss,
      trainAcc: h.trainAcc,
      testAcc: h.test?.top1 ?? null,
      testLoss: h.test?.loss ?? null,
      seconds: h.seconds,
    })),
    engine: r.engine,
    steps: r.steps,
    trainImgPerSec: r.trainImgPerSec,
  };
}

// `pare prune MODEL -o OUT --criterion NAME --target macs=0.5`: score, allocate, cut, (verify,
// recover), write the smaller model with its plan and a report.

import { Command } from 'commander';
import { writePlan } from '../../analysis/plan.js';
import type { Model } from '../../ir/model.js';
import { type PruneResult, pruneModel } from '../../methods/prune.js';
import { withRecipe } from '../../methods/recipes.js';
import { writeModel } from '../../onnx/write.js';
import { checkProviders } from '../../runtime/session.js';
import { describeVerification } from '../../surgery/verify.js';
import { evaluateModel } from '../../train/evaluate.js';
import { PareError } from '../../util/errors.js';
import { calibrationLoader, loadData, resolvePreprocess } from '../data-options.js';
import { addFlags, optionsOf, readFlags } from '../flags.js';
import { formatPercent, renderSizeTable, renderTable, unsteadyLatencyNote } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { ProgressLine, renderEvents, withProgress } from '../progress.js';
import { pruneCacp } from '../prune-cacp.js';
import { checkPruneFlags } from '../prune-flags.js';
import {
  latencyOptions,
  leastSquaresOptions,
  parseCriterionOptions,
  parseTarget,
  withSensitivity,
} from '../prune-options.js';
import { type PruneFlagValues, pruneFlags } from '../prune-table.js';
import { reportFormatOf, writeRunReport } from '../report-output.js';
import { pruneRunRecord, type RunMeasurements } from '../run-records.js';
import { loadWithShapes } from './inspect.js';

export function pruneCommand(io: CliIO): Command {
  const cmd = new Command('prune')
    .description(
      'prune channels to a MACs/params target (or ratio) with an importance criterion; write the smaller model',
    )
    .argument('<model>', 'ONNX model file');
  return addFlags(cmd, pruneFlags).action(async (file: string, raw: Record<string, unknown>) => {
    const opts = readFlags(pruneFlags, raw);
    if (opts.method === 'cacp') return pruneCacp(file, opts, cmd, io);
    const method = opts.method;
    checkOutputPaths(
      [{ flag: 'model', path: file }],
      [
        { flag: '-o', path: opts.output },
        opts.planOut ? { flag: '--plan-out', path: opts.planOut } : undefined,
        opts.report ? { flag: '--report', path: opts.report } : undefined,
      ],
    );
    if (opts.targets) throw new PareError('PARE_CONFIG', '--targets is for --method cacp; give one --target');
    if (opts.report) reportFormatOf(opts.report);
    // With --method, what the user did not set comes from the method (pruneModel resolves it).
    const fromMethod = new Set(['criterion', 'recover', 'calibSamples']);
    const given = (key: string) =>
      !opts.method || !fromMethod.has(key) || cmd.getOptionValueSource(key) === 'cli';
    const { model, numerics, declared } = await loadWithShapes(file, opts.inputShape);
    for (const w of numerics) io.err(w);
    const target = withSensitivity(parseTarget(opts), opts);
    if ((target.kind === 'latency' || target.kind === 'latency-ms') && !opts.latency)
      throw new PareError('PARE_CONFIG', `--target ${opts.target} measures latency: drop --no-latency`);
    if (opts.latency) checkProviders([opts.ep]);
    for (const note of checkPruneFlags(opts, model)) io.err(note);
    const threads = opts.threads;
    const samples = given('calibSamples') ? opts.calibSamples : undefined;
    // Calibration images are batched like the rest (--batch, default 128).
    const calib = opts.calib
      ? calibrationLoader(
          await loadData(opts.calib, 'train', model, opts, 'eval'),
          samples ?? withRecipe({ ...(method ? { method } : {}), target }).calibrationSamples,
          opts.seed,
          opts.batch,
        )
      : undefined;
    // Stages on a terminal only: piped output and --json stay as they were.
    const progress = new ProgressLine(io.isTTY && !opts.json ? 'tty' : 'off', (t) => io.err(t));
    const result = await withProgress(progress, () =>
      pruneModel(model, {
        ...optionsOf(pruneFlags, opts, (key) => !given(key)),
        ...(method ? { method } : {}),
        onEvent: renderEvents(progress),
        ...(opts.criterionOpt.length > 0
          ? { criterionOptions: parseCriterionOptions(opts.criterionOpt) }
          : {}),
        target,
        declared,
        ...latencyOptions(opts),
        ...(calib ? { calibration: calib } : {}),
        leastSquares: leastSquaresOptions(opts),
      }),
    );
    const lat = result.latency;
    const latency = lat ? { before: lat.beforeMs, after: lat.afterMs } : {};
    const measured = await accuracyBeforeAfter(model, result.model, opts, threads);
    writeModel(result.model, opts.output);
    if (opts.planOut) await writePlan(opts.planOut, result.allocation.plan);
    // The data preprocessing applies to the calibration and evaluation images; none when neither ran.
    const preprocess = opts.calib || opts.evalData ? resolvePreprocess(opts, model) : null;
    const report = {
      ...pruneRunRecord(file, opts.output, result, { latency, preprocess, ...measured }, opts.method, cmd),
      roundTo: result.roundTo,
      latency: lat ?? null,
    };
    if (lat && !lat.steady) io.err(unsteadyLatencyNote(lat));
    // A MACs cut whose time did not follow (speed-up under 0.9× the MACs reduction) says where to go.
    const macsKept = result.after.macs / result.before.macs;
    if (lat?.steady && target.kind === 'macs' && !lat.slower && lat.ratio > macsKept / 0.9)
      io.err(
        `note: the cut keeps ${formatPercent(macsKept)} of the MACs but ${formatPercent(lat.ratio)} of the latency (batch ${lat.batch}, ${lat.threads} threads); --target latency=F cuts where the time is`,
      );
    // Never write a slower model quietly: a warning line, and `latency.slower` in the JSON.
    if (lat?.slower)
      io.err(
        `warning: the pruned model is SLOWER than the original: ${lat.beforeMs.toFixed(2)} → ${lat.afterMs.toFixed(2)} ms (${formatPercent(lat.ratio)}) at batch ${lat.batch}, ${lat.threads} threads, ${lat.providers.join('/')}; try --round-to auto or --target latency=F`,
      );
    if (opts.report) await writeRunReport(opts.report, [report]);
    if (opts.json) {
      io.out(JSON.stringify(report));
      return;
    }
    const rows = report.groups
      .filter((g) => g.kept < g.channels)
      .map((g) => [g.id, g.channels, g.kept, formatPercent(1 - g.kept / g.channels)]);
    if (rows.length > 0) io.out(renderTable(['group', 'channels', 'kept', 'removed'], rows));
    io.out(
      renderSizeTable(
        report.before,
        report.after,
        lat
          ? {
              label: `latency (ms, batch ${lat.batch})`,
              before: lat.beforeMs,
              after: lat.afterMs,
              ratio: lat.ratio,
            }
          : undefined,
      ),
    );
    if (lat?.goal !== undefined)
      io.out(
        `latency target ${formatPercent(lat.goal)}: predicted ${formatPercent(lat.predictedRatio ?? 1)}, measured ${formatPercent(lat.ratio)} (${lat.attempts?.length ?? 1} cut${(lat.attempts?.length ?? 1) > 1 ? 's' : ''}; layer table ${lat.table?.source ?? 'measured'}: ${lat.table?.distinct ?? 0} shapes)`,
      );
    const aware = result.allocation.latencyAware;
    if (aware)
      io.out(
        `latency-aware cut (layer time per MAC weighed, w ${aware.weight}): predicted latency ${formatPercent(aware.predicted)} of the original, ${formatPercent(aware.predictedByScore)} by score alone${lat ? `; measured ${formatPercent(lat.ratio)}` : ''}`,
      );
    if (lat?.goal !== undefined && !lat.met)
      io.err(
        `note: latency target ${formatPercent(lat.goal)} not met within ±3 %: measured ${formatPercent(lat.ratio)} (timings on a loaded machine vary; see the attempts in --json)`,
      );
    const t = result.allocation.target;
    if (t && !t.met && t.metric !== 'latency')
      io.err(
        `note: target ${t.metric}=${t.fraction} not met within ±${t.tolerance * 100}%: reached ${t.achieved.toFixed(4)}${t.note ? ` (${t.note})` : ''}`,
      );
    if (result.verify) io.out(`verified: ${describeVerification(result.verify)}`);
    const rec = result.recovery;
    if (rec) io.out(recoveryLine(rec));
    io.out(
      `wrote ${opts.output}${opts.planOut ? `, plan ${opts.planOut}` : ''}${opts.report ? `, report ${opts.report}` : ''}`,
    );
  });
}

/** Top-1 of the original and the pruned model on `--eval-data` (nothing without it). */
async function accuracyBeforeAfter(
  original: Model,
  pruned: Model,
  opts: PruneFlagValues,
  threads: number | undefined,
): Promise<Omit<RunMeasurements, 'latency'>> {
  if (!opts.evalData) return {};
  const data = await loadData(opts.evalData, 'test', original, opts, 'eval');
  const options = threads ? { threads } : {};
  const before = await evaluateModel(original, data.loader, options);
  const after = await evaluateModel(pruned, data.loader, options);
  return {
    accuracy: { before: before.top1, after: after.top1, loss: { before: before.loss, after: after.loss } },
    accuracyData: opts.evalData,
  };
}

/** One line on what recovery did and what it cost. */
export function recoveryLine(rec: NonNullable<PruneResult['recovery']>): string {
  const cost = `${rec.samples} calibration images, ${rec.seconds.toFixed(1)} s`;
  if (rec.layers) {
    const done = rec.layers.filter((l) => !l.skipped && l.variance > 0);
    const mean = (f: (l: (typeof done)[number]) => number) =>
      done.reduce((p, l) => p + f(l), 0) / Math.max(1, done.length);
    return (
      `recovered (least squares): ${done.length} layers refitted, mean relative output error ` +
      `${mean((l) => l.before / l.variance).toFixed(3)} → ${mean((l) => l.after / l.variance).toFixed(3)} (${cost})`
    );
  }
  if (rec.compensated)
    return `recovered (FSM): ${rec.compensated.accepted} of ${rec.compensated.layers} layers compensated, ${rec.compensated.rolledBack} rolled back (${cost})`;
  return `recovered (${rec.method}${rec.foldedLayers ? `, ${rec.foldedLayers} folded layers` : ''}): ${cost}`;
}

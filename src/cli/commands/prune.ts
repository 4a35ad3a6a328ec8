// `pare prune MODEL -o OUT --criterion NAME --target macs=0.5`: score, allocate, cut, (verify,
// recover), write the smaller model with its plan and a report.

import { Command } from 'commander';
import { writePlan } from '../../analysis/plan.js';
import type { NormalizerName } from '../../criteria/normalizers.js';
import type { ReducerName } from '../../criteria/reducers.js';
import { criterionNames } from '../../criteria/registry.js';
import type { Model } from '../../ir/model.js';
import { compressRecipe } from '../../methods/compress-recipes.js';
import { type PruneResult, pruneModel, type RecoveryName, recoveryNames } from '../../methods/prune.js';
import { recipeNames } from '../../methods/recipes.js';
import { writeModel } from '../../onnx/write.js';
import { describeVerification } from '../../surgery/verify.js';
import { evaluateModel } from '../../train/evaluate.js';
import { PareError } from '../../util/errors.js';
import { addDataOptions, calibrationLoader, loadData, resolvePreprocess } from '../data-options.js';
import { formatPercent, renderSizeTable, renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { parseFloatOption, parseIntOption } from '../parse.js';
import { pruneCacp } from '../prune-cacp.js';
import { checkPruneFlags } from '../prune-flags.js';
import {
  defaultLatencyCache,
  leastSquaresOptions,
  type PruneCliOptions,
  parseCriterionOptions,
  parseTarget,
  recipeOf,
  withSensitivity,
} from '../prune-options.js';
import { reportFormatOf, writeRunReport } from '../report-output.js';
import { pruneRunRecord, type RunMeasurements } from '../run-records.js';
import { loadWithShapes } from './inspect.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function pruneCommand(io: CliIO): Command {
  const cmd = new Command('prune')
    .description(
      'prune channels to a MACs/params target (or ratio) with an importance criterion; write the smaller model',
    )
    .argument('<model>', 'ONNX model file')
    .requiredOption('-o, --output <file>', 'where to write the pruned model')
    .option(
      '--method <name>',
      `a published method's defaults for criterion, allocation and recovery: ${recipeNames.join(', ')}; or cacp (one conditional search, one model per --targets rate) (docs/methods.md)`,
    )
    .option('--criterion <name>', `importance criterion: ${criterionNames.join(', ')}`, 'l1')
    .option(
      '--target <metric=F>',
      'keep this fraction of the MACs, parameters or measured latency (macs=0.5, params=0.5, latency=0.5), or latency-ms=X',
    )
    .option(
      '--targets <metric=F,F,...>',
      '--method cacp: several rates from one search, e.g. macs=0.3,0.5,0.7; writes OUT.macs-0.3.onnx, ... and OUT.cacp.json',
    )
    .option(
      '--data <spec>',
      '--method cacp: labelled training data (held-out images score candidates, others recalibrate BN)',
    )
    .option('--episodes <n>', '--method cacp: learning episodes after the warm-up (default 100)')
    .option('--warmup <n>', '--method cacp: random episodes before learning (default 30)')
    .option(
      '--search-samples <n>',
      '--method cacp: held-out images each candidate is scored on (default 500)',
    )
    .option('--ratio <r>', 'remove this fraction of channels of every prunable group (uniform)')
    .option(
      '--global',
      'rank channels across groups (with --ratio: global ratio; with --target: the default search)',
    )
    .option(
      '--search <mode>',
      'how --target is met: global (threshold over normalised scores) or uniform (one ratio)',
    )
    .option(
      '--layer-ratio <pattern=r>',
      'per-layer ratio by node-name pattern (repeatable; --ratio for the rest)',
      collect,
      [],
    )
    .option(
      '--allocate <how>',
      "'sensitivity': per-group ratios from a sensitivity analysis (--sensitivity FILE), an accuracy-drop threshold searched to meet --target",
    )
    .option('--sensitivity <file>', 'JSON of pare sensitivity for --allocate sensitivity')
    .option(
      '--round-to <n>',
      "keep widths that are multiples of n (groups at least n wide); 'auto': ONNX Runtime's channel block on this CPU (16 with AVX-512, 8 with AVX2), 1: off",
      'auto',
    )
    .option('--min-channels <n>', 'fewest channels a group keeps', '1')
    .option('--max-ratio <r>', 'largest fraction of one group that may go')
    .option(
      '--protect <pattern>',
      'never prune groups touching nodes matching this (glob or /regex/; repeatable)',
      collect,
      [],
    )
    .option('--keep-residual', 'never prune residual streams (channels several layers write together)')
    .option(
      '--calib <spec>',
      'calibration data (activation, lasso and cap criteria; labelled for taylor and fisher; --recover bn|fsm|ls), e.g. idx:/usr/share/datasets/fashion-mnist',
    )
    .option('--calib-samples <n>', 'calibration samples, balanced per class', '512')
    .option(
      '--recover <method>',
      'after cutting: none, bn (re-estimate BatchNorm statistics on --calib), fsm (FSM distribution optimisation of the next BNs) or ls (least-squares refit of the layers that lost inputs, targets from the original model); docs/recovery.md',
      'none',
    )
    .option('--ls-ridge <r>', 'least squares: ridge relative to the mean feature variance (default 1e-4)')
    .option('--ls-features <from>', 'least squares: inputs from the pruned (He 2017) or original (CaP) model')
    .option('--verify', 'prove the pruned model equals the masked original on random inputs')
    .option('--plan-out <file>', 'write the pruning plan (re-apply with pare apply)')
    .option('--report <file>', 'write a report: FILE.html (a page with charts) or FILE.json (the run record)')
    .option(
      '--eval-data <spec>',
      'measure top-1 accuracy before and after on this data (test split), for the report',
    )
    .option('--reduce <how>', 'reduce member scores across a group: mean, sum, max, first')
    .option('--score-norm <how>', 'normalise group scores: none, mean, max, sum, standardize')
    .option('--criterion-opt <key=value>', 'criterion option (repeatable)', collect, [])
    .option(
      '--input-shape <shape>',
      'dynamic input dims for analysis and latency, e.g. 1x3x224x224 (the written model keeps them dynamic)',
    )
    .option('--fix-shape', 'write the model with the --input-shape dims fixed')
    .option('--no-latency', 'skip the ONNX Runtime latency measurement')
    .option('--latency-batch <n>', 'batch size latency is measured (and latency targets met) at', '1')
    .option(
      '--latency-cache <dir>',
      'folder of cached per-layer latency tables (default ~/.cache/pare/latency)',
    )
    .option('--ep <name>', 'ONNX Runtime execution provider latency is measured on', 'cpu')
    .option('--threads <n>', 'ONNX Runtime threads')
    .option('--json', 'print one JSON object');
  return addDataOptions(cmd).action(async (file: string, opts: PruneCliOptions, command: Command) => {
    if (opts.method === 'cacp') return pruneCacp(file, opts, command, io);
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
    const recipe = opts.method ? recipeOf(opts.method) : undefined;
    // A recipe fills in what the user did not set explicitly.
    const given = (key: string) => command.getOptionValueSource(key) === 'cli';
    if (recipe) {
      if (!given('criterion')) opts.criterion = recipe.criterion;
      if (!given('recover')) opts.recover = recipe.recover;
      if (!given('calibSamples')) opts.calibSamples = String(recipe.calibrationSamples);
      if (!given('search') && !given('global')) opts.search = recipe.search;
      if (!given('keepResidual')) opts.keepResidual = recipe.keepResidual;
    }
    const { model, numerics, declared } = await loadWithShapes(file, opts.inputShape);
    for (const w of numerics) io.err(w);
    const target = withSensitivity(parseTarget(opts), opts);
    if ((target.kind === 'latency' || target.kind === 'latency-ms') && !opts.latency)
      throw new PareError('PARE_CONFIG', `--target ${opts.target} measures latency: drop --no-latency`);
    for (const note of checkPruneFlags(opts, model)) io.err(note);
    const threads = opts.threads ? parseIntOption(opts.threads, '--threads') : undefined;
    const samples = parseIntOption(opts.calibSamples, '--calib-samples');
    const calib = opts.calib
      ? calibrationLoader(
          await loadData(opts.calib, 'train', model, { ...opts, batch: opts.batch ?? '64' }, 'eval'),
          samples,
          parseIntOption(opts.seed ?? '0', '--seed', 0),
          parseIntOption(opts.batch ?? '64', '--batch'),
        )
      : undefined;
    const recover = opts.recover as RecoveryName;
    if (!recoveryNames.includes(recover))
      throw new PareError('PARE_CONFIG', `--recover '${opts.recover}': expected ${recoveryNames.join(', ')}`);
    const result = await pruneModel(model, {
      criterion: opts.criterion,
      criterionOptions: parseCriterionOptions(opts.criterionOpt),
      ...(opts.reduce ? { reduce: opts.reduce as ReducerName } : {}),
      ...(opts.scoreNorm ? { normalize: opts.scoreNorm as NormalizerName } : {}),
      target,
      declared,
      ...(opts.fixShape ? { fixShape: true } : {}),
      ...(opts.latency
        ? {
            latency: {
              batch: parseIntOption(opts.latencyBatch, '--latency-batch'),
              providers: [opts.ep],
              cacheDir: opts.latencyCache ?? defaultLatencyCache(),
              ...(threads ? { threads } : {}),
            },
          }
        : {}),
      ...(calib ? { calibration: calib } : {}),
      calibrationSamples: samples,
      recover,
      leastSquares: leastSquaresOptions(opts, recipe),
      verify: opts.verify ?? false,
      ...(opts.keepResidual ? { keepResidual: true } : {}),
      ...(recipe?.criterionOptions && opts.criterionOpt.length === 0
        ? { criterionOptions: recipe.criterionOptions }
        : {}),
      ...(threads ? { threads } : {}),
      ...(recipe?.ga ? { ga: compressRecipe('ga').ga! } : {}),
      minChannels: parseIntOption(opts.minChannels ?? '1', '--min-channels'),
      roundTo: opts.roundTo === 'auto' || !opts.roundTo ? 'auto' : parseIntOption(opts.roundTo, '--round-to'),
      ...(opts.maxRatio ? { maxRatio: parseFloatOption(opts.maxRatio, '--max-ratio', 0, 1) } : {}),
      protect: opts.protect,
    });
    const lat = result.latency;
    const latency = lat ? { before: lat.beforeMs, after: lat.afterMs } : {};
    const measured = await accuracyBeforeAfter(model, result.model, opts, threads);
    writeModel(result.model, opts.output);
    if (opts.planOut) await writePlan(opts.planOut, result.allocation.plan);
    // The data preprocessing applies to the calibration and evaluation images; none when neither ran.
    const preprocess = opts.calib || opts.evalData ? resolvePreprocess(opts, model) : null;
    const report = {
      ...pruneRunRecord(
        file,
        opts.output,
        result,
        { latency, preprocess, ...measured },
        opts.method,
        command,
      ),
      roundTo: result.roundTo,
      latency: lat ?? null,
    };
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
  opts: PruneCliOptions,
  threads: number | undefined,
): Promise<Omit<RunMeasurements, 'latency'>> {
  if (!opts.evalData) return {};
  const data = await loadData(
    opts.evalData,
    'test',
    original,
    { ...opts, batch: opts.batch ?? '256' },
    'eval',
  );
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

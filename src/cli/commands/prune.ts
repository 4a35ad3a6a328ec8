// `pare prune MODEL -o OUT --criterion NAME --target macs=0.5`: score, allocate, cut, (verify,
// recover), write the smaller model with its plan and a report.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { AllocationTarget } from '../../allocate/allocate.js';
import { curvesFromSensitivity } from '../../allocate/sensitivity-curves.js';
import { writePlan } from '../../analysis/plan.js';
import type { NormalizerName } from '../../criteria/normalizers.js';
import type { ReducerName } from '../../criteria/reducers.js';
import { criterionNames } from '../../criteria/registry.js';
import type { Model } from '../../ir/model.js';
import {
  type PruneOptions,
  type PruneResult,
  pruneModel,
  type RecoveryName,
  recoveryNames,
} from '../../methods/prune.js';
import { type Recipe, recipeNames, recipes } from '../../methods/recipes.js';
import { writeModel } from '../../onnx/write.js';
import { describeVerification } from '../../surgery/verify.js';
import { evaluateModel } from '../../train/evaluate.js';
import { PareError } from '../../util/errors.js';
import {
  addDataOptions,
  calibrationLoader,
  type DataCliOptions,
  loadData,
  resolvePreprocess,
} from '../data-options.js';
import { formatCount, formatPercent, renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { parseFloatOption, parseIntOption } from '../parse.js';
import { checkPruneFlags } from '../prune-flags.js';
import { reportFormatOf, writeRunReport } from '../report-output.js';
import { pruneRunRecord, type RunMeasurements } from '../run-records.js';
import { loadWithShapes } from './inspect.js';

interface PruneCliOptions extends DataCliOptions {
  output: string;
  method?: string;
  criterion: string;
  keepResidual?: boolean;
  lsRidge?: string;
  lsFeatures?: string;
  target?: string;
  ratio?: string;
  global?: boolean;
  search?: string;
  layerRatio: string[];
  roundTo?: string;
  minChannels?: string;
  maxRatio?: string;
  protect: string[];
  calib?: string;
  calibSamples: string;
  recover: string;
  verify?: boolean;
  planOut?: string;
  report?: string;
  evalData?: string;
  reduce?: string;
  scoreNorm?: string;
  criterionOpt: string[];
  inputShape?: string;
  fixShape?: boolean;
  allocate?: string;
  sensitivity?: string;
  latency: boolean;
  latencyBatch: string;
  latencyCache?: string;
  ep: string;
  threads?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function parseTarget(
  opts: Pick<PruneCliOptions, 'target' | 'ratio' | 'global' | 'search' | 'layerRatio'>,
): PruneOptions['target'] {
  if (opts.target) {
    const m = /^(macs|params|latency|latency-ms)=([\d.]+)$/.exec(opts.target);
    if (!m)
      throw new PareError(
        'PARE_CONFIG',
        `--target '${opts.target}': expected macs=F, params=F or latency=F with F in (0, 1], or latency-ms=X, e.g. macs=0.5`,
      );
    if (m[1] === 'latency-ms')
      return { kind: 'latency-ms', ms: parseFloatOption(m[2]!, '--target', 1e-6, 1e9) };
    const fraction = parseFloatOption(m[2]!, '--target', 1e-6, 1);
    if (m[1] === 'latency') return { kind: 'latency', fraction };
    const search = opts.search ?? (opts.global === false ? 'uniform' : 'global');
    if (search !== 'global' && search !== 'uniform')
      throw new PareError('PARE_CONFIG', `--search '${search}': expected global or uniform`);
    return { kind: m[1] as 'macs' | 'params', fraction, search };
  }
  if (opts.layerRatio.length > 0) {
    const ratios = opts.layerRatio.map((spec) => {
      const eq = spec.lastIndexOf('=');
      if (eq < 1)
        throw new PareError(
          'PARE_CONFIG',
          `--layer-ratio '${spec}': expected PATTERN=RATIO, e.g. 'layer3.*'=0.5`,
        );
      return {
        pattern: spec.slice(0, eq),
        ratio: parseFloatOption(spec.slice(eq + 1), '--layer-ratio', 0, 1),
      };
    });
    return {
      kind: 'layers',
      ratios,
      ...(opts.ratio ? { otherwise: parseFloatOption(opts.ratio, '--ratio', 0, 1) } : {}),
    };
  }
  if (opts.ratio) {
    const ratio = parseFloatOption(opts.ratio, '--ratio', 0, 1);
    return { kind: opts.global ? 'global' : 'uniform', ratio } as AllocationTarget;
  }
  return { kind: 'criterion' };
}

function recipeOf(name: string): Recipe {
  const r = recipes[name];
  if (!r)
    throw new PareError('PARE_CONFIG', `--method '${name}': unknown method`, {
      notes: [`valid methods: ${recipeNames.join(', ')} (see docs/methods.md)`],
    });
  return r;
}

function leastSquaresOptions(
  opts: PruneCliOptions,
  recipe: Recipe | undefined,
): NonNullable<PruneOptions['leastSquares']> {
  const features = opts.lsFeatures ?? recipe?.leastSquares?.features;
  if (features !== undefined && features !== 'pruned' && features !== 'original')
    throw new PareError('PARE_CONFIG', `--ls-features '${features}': expected pruned or original`);
  return {
    ...recipe?.leastSquares,
    ...(features ? { features } : {}),
    ...(opts.lsRidge ? { ridge: parseFloatOption(opts.lsRidge, '--ls-ridge', 0, 1) } : {}),
  };
}

function parseCriterionOptions(list: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new PareError('PARE_CONFIG', `--criterion-opt '${item}': expected KEY=VALUE`);
    const raw = item.slice(eq + 1);
    out[item.slice(0, eq)] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : Number.isFinite(Number(raw)) && raw !== ''
            ? Number(raw)
            : raw;
  }
  return out;
}

export function pruneCommand(io: CliIO): Command {
  const cmd = new Command('prune')
    .description(
      'prune channels to a MACs/params target (or ratio) with an importance criterion; write the smaller model',
    )
    .argument('<model>', 'ONNX model file')
    .requiredOption('-o, --output <file>', 'where to write the pruned model')
    .option(
      '--method <name>',
      `a published method's defaults for criterion, allocation and recovery: ${recipeNames.join(', ')} (docs/methods.md)`,
    )
    .option('--criterion <name>', `importance criterion: ${criterionNames.join(', ')}`, 'l1')
    .option(
      '--target <metric=F>',
      'keep this fraction of the MACs, parameters or measured latency (macs=0.5, params=0.5, latency=0.5), or latency-ms=X',
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
    checkOutputPaths(
      [{ flag: 'model', path: file }],
      [
        { flag: '-o', path: opts.output },
        opts.planOut ? { flag: '--plan-out', path: opts.planOut } : undefined,
        opts.report ? { flag: '--report', path: opts.report } : undefined,
      ],
    );
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
    const pct = (a: number, b: number) => formatPercent(a / b);
    io.out(
      renderTable(
        ['', 'before', 'after', 'after/before'],
        [
          [
            'params',
            formatCount(report.before.params),
            formatCount(report.after.params),
            pct(report.after.params, report.before.params),
          ],
          [
            'MACs',
            formatCount(report.before.macs),
            formatCount(report.after.macs),
            pct(report.after.macs, report.before.macs),
          ],
          ...(lat
            ? [
                [
                  `latency (ms, batch ${lat.batch})`,
                  lat.beforeMs.toFixed(2),
                  lat.afterMs.toFixed(2),
                  formatPercent(lat.ratio),
                ],
              ]
            : []),
        ],
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

/** Where per-layer latency tables are cached unless --latency-cache says otherwise. */
function defaultLatencyCache(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pare', 'latency');
}

/** `--allocate sensitivity --sensitivity FILE`: the MACs/params target searched over an accuracy-drop threshold. */
function withSensitivity(
  target: PruneOptions['target'],
  opts: Pick<PruneCliOptions, 'allocate' | 'sensitivity' | 'target'>,
): PruneOptions['target'] {
  if (opts.allocate === undefined) return target;
  if (opts.allocate !== 'sensitivity')
    throw new PareError('PARE_CONFIG', `--allocate '${opts.allocate}': expected sensitivity`);
  if (target.kind !== 'macs' && target.kind !== 'params')
    throw new PareError('PARE_CONFIG', '--allocate sensitivity needs --target macs=F or params=F');
  if (!opts.sensitivity)
    throw new PareError('PARE_CONFIG', '--allocate sensitivity needs --sensitivity FILE', {
      notes: ['write one with: pare sensitivity MODEL --data SPEC -o FILE'],
    });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(opts.sensitivity, 'utf8'));
  } catch (e) {
    throw new PareError(
      'PARE_CONFIG',
      `--sensitivity '${opts.sensitivity}' cannot be read as JSON: ${(e as Error).message}`,
      {
        file: opts.sensitivity,
      },
    );
  }
  return { ...target, search: 'sensitivity', curves: curvesFromSensitivity(json, opts.sensitivity) };
}

// `pare prune MODEL -o OUT --criterion NAME --target macs=0.5`: score, allocate, cut, (verify,
// recover), write the smaller model with its plan and a report.

import { Command } from 'commander';
import type { AllocationTarget } from '../../allocate/allocate.js';
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
import { measureLatency } from '../../runtime/latency.js';
import { describeVerification } from '../../surgery/verify.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { PareError } from '../../util/errors.js';
import { addDataOptions, calibrationLoader, type DataCliOptions, loadData } from '../data-options.js';
import { formatCount, formatPercent, renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { parseFloatOption, parseIntOption } from '../parse.js';
import { checkPruneFlags } from '../prune-flags.js';
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
  reduce?: string;
  scoreNorm?: string;
  criterionOpt: string[];
  inputShape?: string;
  latency: boolean;
  threads?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function parseTarget(
  opts: Pick<PruneCliOptions, 'target' | 'ratio' | 'global' | 'search' | 'layerRatio'>,
): PruneOptions['target'] {
  if (opts.target) {
    const m = /^(macs|params)=([\d.]+)$/.exec(opts.target);
    if (!m)
      throw new PareError(
        'PARE_CONFIG',
        `--target '${opts.target}': expected macs=F or params=F with F in (0, 1], e.g. macs=0.5`,
      );
    const fraction = parseFloatOption(m[2]!, '--target', 1e-6, 1);
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

async function latencyOf(model: Model, threads: number | undefined): Promise<number> {
  const r = await measureLatency(model, { batch: 1, warmup: 3, runs: 15, ...(threads ? { threads } : {}) });
  return r.medianMs;
}

export function pruneReport(
  file: string,
  output: string,
  r: PruneResult,
  latency: { before?: number; after?: number },
  method?: string,
) {
  return {
    model: file,
    output,
    ...(method ? { method } : {}),
    criterion: r.importance.criterion,
    reduce: r.importance.reduce,
    normalize: r.importance.normalize,
    before: {
      params: r.before.params,
      macs: r.before.macs,
      ...(latency.before !== undefined ? { latencyMs: latency.before } : {}),
    },
    after: {
      params: r.after.params,
      macs: r.after.macs,
      ...(latency.after !== undefined ? { latencyMs: latency.after } : {}),
    },
    target: r.allocation.target ?? null,
    groups: r.analysis.groups.map((g) => ({
      id: g.id,
      channels: g.size,
      kept: r.allocation.kept.get(g.id)?.length ?? g.size,
      ...(r.allocation.frozen.has(g.id) ? { frozen: r.allocation.frozen.get(g.id) } : {}),
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
  };
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
    .option('--target <metric=F>', 'keep this fraction of the MACs or parameters, e.g. macs=0.5')
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
    .option('--round-to <n>', 'keep widths that are multiples of n (groups at least n wide)')
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
      'calibration data (activation, lasso and cap criteria; --recover bn|fsm|ls), e.g. idx:/usr/share/datasets/fashion-mnist',
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
    .option('--report <file>', 'write a JSON report')
    .option('--reduce <how>', 'reduce member scores across a group: mean, sum, max, first')
    .option('--score-norm <how>', 'normalise group scores: none, mean, max, sum, standardize')
    .option('--criterion-opt <key=value>', 'criterion option (repeatable)', collect, [])
    .option('--input-shape <shape>', 'fix dynamic input dims, e.g. 1x3x224x224')
    .option('--no-latency', 'skip the ONNX Runtime latency measurement')
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
    const { model, numerics } = await loadWithShapes(file, opts.inputShape);
    for (const w of numerics) io.err(w);
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
      target: parseTarget(opts),
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
      ...(opts.roundTo ? { roundTo: parseIntOption(opts.roundTo, '--round-to') } : {}),
      ...(opts.maxRatio ? { maxRatio: parseFloatOption(opts.maxRatio, '--max-ratio', 0, 1) } : {}),
      protect: opts.protect,
    });
    const latency = opts.latency
      ? { before: await latencyOf(model, threads), after: await latencyOf(result.model, threads) }
      : {};
    writeModel(result.model, opts.output);
    if (opts.planOut) await writePlan(opts.planOut, result.allocation.plan);
    const report = pruneReport(file, opts.output, result, latency, opts.method);
    if (opts.report) writeFileAtomic(opts.report, `${JSON.stringify(report, null, 2)}\n`);
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
          ...(latency.before !== undefined && latency.after !== undefined
            ? [
                [
                  'latency (ms, batch 1)',
                  latency.before.toFixed(2),
                  latency.after.toFixed(2),
                  pct(latency.after, latency.before),
                ],
              ]
            : []),
        ],
      ),
    );
    const t = result.allocation.target;
    if (t && !t.met)
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

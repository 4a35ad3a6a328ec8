// `pare prune MODEL --method cacp --targets macs=0.3,0.5,0.7 --data SPEC -o OUT`: one conditional
// search, one pruned model per rate (OUT with the rate in its name: out.macs-0.3.onnx, ...) and a
// JSON listing them (out.cacp.json). The --data split gives two disjoint, class-balanced subsets:
// calibration (BN repair during the search, recovery after) and held-out images for the reward.

import { extname } from 'node:path';
import type { Command } from 'commander';
import { BatchLoader } from '../data/batch-loader.js';
import { sampleBalanced } from '../data/calibration-sampler.js';
import { subsetDataset } from '../data/dataset.js';
import { buildTransforms } from '../data/transform-options.js';
import { type CacpPruneResult, cacpPrune } from '../methods/cacp.js';
import type { RecoveryName } from '../methods/prune.js';
import { recoveryNames } from '../methods/prune.js';
import { writeModel } from '../onnx/write.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { PareError } from '../util/errors.js';
import { loadWithShapes } from './commands/inspect.js';
import { loadData, resolvePreprocess } from './data-options.js';
import { formatPercent, renderTable } from './format.js';
import type { CliIO } from './io.js';
import { checkOutputPaths } from './output-paths.js';
import { parseFloatOption, parseIntOption } from './parse.js';
import { defaultLatencyCache, type PruneCliOptions, parseCriterionOptions } from './prune-options.js';
import { reportFormatOf, writeRunReport } from './report-output.js';
import { pruneRunRecord } from './run-records.js';

/** `macs=0.3,0.5,0.7` → the metric and the fractions to keep. */
export function parseTargets(text: string | undefined): { metric: 'macs' | 'params'; fractions: number[] } {
  const m = /^(macs|params)=([\d.,\s]+)$/.exec(text?.trim() ?? '');
  const fractions = m?.[2]?.split(',').map((x) => Number(x.trim())) ?? [];
  if (!m || fractions.length === 0 || fractions.some((f) => !(f > 0 && f <= 1)))
    throw new PareError(
      'PARE_CONFIG',
      text === undefined
        ? '--method cacp needs --targets, e.g. --targets macs=0.3,0.5,0.7'
        : `--targets '${text}': expected macs=F,F,... or params=F,F,... with every F in (0, 1], e.g. macs=0.3,0.5,0.7`,
    );
  if (new Set(fractions).size !== fractions.length)
    throw new PareError('PARE_CONFIG', `--targets '${text}': a rate is given twice`);
  return { metric: m[1] as 'macs' | 'params', fractions };
}

/** OUT with the rate in its name: `out.onnx` → `out.macs-0.3.onnx`. */
export function ratedPath(output: string, metric: string, fraction: number): string {
  const ext = extname(output) || '.onnx';
  const stem = output.endsWith(ext) ? output.slice(0, -ext.length) : output;
  return `${stem}.${metric}-${fraction}${ext}`;
}

/** The search's JSON beside the models: `out.onnx` → `out.cacp.json`. */
export function cacpJsonPath(output: string): string {
  const ext = extname(output);
  return `${ext ? output.slice(0, -ext.length) : output}.cacp.json`;
}

export async function pruneCacp(
  file: string,
  opts: PruneCliOptions,
  command: Command,
  io: CliIO,
): Promise<void> {
  const { metric, fractions } = parseTargets(opts.targets);
  if (opts.target || opts.ratio || opts.layerRatio.length > 0 || opts.allocate)
    throw new PareError(
      'PARE_CONFIG',
      '--method cacp takes --targets (one search, several rates), not --target, --ratio, --layer-ratio or --allocate',
    );
  if (opts.planOut)
    throw new PareError(
      'PARE_CONFIG',
      '--plan-out writes one plan: not with --method cacp (the JSON beside the models lists every rate)',
    );
  if (!opts.data)
    throw new PareError(
      'PARE_CONFIG',
      '--method cacp needs --data SPEC: labelled training images for the search reward',
      {
        notes: [
          'e.g. --data idx:/usr/share/datasets/fashion-mnist; a held-out part scores candidates, another part recalibrates them',
        ],
      },
    );
  const outputs = [...fractions]
    .sort((a, b) => a - b)
    .map((f) => ({ fraction: f, path: ratedPath(opts.output, metric, f) }));
  const json = cacpJsonPath(opts.output);
  checkOutputPaths(
    [{ flag: 'model', path: file }],
    [
      ...outputs.map((o) => ({ flag: `-o (${metric}=${o.fraction})`, path: o.path })),
      { flag: '-o (search JSON)', path: json },
      opts.report ? { flag: '--report', path: opts.report } : undefined,
    ],
  );
  if (opts.report) reportFormatOf(opts.report);
  const given = (key: string) => command.getOptionValueSource(key) === 'cli';
  const recover = (given('recover') ? opts.recover : 'bn') as RecoveryName;
  if (!recoveryNames.includes(recover))
    throw new PareError('PARE_CONFIG', `--recover '${opts.recover}': expected ${recoveryNames.join(', ')}`);
  const threads = opts.threads ? parseIntOption(opts.threads, '--threads') : undefined;
  const seed = parseIntOption(opts.seed ?? '0', '--seed', 0);
  const calibSamples = given('calibSamples') ? parseIntOption(opts.calibSamples, '--calib-samples') : 256;
  const searchSamples = parseIntOption(opts.searchSamples ?? '500', '--search-samples');
  const { model, numerics, declared } = await loadWithShapes(file, opts.inputShape);
  for (const w of numerics) io.err(w);
  const data = await loadData(opts.data, 'train', model, { ...opts, batch: opts.batch ?? '64' }, 'eval');
  const { calibration, evaluation } = splitData(
    data,
    calibSamples,
    searchSamples,
    seed,
    parseIntOption(opts.batch ?? '64', '--batch'),
  );
  const r = await cacpPrune(model, {
    ...(given('criterion') ? { criterion: opts.criterion } : {}),
    criterionOptions: parseCriterionOptions(opts.criterionOpt),
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
    calibration,
    calibrationSamples: calibSamples,
    recover,
    verify: opts.verify ?? false,
    ...(given('keepResidual') ? { keepResidual: opts.keepResidual ?? false } : {}),
    ...(threads ? { threads } : {}),
    minChannels: parseIntOption(opts.minChannels ?? '1', '--min-channels'),
    roundTo: opts.roundTo === 'auto' || !opts.roundTo ? 'auto' : parseIntOption(opts.roundTo, '--round-to'),
    ...(opts.maxRatio ? { maxRatio: parseFloatOption(opts.maxRatio, '--max-ratio', 0, 1) } : {}),
    protect: opts.protect,
    search: {
      targets: fractions,
      metric,
      evaluation,
      samples: searchSamples,
      seed,
      ...(opts.episodes ? { episodes: parseIntOption(opts.episodes, '--episodes', 0) } : {}),
      ...(opts.warmup ? { warmup: parseIntOption(opts.warmup, '--warmup', 0) } : {}),
    },
  });
  const preprocess = resolvePreprocess(opts, model);
  const written = r.models.map((x, i) => {
    writeModel(x.result.model, outputs[i]!.path);
    return { ...x, file: outputs[i]!.path };
  });
  const summary = cacpSummary(
    file,
    r,
    written.map((w) => w.file),
  );
  writeFileAtomic(json, `${JSON.stringify(summary, null, 2)}\n`);
  if (opts.report)
    await writeRunReport(
      opts.report,
      written.map((w) => ({
        ...pruneRunRecord(file, w.file, w.result, { preprocess }, 'cacp', command),
        roundTo: w.result.roundTo,
        latency: w.result.latency ?? null,
      })),
    );
  for (const w of written)
    if (w.result.latency?.slower)
      io.err(
        `warning: ${w.file} is SLOWER than the original: ${w.result.latency.beforeMs.toFixed(2)} → ${w.result.latency.afterMs.toFixed(2)} ms`,
      );
  if (opts.json) {
    io.out(JSON.stringify(summary));
    return;
  }
  io.out(
    renderTable(
      ['rate', 'file', `${metric} kept`, 'search top-1', 'verified'],
      written.map((w, i) => [
        `${metric}=${w.fraction}`,
        w.file,
        formatPercent(summary.models[i]!.achieved),
        formatPercent(summary.models[i]!.searchTop1),
        w.result.verify
          ? `${w.result.verify.passed ? 'yes' : 'FAILED'} (relative error ${w.result.verify.relativeError.toExponential(1)})`
          : 'no',
      ]),
    ),
  );
  const missed = r.search.targets.filter((t) => !t.met);
  for (const t of missed)
    io.err(`note: ${metric}=${t.fraction} not met: kept ${formatPercent(t.achieved)} (${t.note ?? ''})`);
  io.out(
    `one search: ${r.search.episodes.length} episodes, ${r.search.evaluations} candidates evaluated, ${r.search.seconds.toFixed(1)} s; wrote ${written.length} models and ${json}`,
  );
}

/** Two disjoint class-balanced subsets of the training split: calibration, then the reward's held-out images. */
function splitData(
  data: Awaited<ReturnType<typeof loadData>>,
  calibSamples: number,
  evalSamples: number,
  seed: number,
  batchSize: number,
): { calibration: BatchLoader; evaluation: BatchLoader } {
  const ds = data.dataset;
  const transforms = buildTransforms(data.preprocess, 'eval');
  const calib = sampleBalanced(ds.labels, ds.numClasses, calibSamples, seed);
  const taken = new Set(calib);
  const rest = Int32Array.from({ length: ds.labels.length }, (_, i) => i).filter((i) => !taken.has(i));
  const restLabels = Int32Array.from(rest, (i) => ds.labels[i]!);
  const held = Int32Array.from(
    sampleBalanced(restLabels, ds.numClasses, evalSamples, seed + 1),
    (j) => rest[j]!,
  );
  if (held.length === 0)
    throw new PareError(
      'PARE_DATA',
      `--data '${ds.name}' has no images left for the search reward after ${calib.length} calibration images`,
      {
        notes: ['lower --calib-samples'],
      },
    );
  const loader = (indices: Int32Array, name: string) =>
    new BatchLoader(subsetDataset(ds, indices, `${ds.name} ${name}`), {
      batchSize,
      shuffle: false,
      seed,
      transforms,
    });
  return { calibration: loader(calib, 'calibration'), evaluation: loader(held, 'search held-out') };
}

/** The JSON written beside the models: the search (per-rate widths, episodes) and each written file. */
export function cacpSummary(file: string, r: CacpPruneResult, files: readonly string[]) {
  const s = r.search;
  return {
    kind: 'cacp',
    model: file,
    metric: s.metric,
    criterion: s.criterion,
    roundTo: r.roundTo,
    seed: s.seed,
    search: {
      conditional: s.conditional,
      episodes: s.episodes.length,
      evaluations: s.evaluations,
      samples: s.samples,
      seconds: s.seconds,
      baseline: s.baseline,
      history: s.episodes,
    },
    models: r.models.map((m, i) => {
      const t = s.targets[i]!;
      return {
        fraction: m.fraction,
        file: files[i],
        achieved: m.result.after[s.metric] / m.result.before[s.metric],
        met: t.met,
        ...(t.note ? { note: t.note } : {}),
        searchTop1: t.top1,
        source: t.source,
        widths: s.groups.map((g) => ({
          id: g.id,
          channels: g.channels,
          kept: t.keep.get(g.id) ?? g.channels,
        })),
        before: { macs: m.result.before.macs, params: m.result.before.params },
        after: { macs: m.result.after.macs, params: m.result.after.params },
        verified: m.result.verify ? m.result.verify.passed : null,
        recovery: m.result.recovery?.method ?? 'none',
        latency: m.result.latency ?? null,
      };
    }),
  };
}

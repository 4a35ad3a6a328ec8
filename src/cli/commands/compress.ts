// `pare compress`: prune while training with a shipped method (--method) or a recipe file (--recipe),
// distilling from the original by default; writes the model like `pare prune` (plus --plan-out,
// --report). Checkpoints at every stage and chunk; --resume continues; Ctrl-C checkpoints and exits.

import { Command } from 'commander';
import { writePlan } from '../../analysis/plan.js';
import { compressModel } from '../../methods/compress.js';
import { type CompressRecipe, readRecipe, withDistillationAlpha } from '../../methods/compress-recipe.js';
import { compressMethodNames, compressRecipe } from '../../methods/compress-recipes.js';
import type { CompressEvent, CompressResult } from '../../methods/compress-types.js';
import { measurePair } from '../../methods/latency-target.js';
import { readModel } from '../../onnx/read.js';
import { writeModel } from '../../onnx/write.js';
import { describeVerification } from '../../surgery/verify.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { PareError } from '../../util/errors.js';
import { type CompressFlagValues, compressFlags } from '../compress-table.js';
import { calibrationLoader, loadData, recordPreprocess } from '../data-options.js';
import { addFlags, optionsOf, readFlags } from '../flags.js';
import { formatPercent, renderSizeTable, unsteadyLatencyNote } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { formatEta, ProgressLine } from '../progress.js';
import { parseTarget } from '../prune-options.js';

export function compressCommand(io: CliIO): Command {
  const cmd = new Command('compress')
    .description(
      'prune while training: a published method end to end (schedule, fine-tuning with distillation, final cut)',
    )
    .argument('<model>', 'trained ONNX model');
  return addFlags(cmd, compressFlags).action(async (file: string, raw: Record<string, unknown>) => {
    const opts = readFlags(compressFlags, raw);
    checkOutputPaths(
      [{ flag: 'model', path: file }, opts.recipe ? { flag: '--recipe', path: opts.recipe } : undefined],
      [
        { flag: '-o', path: opts.output },
        opts.planOut ? { flag: '--plan-out', path: opts.planOut } : undefined,
        opts.report ? { flag: '--report', path: opts.report } : undefined,
      ],
    );
    const recipe = withTrainFlags(chooseRecipe(opts), opts);
    const target = parseTarget({ target: opts.target, layerRatio: [], search: recipe.search });
    if (target.kind !== 'macs' && target.kind !== 'params')
      throw new PareError('PARE_CONFIG', '--target: expected macs=F or params=F');
    const model = readModel(file);
    // The recipe's batch unless --batch is given.
    const batch = cmd.getOptionValueSource('batch') === 'cli' ? opts.batch : recipe.train.batch;
    const augment = {
      cropPadding: opts.cropPad ?? recipe.train.cropPad,
      flip: opts.flip ?? recipe.train.flip,
    };
    const train = await loadData(opts.data, 'train', model, { ...opts, batch }, 'train', augment);
    const test = await loadData(opts.data, 'test', model, { ...opts, batch: 500 }, 'eval');
    const seed = opts.seed;
    const calibration = calibrationLoader(train, Math.min(train.dataset.size, 4096), seed);
    const threads = opts.threads;
    const dir = opts.checkpointDir ?? `${opts.output}.ckpt`;
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const progress = new ProgressLine(ProgressLine.modeFor(io.isTTY, opts.json), (t) => io.err(t));
    const onEvent = eventPrinter(io, progress, opts.json ?? false);
    let result: CompressResult;
    try {
      result = await compressModel(model, {
        ...optionsOf(compressFlags, opts),
        recipe,
        target,
        train: train.loader,
        calibration,
        test: test.loader,
        // --no-teacher turns distillation off; without it the recipe decides.
        ...(opts.teacher === false ? { teacher: false } : {}),
        seed,
        checkpoint: { dir, ...(opts.resume ? { resume: true } : {}) },
        signal: abort.signal,
        onEvent,
      });
    } catch (e) {
      progress.done();
      if (abort.signal.aborted) {
        io.err(`interrupted: checkpoint in ${dir}; continue with the same command and --resume`);
        process.exitCode = 130;
        return;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
    progress.done();
    recordPreprocess(result.model, train.preprocess);
    // Original and result interleaved, so a load change on a shared machine hits both alike.
    const measured = opts.latency
      ? await measurePair(model, result.model, { batch: 1, rounds: 20, ...(threads ? { threads } : {}) })
      : undefined;
    writeModel(result.model, opts.output);
    if (opts.planOut) await writePlan(opts.planOut, result.plan);
    const report = {
      model: file,
      output: opts.output,
      method: recipe.name,
      target,
      seed,
      engine: result.engine,
      ...(result.dnnlFallback ? { dnnlFallback: result.dnnlFallback } : {}),
      ...(result.adversarialSkipped ? { adversarialSkipped: result.adversarialSkipped } : {}),
      unfoldedBatchNorm: result.unfoldedBatchNorm,
      chunks: result.chunks,
      stepsPerChunk: result.stepsPerChunk,
      before: {
        params: result.before.params,
        macs: result.before.macs,
        ...(measured ? { latencyMs: measured.beforeMs } : {}),
      },
      after: {
        params: result.after.params,
        macs: result.after.macs,
        ...(measured ? { latencyMs: measured.afterMs } : {}),
      },
      accuracy: result.stages.at(-1)?.accuracy ?? null,
      latency: measured ?? null,
      verify: result.verify ? { passed: result.verify.passed, maxAbsDiff: result.verify.maxAbsDiff } : null,
      stages: result.stages,
      seconds: result.seconds,
      recipe,
    };
    if (opts.report) writeFileAtomic(opts.report, `${JSON.stringify(report, null, 2)}\n`);
    // Never write a slower model quietly (stderr, so also beside --json; `latency.slower` in the report).
    if (measured && !measured.steady) io.err(unsteadyLatencyNote(measured));
    if (measured?.slower)
      io.err(
        `warning: the pruned model is SLOWER than the original: ${measured.beforeMs.toFixed(2)} → ${measured.afterMs.toFixed(2)} ms (${formatPercent(measured.ratio)}) at batch 1; use --round-to auto (the default) or a multiple of ONNX Runtime's channel block`,
      );
    if (opts.json) {
      io.out(JSON.stringify({ kind: 'report', report }));
      return;
    }
    io.out(
      renderSizeTable(
        report.before,
        report.after,
        measured
          ? {
              label: 'latency (ms, batch 1)',
              before: measured.beforeMs,
              after: measured.afterMs,
              ratio: measured.ratio,
            }
          : undefined,
      ),
    );
    if (result.verify) io.out(`verified: ${describeVerification(result.verify)}`);
    if (result.adversarialSkipped)
      io.err(`warning: ${recipe.name}'s adversarial term did not run: ${result.adversarialSkipped}`);
    io.out(
      `${recipe.name} (${result.engine}): test acc ${report.accuracy === null ? 'n/a' : formatPercent(report.accuracy)}, ${result.seconds.toFixed(0)} s; wrote ${opts.output}${opts.planOut ? `, plan ${opts.planOut}` : ''}${opts.report ? `, report ${opts.report}` : ''}`,
    );
  });
}

function chooseRecipe(opts: Pick<CompressFlagValues, 'method' | 'recipe'>): CompressRecipe {
  if (opts.method && opts.recipe) throw new PareError('PARE_CONFIG', 'give --method or --recipe, not both');
  if (opts.recipe) return readRecipe(opts.recipe);
  if (!opts.method)
    throw new PareError('PARE_CONFIG', 'give --method NAME or --recipe FILE', {
      notes: [`methods: ${compressMethodNames.join(', ')}`],
    });
  return compressRecipe(opts.method);
}

/** --lr and --kd-alpha over the recipe's training settings. */
function withTrainFlags(
  recipe: CompressRecipe,
  opts: Pick<CompressFlagValues, 'lr' | 'kdAlpha' | 'teacher'>,
): CompressRecipe {
  if (opts.kdAlpha !== undefined && opts.teacher === false)
    throw new PareError(
      'PARE_CONFIG',
      '--kd-alpha weighs the distillation that --no-teacher turns off: give one of them',
    );
  const weighed = opts.kdAlpha === undefined ? recipe : withDistillationAlpha(recipe, opts.kdAlpha);
  return opts.lr === undefined ? weighed : { ...weighed, train: { ...weighed.train, lr: opts.lr } };
}

/** NDJSON with --json; otherwise a progress bar on a TTY and one line per stage. */
function eventPrinter(io: CliIO, progress: ProgressLine, json: boolean): (e: CompressEvent) => void {
  const t0 = Date.now();
  return (e) => {
    if (json) {
      if (e.kind === 'train' && e.event.kind === 'step' && e.event.step % 10 !== 0) return;
      io.out(JSON.stringify(e));
      return;
    }
    if (e.kind === 'train') {
      if (e.event.kind !== 'step') return;
      const done = e.chunk + e.event.step / e.event.stepsPerEpoch;
      const eta = ((Date.now() - t0) / 1000 / Math.max(done, 1e-9)) * (e.chunks - done);
      const width = 24;
      const filled = Math.round((done / e.chunks) * width);
      progress.update(
        `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] chunk ${e.chunk + 1}/${e.chunks} loss ${e.event.loss.toFixed(4)} ${Math.round(e.event.imgPerSec)} img/s ETA ${formatEta(eta)}`,
      );
      return;
    }
    if (e.kind === 'stage') {
      progress.done();
      const s = e.stage;
      io.out(
        `${s.kind} @ epoch ${s.epoch.toFixed(2)}: MACs ${formatPercent(s.macsFraction)}${s.criterion ? ` (${s.criterion})` : ''}${s.accuracy !== undefined ? `, test acc ${formatPercent(s.accuracy)}` : ''}, ${s.seconds.toFixed(0)} s`,
      );
    } else if (e.kind === 'resumed') io.out(`resumed at chunk ${e.chunk}`);
  };
}

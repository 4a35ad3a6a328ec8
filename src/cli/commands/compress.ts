// `pare compress`: prune while training with a shipped method (--method) or a recipe file (--recipe),
// distilling from the original by default; writes the model like `pare prune` (plus --plan-out,
// --report). Checkpoints at every stage and chunk; --resume continues; Ctrl-C checkpoints and exits.

import { Command } from 'commander';
import { writePlan } from '../../analysis/plan.js';
import { compressModel } from '../../methods/compress.js';
import { type CompressRecipe, readRecipe } from '../../methods/compress-recipe.js';
import { compressMethodNames, compressRecipe } from '../../methods/compress-recipes.js';
import type { CompressEvent, CompressResult } from '../../methods/compress-types.js';
import { readModel } from '../../onnx/read.js';
import { writeModel } from '../../onnx/write.js';
import { compareLatency } from '../../runtime/latency.js';
import { describeVerification } from '../../surgery/verify.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { PareError } from '../../util/errors.js';
import {
  addDataOptions,
  calibrationLoader,
  type DataCliOptions,
  loadData,
  recordPreprocess,
} from '../data-options.js';
import { formatPercent, renderSizeTable } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { parseFloatOption, parseIntOption } from '../parse.js';
import { formatEta, ProgressLine } from '../progress.js';
import { parseTarget } from '../prune-options.js';

interface CompressCliOptions extends DataCliOptions {
  output: string;
  method?: string;
  recipe?: string;
  target: string;
  data: string;
  epochs?: string;
  lr?: string;
  teacher: boolean;
  cropPad?: string;
  flip?: boolean;
  evalSamples?: string;
  checkpointDir?: string;
  resume?: boolean;
  planOut?: string;
  report?: string;
  verify: boolean;
  latency: boolean;
  threads?: string;
  roundTo: string;
  engine: string;
  json?: boolean;
}

export function compressCommand(io: CliIO): Command {
  const cmd = new Command('compress')
    .description(
      'prune while training: a published method end to end (schedule, fine-tuning with distillation, final cut)',
    )
    .argument('<model>', 'trained ONNX model')
    .requiredOption('-o, --output <file>', 'where to write the pruned model')
    .option('--method <name>', `shipped recipe: ${compressMethodNames.join(', ')}`)
    .option('--recipe <file>', 'your own recipe (YAML or JSON; docs/methods.md lists the fields)')
    .requiredOption('--target <t>', 'macs=F or params=F: the fraction of the original kept')
    .requiredOption(
      '--data <spec>',
      'labelled training data (train split trains and scores, test split evaluates)',
    )
    .option('--epochs <n>', 'epochs of training in all (default: the recipe)')
    .option('--lr <rate>', 'base learning rate (default: the recipe)')
    .option('--no-teacher', 'no distillation from the original model')
    .option('--crop-pad <px>', 'pad-and-random-crop augmentation (default: the recipe)')
    .option('--flip', 'random horizontal flips')
    .option('--eval-samples <n>', 'test images per evaluation (default: the whole test split)')
    .option('--checkpoint-dir <dir>', 'checkpoints (default OUTPUT.ckpt)')
    .option('--resume', 'continue from the checkpoint directory')
    .option('--plan-out <file>', 'write the pruning plan (JSON)')
    .option('--report <file>', 'write the report (JSON: every stage with widths, MACs, accuracy, time)')
    .option('--no-verify', 'skip the proof that the cut equals the masked network')
    .option('--no-latency', 'skip the ONNX Runtime latency measurement')
    .option(
      '--round-to <n>',
      "kept widths in multiples of n; 'auto' (default): ONNX Runtime's channel block on this CPU, 1: off",
      'auto',
    )
    .option('--threads <n>', 'intra-op threads')
    .option('--engine <e>', 'training engine: auto, dnnl, nchwc or standard', 'auto')
    .option('--json', 'NDJSON progress events on stdout, then the report');
  return addDataOptions(cmd).action(async (file: string, opts: CompressCliOptions) => {
    checkOutputPaths(
      [{ flag: 'model', path: file }, opts.recipe ? { flag: '--recipe', path: opts.recipe } : undefined],
      [
        { flag: '-o', path: opts.output },
        opts.planOut ? { flag: '--plan-out', path: opts.planOut } : undefined,
        opts.report ? { flag: '--report', path: opts.report } : undefined,
      ],
    );
    const recipe = chooseRecipe(opts);
    const target = parseTarget({ target: opts.target, layerRatio: [], search: recipe.search });
    if (target.kind !== 'macs' && target.kind !== 'params')
      throw new PareError('PARE_CONFIG', '--target: expected macs=F or params=F');
    const model = readModel(file);
    const batch =
      opts.batch && cmd.getOptionValueSource('batch') === 'cli' ? opts.batch : String(recipe.train.batch);
    const augment = {
      cropPadding: opts.cropPad ? parseIntOption(opts.cropPad, '--crop-pad', 0) : recipe.train.cropPad,
      flip: opts.flip ?? recipe.train.flip,
    };
    const train = await loadData(opts.data, 'train', model, { ...opts, batch }, 'train', augment);
    const test = await loadData(opts.data, 'test', model, { ...opts, batch: '500' }, 'eval');
    const seed = parseIntOption(opts.seed ?? '0', '--seed', 0);
    const calibration = calibrationLoader(train, Math.min(train.dataset.size, 4096), seed);
    const threads = opts.threads ? parseIntOption(opts.threads, '--threads') : undefined;
    const dir = opts.checkpointDir ?? `${opts.output}.ckpt`;
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const progress = new ProgressLine(ProgressLine.modeFor(io.isTTY, opts.json), (t) => io.err(t));
    const onEvent = eventPrinter(io, progress, opts.json ?? false);
    let result: CompressResult;
    try {
      result = await compressModel(model, {
        recipe: opts.lr
          ? { ...recipe, train: { ...recipe.train, lr: parseFloatOption(opts.lr, '--lr', 0) } }
          : recipe,
        target,
        train: train.loader,
        calibration,
        test: test.loader,
        ...(opts.evalSamples ? { evalSamples: parseIntOption(opts.evalSamples, '--eval-samples') } : {}),
        ...(opts.epochs ? { epochs: parseIntOption(opts.epochs, '--epochs') } : {}),
        ...(opts.teacher === false ? { teacher: false } : {}),
        seed,
        verify: opts.verify,
        ...(threads ? { threads } : {}),
        roundTo: opts.roundTo === 'auto' ? 'auto' : parseIntOption(opts.roundTo, '--round-to'),
        engine: parseEngine(opts.engine),
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
      ? await compareLatency([model, result.model], {
          batch: 1,
          warmup: 3,
          runs: 20,
          ...(threads ? { threads } : {}),
        })
      : undefined;
    const latency = measured
      ? { before: measured.medianMs[0]!, after: measured.medianMs[1]!, ratio: measured.ratio[1]! }
      : {};
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
        ...(latency.before ? { latencyMs: latency.before } : {}),
      },
      after: {
        params: result.after.params,
        macs: result.after.macs,
        ...(latency.after ? { latencyMs: latency.after } : {}),
      },
      accuracy: result.stages.at(-1)?.accuracy ?? null,
      verify: result.verify ? { passed: result.verify.passed, maxAbsDiff: result.verify.maxAbsDiff } : null,
      stages: result.stages,
      seconds: result.seconds,
      recipe,
    };
    if (opts.report) writeFileAtomic(opts.report, `${JSON.stringify(report, null, 2)}\n`);
    if (opts.json) {
      io.out(JSON.stringify({ kind: 'report', report }));
      return;
    }
    io.out(
      renderSizeTable(
        report.before,
        report.after,
        latency.before !== undefined && latency.after !== undefined
          ? {
              label: 'latency (ms, batch 1)',
              before: latency.before,
              after: latency.after,
              ratio: latency.ratio,
            }
          : undefined,
      ),
    );
    if (result.verify) io.out(`verified: ${describeVerification(result.verify)}`);
    if (result.adversarialSkipped)
      io.err(`warning: ${recipe.name}'s adversarial term did not run: ${result.adversarialSkipped}`);
    // Never write a slower model quietly.
    if (latency.ratio !== undefined && latency.ratio >= 1)
      io.err(
        `warning: the pruned model is SLOWER than the original: ${latency.before!.toFixed(2)} → ${latency.after!.toFixed(2)} ms (${formatPercent(latency.ratio)}) at batch 1; use --round-to auto (the default) or a multiple of ONNX Runtime's channel block`,
      );
    io.out(
      `${recipe.name} (${result.engine}): test acc ${report.accuracy === null ? 'n/a' : formatPercent(report.accuracy)}, ${result.seconds.toFixed(0)} s; wrote ${opts.output}${opts.planOut ? `, plan ${opts.planOut}` : ''}${opts.report ? `, report ${opts.report}` : ''}`,
    );
  });
}

function chooseRecipe(opts: CompressCliOptions): CompressRecipe {
  if (opts.method && opts.recipe) throw new PareError('PARE_CONFIG', 'give --method or --recipe, not both');
  if (opts.recipe) return readRecipe(opts.recipe);
  if (!opts.method)
    throw new PareError('PARE_CONFIG', 'give --method NAME or --recipe FILE', {
      notes: [`methods: ${compressMethodNames.join(', ')}`],
    });
  return compressRecipe(opts.method);
}

function parseEngine(text: string): 'auto' | 'standard' | 'nchwc' | 'dnnl' {
  if (text === 'auto' || text === 'standard' || text === 'nchwc' || text === 'dnnl') return text;
  throw new PareError('PARE_CONFIG', `--engine '${text}': expected auto, dnnl, nchwc or standard`);
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

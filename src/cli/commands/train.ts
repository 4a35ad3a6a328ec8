// `pare train MODEL --data SPEC -o OUT`: train or fine-tune with pare's engine (ONNX autodiff run by
// ONNX Runtime), optionally distilling from a teacher model.

import { Command } from 'commander';
import type { OptimizerOptions } from '../../autodiff/optim/optimizer.js';
import { readModel } from '../../onnx/read.js';
import { writeModel } from '../../onnx/write.js';
import { computeCosts } from '../../ops/costs.js';
import { loadCheckpointState, saveCheckpoint, sidecarPath } from '../../train/checkpoint.js';
import { evaluateModel } from '../../train/evaluate.js';
import { type FeatureDistillation, parseFeaturePairs } from '../../train/feature-pairs.js';
import { reinitializeModel } from '../../train/reinit.js';
import { parseSchedule } from '../../train/schedule.js';
import { type TrainEvent, trainModel } from '../../train/trainer.js';
import { PareError } from '../../util/errors.js';
import { loadData, recordPreprocess } from '../data-options.js';
import { addFlags, readFlags } from '../flags.js';
import { formatPercent } from '../format.js';
import { Interrupted, onInterrupt } from '../interrupt.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { formatEta, ProgressLine } from '../progress.js';
import { reportFormatOf, writeRunReport } from '../report-output.js';
import { trainRunRecord } from '../run-records.js';
import { type TrainFlagValues, trainFlags } from '../train-table.js';

function optimizerFrom(opts: TrainFlagValues): OptimizerOptions {
  const weightDecay = opts.wd;
  if (opts.optimizer === 'sgd')
    return { kind: 'sgd', momentum: opts.momentum, nesterov: opts.nesterov ?? false, weightDecay };
  return { kind: opts.optimizer, weightDecay };
}

function featureDistillationFrom(opts: TrainFlagValues, pairs: string): FeatureDistillation {
  if (!opts.teacher) throw new PareError('PARE_CONFIG', '--kd-features needs --teacher MODEL');
  return {
    pairs: parseFeaturePairs(pairs),
    loss: opts.kdFeatureLoss,
    ...(opts.kdBeta !== undefined ? { weight: opts.kdBeta } : {}),
  };
}

export function trainCommand(io: CliIO): Command {
  const cmd = new Command('train')
    .description("train or fine-tune a model with pare's engine (cross-entropy, optional distillation)")
    .argument('<model>', 'ONNX model to train (its weights are the starting point)');
  return addFlags(cmd, trainFlags).action(async (file: string, raw: Record<string, unknown>) => {
    const opts = readFlags(trainFlags, raw);
    checkOutputPaths(
      [{ flag: 'model', path: file }, opts.teacher ? { flag: '--teacher', path: opts.teacher } : undefined],
      [
        { flag: '-o', path: opts.output },
        { flag: '-o (its checkpoint sidecar)', path: sidecarPath(opts.output) },
        opts.report ? { flag: '--report', path: opts.report } : undefined,
      ],
    );
    if (opts.report) reportFormatOf(opts.report);
    const resume = opts.resume ? loadCheckpointState(opts.output) : undefined;
    const seed = opts.seed;
    const read = readModel(resume ? opts.output : file);
    // A resumed run continues from its checkpoint, which already holds the re-initialised weights.
    const reinit = opts.reinit && !resume ? reinitializeModel(read, { seed }) : undefined;
    const model = reinit?.model ?? read;
    if (reinit && reinit.kept.length > 0 && !opts.json)
      io.err(
        `note: --reinit kept ${reinit.kept.length} parameter(s) as they were: ${reinit.kept.map((k) => `${k.name} (${k.reason})`).join('; ')}`,
      );
    const augment = { cropPadding: opts.cropPad, flip: opts.flip ?? false };
    const train = await loadData(opts.data, 'train', model, opts, 'train', augment);
    const test = await loadData(opts.data, 'test', model, { ...opts, batch: 500 }, 'eval');
    const teacher = opts.teacher ? readModel(opts.teacher) : undefined;
    const epochs = opts.epochs;
    // The report compares against where training started (after pruning, say): one test pass.
    const threads = opts.threads ? { threads: opts.threads } : {};
    const start = opts.report ? await evaluateModel(model, test.loader, threads) : undefined;
    const startCosts = opts.report ? computeCosts(model.graph) : undefined;
    const progress = new ProgressLine(ProgressLine.modeFor(io.isTTY, opts.json), (t) => io.err(t));
    const maxSteps = opts.steps;
    // Training ends at --steps or at the last epoch, whichever comes first.
    const totalSteps = Math.min(maxSteps ?? Infinity, epochs * train.loader.batchesPerEpoch);
    let done = 0;
    const t0 = Date.now();
    const onEvent = (e: TrainEvent) => {
      if (e.kind === 'step') {
        done++;
        const eta = ((Date.now() - t0) / 1000 / done) * (totalSteps - done);
        progress.update(
          `epoch ${e.epoch + 1}/${epochs} step ${maxSteps ? `${done}/${totalSteps}` : `${e.step}/${e.stepsPerEpoch}`} loss ${e.loss.toFixed(4)} acc ${formatPercent(e.acc)} ${Math.round(e.imgPerSec)} img/s lr ${e.lr.toPrecision(3)} ETA ${formatEta(eta)}`,
        );
        return;
      }
      progress.done();
      if (!opts.json) {
        io.out(
          `epoch ${e.epoch + 1}/${epochs}: train loss ${e.trainLoss.toFixed(4)} acc ${formatPercent(e.trainAcc)}` +
            (e.test ? `, test acc ${formatPercent(e.test.top1)} loss ${e.test.loss.toFixed(4)}` : '') +
            `, ${Math.round(e.imgPerSec)} img/s, ${e.seconds.toFixed(1)} s`,
        );
      }
    };
    // Ctrl-C: finish the step, write a checkpoint that --resume restarts the interrupted epoch from
    const stop = new AbortController();
    const release = onInterrupt(() => {
      progress.done();
      io.err('interrupted: finishing the step, then writing a checkpoint (Ctrl-C again to quit now)');
      stop.abort();
    });
    const result = await trainModel(model, train.loader, {
      signal: stop.signal,
      optimizer: optimizerFrom(opts),
      lr: opts.lr,
      epochs,
      ...(maxSteps ? { maxSteps } : {}),
      schedule: parseSchedule(opts.schedule, train.loader.batchesPerEpoch, opts.warmup),
      loss: {
        labelSmoothing: opts.labelSmoothing,
        ...(teacher ? { distillation: { alpha: opts.kdAlpha, temperature: opts.kdTemperature } } : {}),
      },
      test: test.loader,
      ...(teacher ? { teacher } : {}),
      ...(opts.kdFeatures ? { featureDistillation: featureDistillationFrom(opts, opts.kdFeatures) } : {}),
      unfoldBatchNorm: opts.unfoldBn,
      ...(opts.patience ? { patience: opts.patience } : {}),
      ...threads,
      engine: opts.engine,
      ...(resume ? { resume: { state: resume.state, epoch: resume.epoch + 1 } } : {}),
      onEvent,
      onEpochEnd: (m, epoch, state) => {
        recordPreprocess(m, train.preprocess);
        saveCheckpoint(opts.output, m, state, { epoch, seed });
      },
    }).finally(release);
    progress.done();
    if (result.interrupted) {
      const { epoch, steps } = result.interrupted;
      recordPreprocess(result.model, train.preprocess);
      saveCheckpoint(opts.output, result.model, result.state, { epoch: epoch - 1, seed });
      io.err(
        `stopped in epoch ${epoch + 1} after ${steps} step(s): wrote ${opts.output} and its checkpoint; --resume restarts epoch ${epoch + 1} from these weights`,
      );
      throw new Interrupted();
    }
    if (opts.engine === 'dnnl' && result.dnnlFallback)
      io.err(`note: the dnnl engine did not run (${result.dnnlFallback}); trained with ${result.engine}`);
    const final = result.model;
    recordPreprocess(final, train.preprocess);
    writeModel({ ...final, path: undefined }, opts.output, { externalData: 'inline' });
    const last = result.history[result.history.length - 1];
    const summary = {
      model: file,
      output: opts.output,
      epochs: result.history.length,
      steps: result.steps,
      train_img_s: result.trainImgPerSec,
      test_acc: last?.test?.top1 ?? null,
      history: result.history.map((h) => ({
        epoch: h.epoch + 1,
        trainLoss: h.trainLoss,
        trainAcc: h.trainAcc,
        testAcc: h.test?.top1 ?? null,
        seconds: h.seconds,
      })),
      seed,
      ...(reinit ? { reinit: { reset: reinit.reset.length, kept: reinit.kept } } : {}),
      engine: result.engine,
      ...(result.dnnlFallback ? { dnnl_fallback: result.dnnlFallback } : {}),
      unfolded_bn: result.unfoldedBatchNorm,
      ...(result.features.length > 0 ? { kd_features: result.features } : {}),
    };
    if (opts.report && startCosts) {
      const accuracy = start ? { before: start.top1, loss: { before: start.loss } } : {};
      const record = trainRunRecord(
        file,
        opts.output,
        startCosts,
        result,
        {
          accuracy,
          accuracyData: opts.data,
          preprocess: train.preprocess,
        },
        cmd,
      );
      await writeRunReport(opts.report, [record]);
    }
    if (opts.json) io.out(JSON.stringify(summary));
    else
      io.out(
        `wrote ${opts.output}${opts.report ? `, report ${opts.report}` : ''}: test acc ${last?.test ? formatPercent(last.test.top1) : 'n/a'}, ${Math.round(result.trainImgPerSec)} img/s training`,
      );
  });
}

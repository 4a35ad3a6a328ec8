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
import { addDataOptions, type DataCliOptions, loadData, recordPreprocess } from '../data-options.js';
import { formatPercent } from '../format.js';
import { Interrupted, onInterrupt } from '../interrupt.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { parseFloatOption, parseIntOption } from '../parse.js';
import { formatEta, ProgressLine } from '../progress.js';
import { reportFormatOf, writeRunReport } from '../report-output.js';
import { trainRunRecord } from '../run-records.js';

interface TrainCliOptions extends DataCliOptions {
  data: string;
  output: string;
  epochs: string;
  steps?: string;
  reinit?: boolean;
  lr: string;
  optimizer: string;
  momentum: string;
  nesterov?: boolean;
  wd: string;
  schedule: string;
  warmup: string;
  labelSmoothing: string;
  cropPad: string;
  flip?: boolean;
  teacher?: string;
  kdAlpha: string;
  kdTemperature: string;
  patience?: string;
  resume?: boolean;
  threads?: string;
  engine: string;
  unfoldBn: boolean;
  kdFeatures?: string;
  kdFeatureLoss: string;
  kdBeta?: string;
  testData?: string;
  report?: string;
  json?: boolean;
}

function optimizerFrom(opts: TrainCliOptions): OptimizerOptions {
  const wd = parseFloatOption(opts.wd, '--wd', 0, 1);
  if (opts.optimizer === 'sgd') {
    return {
      kind: 'sgd',
      momentum: parseFloatOption(opts.momentum, '--momentum', 0, 1),
      nesterov: opts.nesterov ?? false,
      weightDecay: wd,
    };
  }
  if (opts.optimizer === 'adam' || opts.optimizer === 'adamw')
    return { kind: opts.optimizer, weightDecay: wd };
  throw new PareError('PARE_CONFIG', `--optimizer '${opts.optimizer}': expected sgd, adam or adamw`);
}

function featureDistillationFrom(opts: TrainCliOptions): FeatureDistillation {
  if (!opts.teacher) throw new PareError('PARE_CONFIG', '--kd-features needs --teacher MODEL');
  const loss = opts.kdFeatureLoss;
  if (loss !== 'mse' && loss !== 'attention')
    throw new PareError('PARE_CONFIG', `--kd-feature-loss '${loss}': expected mse or attention`);
  return {
    pairs: parseFeaturePairs(opts.kdFeatures!),
    loss,
    ...(opts.kdBeta ? { weight: parseFloatOption(opts.kdBeta, '--kd-beta', 0) } : {}),
  };
}

function parseEngine(text: string): 'auto' | 'standard' | 'nchwc' | 'dnnl' {
  if (text === 'auto' || text === 'standard' || text === 'nchwc' || text === 'dnnl') return text;
  throw new PareError('PARE_CONFIG', `--engine '${text}': expected auto, dnnl, nchwc or standard`);
}

export function trainCommand(io: CliIO): Command {
  const cmd = new Command('train')
    .description("train or fine-tune a model with pare's engine (cross-entropy, optional distillation)")
    .argument('<model>', 'ONNX model to train (its weights are the starting point)')
    .requiredOption(
      '--data <spec>',
      'training data, e.g. idx:/usr/share/datasets/fashion-mnist (train split; the test split is evaluated each epoch)',
    )
    .requiredOption(
      '-o, --output <file>',
      'where to write the trained model (also the checkpoint, with a .train sidecar)',
    )
    .option('--epochs <n>', 'epochs', '1')
    .option('--steps <n>', 'stop after N steps in all')
    .option('--lr <rate>', 'base learning rate', '0.1')
    .option('--optimizer <name>', 'sgd, adam or adamw', 'sgd')
    .option('--momentum <m>', 'SGD momentum', '0.9')
    .option('--nesterov', 'Nesterov momentum')
    .option('--wd <decay>', 'weight decay', '5e-4')
    .option('--schedule <s>', 'cosine, constant or step:E1,E2[@gamma]', 'cosine')
    .option('--warmup <epochs>', 'linear warm-up epochs', '0')
    .option('--label-smoothing <eps>', 'label smoothing', '0')
    .option('--crop-pad <px>', 'pad-and-random-crop augmentation (pixels; 0 = off)', '0')
    .option('--flip', 'random horizontal flips')
    .option('--teacher <model>', 'distil from this model (Hinton KD on logits)')
    .option('--kd-alpha <a>', 'weight of the KD term (1-a for cross-entropy)', '0.9')
    .option('--kd-temperature <T>', 'KD temperature', '4')
    .option(
      '--kd-features <pairs>',
      'also distil features: STUDENT=TEACHER,... value names, or auto (the last value of each resolution, same name in both)',
    )
    .option(
      '--kd-feature-loss <l>',
      'mse (equal shapes) or attention (channel counts may differ)',
      'attention',
    )
    .option('--kd-beta <w>', 'weight of each feature term (default 500 for attention, 1 for mse)')
    .option(
      '--no-unfold-bn',
      'train a BN-folded model as it is (default: BN put back for training, folded on export)',
    )
    .option(
      '--reinit',
      'start from new weights, same architecture (Kaiming convs, PyTorch-default Linear, identity BN; seeded by --seed)',
    )
    .option('--patience <epochs>', 'stop when test accuracy has not improved for this many epochs')
    .option('--resume', 'continue from the checkpoint at --output (model + .train sidecar)')
    .option('--threads <n>', 'intra-op threads (ONNX Runtime, or OpenMP for --engine dnnl)')
    .option(
      '--engine <e>',
      'auto, dnnl (oneDNN addon, npm run build:dnnl), nchwc (ORT blocked conv kernels) or standard ONNX ops',
      'auto',
    )
    .option(
      '--report <file>',
      'write a report: FILE.html (training curves, sizes) or FILE.json (the run record); evaluates the starting model first',
    )
    .option('--json', 'print one JSON object at the end');
  return addDataOptions(cmd).action(async (file: string, opts: TrainCliOptions, command: Command) => {
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
    const seed = parseIntOption(opts.seed ?? '0', '--seed', 0);
    const read = readModel(resume ? opts.output : file);
    // A resumed run continues from its checkpoint, which already holds the re-initialised weights.
    const reinit = opts.reinit && !resume ? reinitializeModel(read, { seed }) : undefined;
    const model = reinit?.model ?? read;
    if (reinit && reinit.kept.length > 0 && !opts.json)
      io.err(
        `note: --reinit kept ${reinit.kept.length} parameter(s) as they were: ${reinit.kept.map((k) => `${k.name} (${k.reason})`).join('; ')}`,
      );
    const augment = { cropPadding: parseIntOption(opts.cropPad, '--crop-pad', 0), flip: opts.flip ?? false };
    const train = await loadData(opts.data, 'train', model, opts, 'train', augment);
    const test = await loadData(opts.data, 'test', model, { ...opts, batch: '500' }, 'eval');
    const teacher = opts.teacher ? readModel(opts.teacher) : undefined;
    const epochs = parseIntOption(opts.epochs, '--epochs');
    // The report compares against where training started (after pruning, say): one test pass.
    const threads = opts.threads ? { threads: parseIntOption(opts.threads, '--threads') } : {};
    const start = opts.report ? await evaluateModel(model, test.loader, threads) : undefined;
    const startCosts = opts.report ? computeCosts(model.graph) : undefined;
    const progress = new ProgressLine(ProgressLine.modeFor(io.isTTY, opts.json), (t) => io.err(t));
    const maxSteps = opts.steps ? parseIntOption(opts.steps, '--steps') : undefined;
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
      lr: parseFloatOption(opts.lr, '--lr', 0),
      epochs,
      ...(maxSteps ? { maxSteps } : {}),
      schedule: parseSchedule(
        opts.schedule,
        train.loader.batchesPerEpoch,
        parseFloatOption(opts.warmup, '--warmup', 0),
      ),
      loss: {
        labelSmoothing: parseFloatOption(opts.labelSmoothing, '--label-smoothing', 0, 1),
        ...(teacher
          ? {
              distillation: {
                alpha: parseFloatOption(opts.kdAlpha, '--kd-alpha', 0, 1),
                temperature: parseFloatOption(opts.kdTemperature, '--kd-temperature', 0.01),
              },
            }
          : {}),
      },
      test: test.loader,
      ...(teacher ? { teacher } : {}),
      ...(opts.kdFeatures ? { featureDistillation: featureDistillationFrom(opts) } : {}),
      unfoldBatchNorm: opts.unfoldBn,
      ...(opts.patience ? { patience: parseIntOption(opts.patience, '--patience') } : {}),
      ...(opts.threads ? { threads: parseIntOption(opts.threads, '--threads') } : {}),
      engine: parseEngine(opts.engine),
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
        command,
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

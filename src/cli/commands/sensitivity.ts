// `pare sensitivity MODEL --data SPEC`: accuracy and loss of the model with one channel group at a
// time pruned by each ratio (criterion's lowest channels first, optional BN recalibration),
// evaluated in parallel worker threads; JSON for the report and for `prune --allocate sensitivity`.

import { Command } from 'commander';
import { criterionNames } from '../../criteria/registry.js';
import { sensitivity } from '../../methods/sensitivity.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { PareError } from '../../util/errors.js';
import { addDataOptions, calibrationLoader, type DataCliOptions, loadData } from '../data-options.js';
import { formatPercent, renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { parseFloatOption, parseIntOption } from '../parse.js';
import { loadWithShapes } from './inspect.js';

interface SensitivityCliOptions extends DataCliOptions {
  data: string;
  criterion: string;
  ratios: string;
  recover: string;
  samples: string;
  calib?: string;
  calibSamples: string;
  workers: string;
  inputShape?: string;
  output?: string;
  json?: boolean;
}

export function sensitivityCommand(io: CliIO): Command {
  const cmd = new Command('sensitivity')
    .description('accuracy and loss with each channel group pruned alone by each ratio (parallel workers)')
    .argument('<model>', 'ONNX model file')
    .requiredOption('--data <spec>', 'held-out data the accuracy is measured on (test split unless :train)')
    .option('--criterion <name>', `importance criterion: ${criterionNames.join(', ')}`, 'l1')
    .option('--ratios <list>', 'fractions of each group removed', '0.1,0.3,0.5,0.7,0.9')
    .option('--recover <method>', 'after each cut: none or bn (BatchNorm statistics on --calib)', 'none')
    .option('--samples <n>', 'evaluation samples, balanced per class', '1000')
    .option('--calib <spec>', 'calibration data (activation criteria, --recover bn)')
    .option('--calib-samples <n>', 'calibration samples, balanced per class', '512')
    .option('--workers <n>', 'evaluation worker threads (one ONNX Runtime thread each)', '2')
    .option('--input-shape <shape>', 'dynamic input dims for the analysis, e.g. 1x3x224x224')
    .option('-o, --output <file>', 'write the JSON result here')
    .option('--json', 'print one JSON object');
  return addDataOptions(cmd).action(async (file: string, opts: SensitivityCliOptions) => {
    const { model } = await loadWithShapes(file, opts.inputShape);
    if (opts.recover !== 'none' && opts.recover !== 'bn')
      throw new PareError('PARE_CONFIG', `--recover '${opts.recover}': expected none or bn`);
    const ratios = opts.ratios.split(',').map((r) => parseFloatOption(r, '--ratios', 1e-6, 0.999999));
    const seed = parseIntOption(opts.seed ?? '0', '--seed', 0);
    const batch = parseIntOption(opts.batch ?? '100', '--batch');
    const samples = parseIntOption(opts.samples, '--samples');
    const evalData = await loadData(opts.data, 'test', model, { ...opts, batch: String(batch) }, 'eval');
    const calibSamples = parseIntOption(opts.calibSamples, '--calib-samples');
    const calib = opts.calib
      ? calibrationLoader(
          await loadData(opts.calib, 'train', model, { ...opts, batch: String(batch) }, 'eval'),
          calibSamples,
          seed,
          batch,
        )
      : undefined;
    const result = await sensitivity(model, {
      criterion: opts.criterion,
      ratios,
      recover: opts.recover,
      evaluation: calibrationLoader(evalData, Math.min(samples, evalData.dataset.size), seed, batch),
      samples,
      ...(calib ? { calibration: calib, calibrationSamples: calibSamples } : {}),
      workers: parseIntOption(opts.workers, '--workers'),
      ...(opts.json ? {} : { onProgress: (d, t) => d % 10 === 0 && io.err(`  ${d}/${t} evaluations`) }),
    });
    const text = JSON.stringify(result);
    if (opts.output) writeFileAtomic(opts.output, `${JSON.stringify(result, null, 2)}\n`);
    if (opts.json) {
      io.out(text);
      return;
    }
    io.out(
      renderTable(
        ['group', 'first layer', 'channels', ...ratios.map((r) => `top-1 @${r}`)],
        result.groups.map((g) => [g.id, g.name, g.channels, ...g.points.map((p) => formatPercent(p.top1))]),
      ),
    );
    io.out(
      `unpruned: top-1 ${formatPercent(result.baseline.top1)}, loss ${result.baseline.loss.toFixed(4)} on ${result.samples} images; ` +
        `${result.groups.length * ratios.length} evaluations in ${result.seconds.toFixed(1)} s` +
        `${opts.output ? `; wrote ${opts.output}` : ''}`,
    );
  });
}

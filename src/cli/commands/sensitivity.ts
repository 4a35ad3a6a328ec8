// `pare sensitivity MODEL --data SPEC`: accuracy and loss of the model with one channel group at a
// time pruned by each ratio (criterion's lowest channels first, optional BN recalibration),
// evaluated in parallel worker threads; JSON for the report and for `prune --allocate sensitivity`.

import { Command } from 'commander';
import { criterionNames } from '../../criteria/registry.js';
import { pruneOptionSchemas } from '../../methods/prune.js';
import { sensitivity } from '../../methods/sensitivity.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { intAtLeast, oneOf } from '../../util/option-schemas.js';
import { calibrationLoader, dataFlags, loadData } from '../data-options.js';
import { addFlags, type FlagTable, fromText, jsonFlag, readFlags, text } from '../flags.js';
import { formatPercent, renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { parseFloatOption } from '../parse.js';
import { loadWithShapes } from './inspect.js';

const sensitivityFlags = {
  data: {
    flags: '--data <spec>',
    help: 'held-out data the accuracy is measured on (test split unless :train)',
    required: true,
    schema: text.unwrap(),
  },
  criterion: {
    flags: '--criterion <name>',
    help: `importance criterion: ${criterionNames.join(', ')}`,
    default: 'l1',
    schema: pruneOptionSchemas.criterion,
  },
  ratios: {
    flags: '--ratios <list>',
    help: 'fractions of each group removed',
    default: '0.1,0.3,0.5,0.7,0.9',
    schema: text.unwrap(),
  },
  recover: {
    flags: '--recover <method>',
    help: 'after each cut: none or bn (BatchNorm statistics on --calib)',
    default: 'none',
    schema: oneOf(['none', 'bn']),
  },
  samples: {
    flags: '--samples <n>',
    help: 'evaluation samples, balanced per class',
    default: '1000',
    schema: fromText(intAtLeast(1)),
  },
  calib: {
    flags: '--calib <spec>',
    help: 'calibration data (activation criteria, --recover bn)',
    schema: text,
  },
  calibSamples: {
    flags: '--calib-samples <n>',
    help: 'calibration samples, balanced per class',
    default: '512',
    schema: fromText(intAtLeast(1)),
  },
  workers: {
    flags: '--workers <n>',
    help: 'evaluation worker threads (one ONNX Runtime thread each)',
    default: '2',
    schema: fromText(intAtLeast(1)),
  },
  inputShape: {
    flags: '--input-shape <shape>',
    help: 'dynamic input dims for the analysis, e.g. 1x3x224x224',
    schema: text,
  },
  output: { flags: '-o, --output <file>', help: 'write the JSON result here', schema: text },
  json: jsonFlag,
  ...dataFlags,
} satisfies FlagTable;

export function sensitivityCommand(io: CliIO): Command {
  const cmd = new Command('sensitivity')
    .description('accuracy and loss with each channel group pruned alone by each ratio (parallel workers)')
    .argument('<model>', 'ONNX model file');
  return addFlags(cmd, sensitivityFlags).action(async (file: string, raw: Record<string, unknown>) => {
    const opts = readFlags(sensitivityFlags, raw);
    const { model } = await loadWithShapes(file, opts.inputShape);
    const ratios = opts.ratios.split(',').map((r) => parseFloatOption(r, '--ratios', 1e-6, 0.999999));
    const { seed, batch, samples, calibSamples } = opts;
    const evalData = await loadData(opts.data, 'test', model, opts, 'eval');
    const calib = opts.calib
      ? calibrationLoader(await loadData(opts.calib, 'train', model, opts, 'eval'), calibSamples, seed, batch)
      : undefined;
    const result = await sensitivity(model, {
      criterion: opts.criterion,
      ratios,
      recover: opts.recover,
      evaluation: calibrationLoader(evalData, Math.min(samples, evalData.dataset.size), seed, batch),
      samples,
      ...(calib ? { calibration: calib, calibrationSamples: calibSamples } : {}),
      workers: opts.workers,
      ...(opts.json
        ? {}
        : { onEvent: (e) => e.done % 10 === 0 && io.err(`  ${e.done}/${e.total} ${e.what}`) }),
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

// `pare eval MODEL --data SPEC`: top-1/top-5 accuracy, loss and throughput with ONNX Runtime.

import { Command } from 'commander';
import { readModel } from '../../onnx/read.js';
import { evaluateModel } from '../../train/evaluate.js';
import { intAtLeast } from '../../util/option-schemas.js';
import { dataFlags, loadData } from '../data-options.js';
import { addFlags, type FlagTable, fromText, jsonFlag, readFlags, text } from '../flags.js';
import { formatPercent } from '../format.js';
import type { CliIO } from '../io.js';

const evalFlags = {
  data: {
    flags: '--data <spec>',
    help: 'dataset: idx:DIR, cifar10:DIR, cifar100:DIR, npy:DIR, folder:DIR (test split unless :train)',
    required: true,
    schema: text.unwrap(),
  },
  limit: {
    flags: '--limit <n>',
    help: 'evaluate only the first N samples',
    schema: fromText(intAtLeast(1)).optional(),
  },
  threads: {
    flags: '--threads <n>',
    help: 'ONNX Runtime intra-op threads',
    schema: fromText(intAtLeast(1)).optional(),
  },
  json: jsonFlag,
  ...dataFlags,
} satisfies FlagTable;

export function evalCommand(io: CliIO): Command {
  const cmd = new Command('eval')
    .description('evaluate a classifier on a dataset (top-1, top-5, loss, img/s)')
    .argument('<model>', 'ONNX model file');
  return addFlags(cmd, evalFlags).action(async (file: string, raw: Record<string, unknown>) => {
    const opts = readFlags(evalFlags, raw);
    const model = readModel(file);
    const { loader, preprocess } = await loadData(opts.data, 'test', model, opts, 'eval');
    const result = await evaluateModel(model, loader, {
      ...(opts.limit ? { limit: opts.limit } : {}),
      ...(opts.threads ? { threads: opts.threads } : {}),
    });
    if (opts.json) {
      io.out(JSON.stringify({ model: file, data: opts.data, ...result, test_acc: result.top1, preprocess }));
      return;
    }
    io.out(
      `${file} on ${opts.data}: top-1 ${formatPercent(result.top1)}, top-5 ${formatPercent(result.top5)}, ` +
        `loss ${result.loss.toFixed(4)}, ${result.samples} images in ${result.seconds.toFixed(2)} s (${Math.round(result.imgPerSec)} img/s)`,
    );
  });
}

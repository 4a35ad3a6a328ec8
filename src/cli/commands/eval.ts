// `pare eval MODEL --data SPEC`: top-1/top-5 accuracy, loss and throughput with ONNX Runtime.

import { Command } from 'commander';
import { readModel } from '../../onnx/read.js';
import { evaluateModel } from '../../train/evaluate.js';
import { addDataOptions, type DataCliOptions, loadData } from '../data-options.js';
import { formatPercent } from '../format.js';
import type { CliIO } from '../io.js';
import { parseIntOption } from '../parse.js';

interface EvalCliOptions extends DataCliOptions {
  data: string;
  limit?: string;
  threads?: string;
  json?: boolean;
}

export function evalCommand(io: CliIO): Command {
  const cmd = new Command('eval')
    .description('evaluate a classifier on a dataset (top-1, top-5, loss, img/s)')
    .argument('<model>', 'ONNX model file')
    .requiredOption(
      '--data <spec>',
      'dataset: idx:DIR, cifar10:DIR, cifar100:DIR, npy:DIR, folder:DIR (test split unless :train)',
    )
    .option('--limit <n>', 'evaluate only the first N samples')
    .option('--threads <n>', 'ONNX Runtime intra-op threads')
    .option('--json', 'print one JSON object');
  return addDataOptions(cmd).action(async (file: string, opts: EvalCliOptions) => {
    const model = readModel(file);
    const { loader, preprocess } = await loadData(opts.data, 'test', model, opts, 'eval');
    const result = await evaluateModel(model, loader, {
      ...(opts.limit ? { limit: parseIntOption(opts.limit, '--limit') } : {}),
      ...(opts.threads ? { threads: parseIntOption(opts.threads, '--threads') } : {}),
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

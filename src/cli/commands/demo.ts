// `pare demo`: the README's main job. Prunes the shipped Fashion-MNIST ResNet-20 (trained by pare)
// to half its MACs with a published criterion, recovers it on 512 shipped unlabeled images (BatchNorm
// recalibration, and least-squares reconstruction), and prints accuracy, parameters, MACs and
// latency before and after. The written model is the least-squares one.

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BatchLoader } from '../../data/batch-loader.js';
import { openDataset } from '../../data/data-spec.js';
import { buildTransforms } from '../../data/transform-options.js';
import type { Model } from '../../ir/model.js';
import { pruneModel, pruneOptionSchemas } from '../../methods/prune.js';
import { readModel } from '../../onnx/read.js';
import { writeModel } from '../../onnx/write.js';
import { recalibrateBatchNorm } from '../../recover/bn-recalibrate.js';
import { measureLatency } from '../../runtime/latency.js';
import { evaluateModel } from '../../train/evaluate.js';
import { PareError } from '../../util/errors.js';
import { readPreprocess } from '../data-options.js';
import { addFlags, type FlagTable, jsonFlag, readFlags, text } from '../flags.js';
import { formatCount, formatPercent, renderTable } from '../format.js';
import type { CliIO } from '../io.js';
import { checkOutputPaths } from '../output-paths.js';
import { parseTargetFraction } from '../parse.js';

const demoFlags = {
  criterion: {
    flags: '--criterion <name>',
    help: 'importance criterion',
    default: 'fsm',
    schema: pruneOptionSchemas.criterion,
  },
  target: {
    flags: '--target <metric=F>',
    help: 'keep this fraction of the MACs or parameters, as in pare prune (a bare F means MACs)',
    default: 'macs=0.5',
    schema: text.unwrap(),
  },
  output: {
    flags: '-o, --output <file>',
    help: 'where to write the pruned model (default: a temporary folder)',
    schema: text,
  },
  json: jsonFlag,
} satisfies FlagTable;

/** assets/demo inside the package (works from src/ via tsx and from dist/). */
export function demoAssets(): string {
  for (const up of ['../../../assets/demo', '../../../../assets/demo']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, 'fmnist-resnet20.onnx'))) return dir;
  }
  throw new PareError(
    'PARE_IO',
    'the demo assets (assets/demo/fmnist-resnet20.onnx) are missing from this installation',
    {
      notes: ['re-create them with scripts/make-demo-assets.sh'],
    },
  );
}

export function demoCommand(io: CliIO): Command {
  const cmd = new Command('demo').description(
    'prune the shipped Fashion-MNIST ResNet-20 to half its MACs, recover it, and compare',
  );
  return addFlags(cmd, demoFlags).action(async (raw: Record<string, unknown>) => {
    const opts = readFlags(demoFlags, raw);
    const { metric, fraction } = parseTargetFraction(opts.target); // a bad target fails before any work
    const dir = demoAssets();
    checkOutputPaths(
      [{ flag: 'the demo model', path: join(dir, 'fmnist-resnet20.onnx') }],
      [opts.output ? { flag: '-o', path: opts.output } : undefined],
    );
    const model = readModel(join(dir, 'fmnist-resnet20.onnx'));
    const pre = readPreprocess(model);
    const eval_ = buildTransforms(pre, 'eval');
    const test = await openDataset(`npy:${join(dir, 'data')}`, { split: 'test' });
    const calib = await openDataset(`npy:${join(dir, 'data')}`, { split: 'train' });
    const testLoader = new BatchLoader(test, { batchSize: 500, shuffle: false, transforms: eval_ });
    const calibLoader = new BatchLoader(calib, { batchSize: 128, shuffle: false, transforms: eval_ });
    const measure = async (m: Model) => {
      const acc = await evaluateModel(m, testLoader, { threads: 2 });
      const lat = await measureLatency(m, { batch: 1, warmup: 5, runs: 30, threads: 1 });
      return { acc: acc.top1, latencyMs: lat.medianMs };
    };
    const say = (text: string) => {
      if (!opts.json) io.err(text);
    };
    say(
      `model: ${join(dir, 'fmnist-resnet20.onnx')} (CIFAR-style ResNet-20 trained by pare on Fashion-MNIST)`,
    );
    const base = await measure(model);
    say(
      `pruning to ${formatPercent(fraction)} of the ${metric === 'macs' ? 'MACs' : 'parameters'} with criterion '${opts.criterion}' ...`,
    );
    const plain = await pruneModel(model, {
      criterion: opts.criterion,
      target: { kind: metric, fraction },
      roundTo: 'auto',
      verify: true,
      calibration: calibLoader,
    });
    const plainM = await measure(plain.model);
    say('recovering (a): BatchNorm recalibration on 512 unlabeled training images ...');
    const recovered = await recalibrateBatchNorm(plain.model, calibLoader, { threads: 2 });
    const recM = await measure(recovered.model);
    say('recovering (b): least-squares reconstruction of every layer that lost inputs (He et al. 2017) ...');
    const ls = await pruneModel(model, {
      criterion: opts.criterion,
      target: { kind: metric, fraction },
      roundTo: 'auto',
      calibration: calibLoader,
      recover: 'ls',
      threads: 2,
    });
    const lsM = await measure(ls.model);
    const output =
      opts.output ?? join(mkdtempSync(join(tmpdir(), 'pare-demo-')), 'fmnist-resnet20.pruned.onnx');
    writeModel(ls.model, output);
    const rows = [
      { name: 'original', params: plain.before.params, macs: plain.before.macs, ...base },
      {
        name: `pruned (${opts.criterion}), no recovery`,
        params: plain.after.params,
        macs: plain.after.macs,
        ...plainM,
      },
      {
        name: `pruned (${opts.criterion}) + BN recalibration`,
        params: plain.after.params,
        macs: plain.after.macs,
        ...recM,
      },
      {
        name: `pruned (${opts.criterion}) + least squares`,
        params: ls.after.params,
        macs: ls.after.macs,
        ...lsM,
      },
    ];
    if (opts.json) {
      io.out(
        JSON.stringify({
          criterion: opts.criterion,
          target: fraction,
          targetMetric: metric,
          testImages: test.size,
          calibrationImages: calib.size,
          verified: plain.verify?.passed ?? false,
          roundTo: plain.roundTo.value,
          slower: lsM.latencyMs >= base.latencyMs,
          recoverySeconds: { bn: recovered.seconds, ls: ls.recovery?.seconds ?? 0 },
          output,
          rows,
        }),
      );
      return;
    }
    io.out(
      renderTable(
        ['model', 'test acc', 'params', 'MACs', 'latency (ms)'],
        rows.map((r) => [
          r.name,
          formatPercent(r.acc),
          formatCount(r.params),
          formatCount(r.macs),
          r.latencyMs.toFixed(2),
        ]),
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
    if (lsM.latencyMs >= base.latencyMs)
      io.err(
        `warning: the pruned model is SLOWER than the original here (${base.latencyMs.toFixed(2)} → ${lsM.latencyMs.toFixed(2)} ms)`,
      );
    io.out(
      `accuracy on ${test.size} shipped test images; latency: ONNX Runtime, batch 1, 1 thread, median of 30.\n` +
        `recovery used ${calib.size} unlabeled training images: BN recalibration ${recovered.seconds.toFixed(1)} s, least squares ${(ls.recovery?.seconds ?? 0).toFixed(1)} s.\n` +
        `surgery verified (pruned ≡ masked original, relative error ${plain.verify?.relativeError.toExponential(1)}); wrote ${output}`,
    );
  });
}

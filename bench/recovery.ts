// Accuracy right after pruning, without fine-tuning: every criterion × every recovery, and the
// published recipes, on models trained by pare on Fashion-MNIST. Calibration: 512 class-balanced
// training images (seed 0); accuracy on the full test split (10 000 images) when the Debian package
// is installed, else on the 2000 shipped demo images. Prints one JSON object (and a progress line
// per run on stderr).
// Run: npx tsx bench/recovery.ts [--models a.onnx,b.onnx] [--criteria l1,fpgm,...] [--recover none,bn,...]
//      [--target 0.5] [--calib 512] [--threads 2] [--recipes fsm,cp,cap]

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { calibrationLoader, readPreprocess } from '../src/cli/data-options.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { openDataset } from '../src/data/data-spec.js';
import { buildTransforms } from '../src/data/transform-options.js';
import type { Model } from '../src/ir/model.js';
import { type PruneOptions, pruneModel, pruneOptionSchemas } from '../src/methods/prune.js';
import { readModel } from '../src/onnx/read.js';
import { evaluateModel } from '../src/train/evaluate.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'assets/demo/fmnist-resnet20.onnx' },
    criteria: { type: 'string', default: 'l1,fpgm,fsm,lasso,cap' },
    recover: { type: 'string', default: 'none,bn,fsm,ls' },
    recipes: { type: 'string', default: 'fsm,cp,cap' },
    target: { type: 'string', default: '0.5' },
    calib: { type: 'string', default: '512' },
    threads: { type: 'string', default: '2' },
    search: { type: 'string', default: 'global' },
  },
});
const threads = Number(values.threads);
const fraction = Number(values.target);
const samples = Number(values.calib);
const idx = '/usr/share/datasets/fashion-mnist';
const testSpec = existsSync(idx) ? `idx:${idx}` : 'npy:assets/demo/data';
const list = (s: string) => s.split(',').filter((x) => x.length > 0);

async function loaders(model: Model) {
  const pre = readPreprocess(model);
  const test = await openDataset(testSpec, { split: 'test' });
  const testLoader = new BatchLoader(test, {
    batchSize: 500,
    shuffle: false,
    transforms: buildTransforms(pre, 'eval'),
  });
  const train = await openDataset(testSpec, { split: 'train' });
  const calib = calibrationLoader({ dataset: train, preprocess: pre }, samples, 0, 64);
  return { test, testLoader, calib };
}

const results: Record<string, unknown>[] = [];
for (const path of list(values.models)) {
  const model = readModel(path);
  const { test, testLoader, calib } = await loaders(model);
  const acc = async (m: Model) => (await evaluateModel(m, testLoader, { threads })).top1;
  const baseline = await acc(model);
  process.stderr.write(`${path}: baseline ${(baseline * 100).toFixed(2)} % on ${test.size} test images\n`);
  const run = async (label: Record<string, unknown>, options: PruneOptions) => {
    const t0 = performance.now();
    try {
      const r = await pruneModel(model, options);
      const top1 = await acc(r.model);
      const row = {
        model: path,
        ...label,
        top1,
        drop: baseline - top1,
        macs: r.after.macs / r.before.macs,
        params: r.after.params / r.before.params,
        scoringSeconds: r.seconds.scoring,
        recoverySeconds: r.seconds.recovery,
        calibrationImages: r.recovery?.samples ?? 0,
        seconds: (performance.now() - t0) / 1000,
      };
      results.push(row);
      process.stderr.write(
        `  ${JSON.stringify(label)}: ${(top1 * 100).toFixed(2)} % (MACs ${(row.macs * 100).toFixed(1)} %, recovery ${row.recoverySeconds.toFixed(1)} s)\n`,
      );
    } catch (e) {
      results.push({ model: path, ...label, error: (e as Error).message });
      process.stderr.write(`  ${JSON.stringify(label)}: ERROR ${(e as Error).message}\n`);
    }
  };
  const target = { kind: 'macs' as const, fraction, search: values.search as 'global' | 'uniform' };
  for (const name of list(values.criteria))
    for (const how of list(values.recover)) {
      const criterion = pruneOptionSchemas.criterion.parse(name);
      const recover = pruneOptionSchemas.recover.parse(how);
      await run(
        { criterion, recover },
        { criterion, recover, target, calibration: calib, calibrationSamples: samples, threads },
      );
    }
  // A recipe is resolved by pruneModel (criterion, recovery, residual streams, search).
  for (const name of list(values.recipes)) {
    const method = pruneOptionSchemas.method.parse(name);
    await run(
      { method },
      {
        method,
        target: { kind: 'macs', fraction },
        calibration: calib,
        calibrationSamples: samples,
        threads,
      },
    );
  }
  results.push({ model: path, baseline, testImages: test.size });
}
console.log(JSON.stringify({ target: fraction, calibrationImages: samples, testSpec, results }, null, 1));

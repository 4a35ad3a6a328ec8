// Issue 13's bench rows, on the demo ResNet-20 (Fashion-MNIST) with a small class-balanced training
// subset. (a) AIP's transfers against plain KD fine-tuning at the same pruning and budget: the aip recipe
// as shipped (KD + attention transfer + adversarial game) against the same recipe with
// aip.attention and aip.adversarial off (KD only); the prune events fill the first epoch (every
// `--every-steps` steps), then test top-1 is read after epochs 1, 2 and 4 of one 4-epoch run. (b) UCP
// retrained from scratch (`ucp.retrain: scratch`, the paper's choice) against fine-tuning the cut
// (`finetune`), at a small and a large pruning ratio. Prints one JSON object on stdout (CPU model,
// load average, engine of every run), one line per run on stderr.
// Run: nice -n 10 npx tsx bench/aip-ucp.ts [--train-images 3000] [--test-images 1000] [--seed 0]
//      [--threads 2] [--parts a,b] [--epochs 4] [--ucp-epochs 2] [--targets 0.7,0.3]
//      [--retrain scratch,finetune]

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { calibrationLoader, readPreprocess } from '../src/cli/data-options.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { buildTransforms } from '../src/data/transform-options.js';
import { compressModel } from '../src/methods/compress.js';
import type { CompressRecipe } from '../src/methods/compress-recipe.js';
import { compressRecipe } from '../src/methods/compress-recipes.js';
import { readModel } from '../src/onnx/read.js';
import { evaluateModel } from '../src/train/evaluate.js';
import { balanced, fashionSplits, testLoader } from './fashion-subsets.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'assets/demo/fmnist-resnet20.onnx' },
    'train-images': { type: 'string', default: '3000' },
    'test-images': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string', default: '2' },
    parts: { type: 'string', default: 'a,b' },
    epochs: { type: 'string', default: '4' },
    'every-steps': { type: 'string', default: '8' },
    'aip-target': { type: 'string', default: '0.5' },
    'ucp-epochs': { type: 'string', default: '2' },
    targets: { type: 'string', default: '0.7,0.3' },
    retrain: { type: 'string', default: 'scratch,finetune' },
  },
});
const threads = Number(values.threads);
const seed = Number(values.seed);
const model = readModel(values.model);
const pre = readPreprocess(model);
const { trainSet, testSet } = await fashionSplits();
const testImages = Math.min(Number(values['test-images']), testSet.size);
const test = testLoader(testSet, testImages, pre);
const subset = balanced(trainSet, Number(values['train-images']), seed);
const base = (await evaluateModel(model, test, { threads })).top1;
process.stderr.write(`${values.model}: ${(base * 100).toFixed(2)} % on ${testImages} test images\n`);

async function run(label: string, recipe: CompressRecipe, target: number, epochs: number) {
  const t0 = performance.now();
  const load0 = loadavg()[0];
  const r = await compressModel(model, {
    recipe,
    target: { kind: 'macs', fraction: target },
    train: new BatchLoader(subset, {
      batchSize: recipe.train.batch,
      seed,
      transforms: buildTransforms(pre, 'train'),
    }),
    calibration: calibrationLoader({ dataset: subset, preprocess: pre }, recipe.calibrationSamples, seed),
    test,
    epochs,
    seed,
    threads,
  });
  const row = {
    label,
    target,
    epochs,
    top1: r.stages.at(-1)!.accuracy,
    byEpoch: r.stages.filter((s) => s.kind !== 'prune').map((s) => ({ epoch: s.epoch, top1: s.accuracy })),
    losses: r.stages.filter((s) => s.losses).map((s) => ({ epoch: s.epoch, ...s.losses })),
    prunes: r.stages
      .filter((s) => s.kind === 'prune')
      .map((s) => ({ epoch: s.epoch, criterion: s.criterion, macs: s.macsFraction })),
    macs: r.after.macs / r.before.macs,
    params: r.after.params / r.before.params,
    engine: r.engine,
    ...(r.dnnlFallback ? { dnnlFallback: r.dnnlFallback } : {}),
    ...(r.adversarialSkipped ? { adversarialSkipped: r.adversarialSkipped } : {}),
    verified: r.verify?.passed ?? false,
    seconds: (performance.now() - t0) / 1000,
    load: [load0, loadavg()[0]],
  };
  process.stderr.write(
    `  ${label} @${target}: ${row.byEpoch.map((e) => `${e.epoch}:${((e.top1 ?? 0) * 100).toFixed(2)}`).join(' ')} (MACs ${(row.macs * 100).toFixed(1)} %, ${row.seconds.toFixed(0)} s, ${r.engine})\n`,
  );
  return row;
}

const parts = values.parts.split(',');
const rows: Awaited<ReturnType<typeof run>>[] = [];
if (parts.includes('a')) {
  const aip = compressRecipe('aip');
  const epochs = Number(values.epochs);
  // Prune events in the first epoch only, so epochs 2.. measure recovery at the final width.
  const steps = Math.ceil(subset.size / aip.train.batch);
  const scheduled: CompressRecipe = {
    ...aip,
    every: { steps: Number(values['every-steps']) },
    pruneFraction: Math.min(1, steps / (epochs * steps)),
  };
  const target = Number(values['aip-target']);
  rows.push(await run('aip (KD + AT + adversarial)', scheduled, target, epochs));
  rows.push(
    await run(
      'KD only',
      { ...scheduled, aip: { ...aip.aip!, attention: null, adversarial: null } },
      target,
      epochs,
    ),
  );
}
if (parts.includes('b')) {
  const ucp = compressRecipe('ucp');
  for (const target of values.targets.split(',').map(Number))
    for (const retrain of values.retrain.split(',') as ('scratch' | 'finetune')[])
      rows.push(
        await run(
          `ucp ${retrain}`,
          { ...ucp, ucp: { ...ucp.ucp, retrain } },
          target,
          Number(values['ucp-epochs']),
        ),
      );
}
process.stdout.write(
  `${JSON.stringify(
    {
      model: values.model,
      baseline: base,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      testImages,
      trainImages: subset.size,
      seed,
      threads,
      rows,
    },
    null,
    1,
  )}\n`,
);

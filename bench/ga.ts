// GA channel pruning (Hu et al. 2018, `--method ga`) against one-shot uniform ℓ1 (`l1-oneshot`) at equal
// MACs: both recipes allocate the same per-layer widths (uniform ratio, residual streams kept), then the
// same KD fine-tuning budget (same images, epochs, schedule, seed). Records test top-1 right after the
// cut (before fine-tuning: what the selection alone does) and after it, the widths (checked equal), MACs,
// wall time, the CPU model and the load. Prints one JSON object on stdout, one line per run on stderr.
// Run: nice -n 10 npx tsx bench/ga.ts [--models assets/demo/fmnist-resnet20.onnx,/tmp/r56.onnx]
//      [--seeds 0,1] [--train-images 2000] [--epochs 1] [--test-images 1000] [--target 0.5]

import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { calibrationLoader, readPreprocess } from '../src/cli/data-options.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { sampleBalanced } from '../src/data/calibration-sampler.js';
import { openDataset } from '../src/data/data-spec.js';
import { subsetDataset } from '../src/data/dataset.js';
import { buildTransforms } from '../src/data/transform-options.js';
import { compressModel } from '../src/methods/compress.js';
import { compressRecipe } from '../src/methods/compress-recipes.js';
import { readModel } from '../src/onnx/read.js';
import { evaluateModel } from '../src/train/evaluate.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'assets/demo/fmnist-resnet20.onnx' },
    methods: { type: 'string', default: 'l1-oneshot,ga' },
    seeds: { type: 'string', default: '0,1' },
    'train-images': { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '1' },
    'test-images': { type: 'string', default: '1000' },
    target: { type: 'string', default: '0.5' },
    threads: { type: 'string', default: '2' },
    engine: { type: 'string', default: 'auto' },
    // GA search size (the recipe's defaults: 50 × 40, refine 4).
    population: { type: 'string', default: '50' },
    generations: { type: 'string', default: '40' },
    refine: { type: 'string', default: '4' },
    order: { type: 'string', default: 'sensitivity' },
  },
});
const threads = Number(values.threads);
const idx = '/usr/share/datasets/fashion-mnist';
const spec = existsSync(idx) ? `idx:${idx}` : 'npy:assets/demo/data';
const list = (s: string) => s.split(',').filter((x) => x.length > 0);
const trainSet = await openDataset(spec, { split: 'train' });
const testSet = await openDataset(spec, { split: 'test' });
const testImages = Math.min(Number(values['test-images']), testSet.size);
const loadStart = loadavg();
const t00 = performance.now();

const results: Record<string, unknown>[] = [];
for (const path of list(values.models)) {
  const model = readModel(path);
  const pre = readPreprocess(model);
  const test = new BatchLoader(
    subsetDataset(testSet, sampleBalanced(testSet.labels, testSet.numClasses, testImages, 0)),
    { batchSize: 500, shuffle: false, transforms: buildTransforms(pre, 'eval') },
  );
  const base = (await evaluateModel(model, test, { threads })).top1;
  process.stderr.write(`${path}: ${(base * 100).toFixed(2)} % on ${testImages} test images\n`);
  const rows: Record<string, unknown>[] = [];
  for (const seed of list(values.seeds).map(Number)) {
    // The same class-balanced training subset per seed for both methods.
    const subset = subsetDataset(
      trainSet,
      sampleBalanced(trainSet.labels, trainSet.numClasses, Number(values['train-images']), seed),
    );
    for (const method of list(values.methods)) {
      const shipped = compressRecipe(method);
      const recipe = shipped.ga
        ? {
            ...shipped,
            ga: {
              ...shipped.ga,
              population: Number(values.population),
              generations: Number(values.generations),
              refine: Number(values.refine),
              order: values.order as 'sensitivity' | 'network',
            },
          }
        : shipped;
      const train = new BatchLoader(subset, {
        batchSize: recipe.train.batch,
        seed,
        transforms: buildTransforms({ ...pre, cropPadding: 2, flip: true }, 'train'),
      });
      const t0 = performance.now();
      const r = await compressModel(model, {
        recipe,
        target: { kind: 'macs', fraction: Number(values.target) },
        train,
        calibration: calibrationLoader({ dataset: subset, preprocess: pre }, 1024, seed),
        test,
        epochs: Number(values.epochs),
        seed,
        threads,
        engine: values.engine as 'auto',
      });
      const seconds = (performance.now() - t0) / 1000;
      const cut = r.stages.find((s) => s.kind === 'prune')!;
      const row = {
        method,
        seed,
        top1AtCut: cut.accuracy,
        top1: r.stages.at(-1)!.accuracy,
        macs: r.after.macs / r.before.macs,
        params: r.after.params / r.before.params,
        widths: cut.widths,
        seconds,
        engine: r.engine,
        verified: r.verify?.passed ?? false,
        // ga: Σ over groups of the layer-wise loss (step 1) of ℓ1's choice and of the GA's choice.
        ...(cut.ga
          ? {
              layerLoss: {
                l1: cut.ga.reduce((t, l) => t + (l.criterionLoss ?? 0), 0),
                ga: cut.ga.reduce((t, l) => t + (l.chosenLoss ?? 0), 0),
              },
              ga: cut.ga,
            }
          : {}),
      };
      rows.push(row);
      process.stderr.write(
        `  ${method} seed ${seed}: at cut ${((row.top1AtCut ?? 0) * 100).toFixed(2)} %, fine-tuned ${((row.top1 ?? 0) * 100).toFixed(2)} % (MACs ${(row.macs * 100).toFixed(1)} %, ${seconds.toFixed(0)} s, ${r.engine})\n`,
      );
    }
  }
  const mean = (m: string, k: 'top1' | 'top1AtCut') => {
    const xs = rows.filter((r) => r.method === m).map((r) => r[k] as number);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const sameWidths = list(values.seeds).every((s) => {
    const w = rows
      .filter((r) => r.seed === Number(s))
      .map((r) => JSON.stringify(Object.entries(r.widths as object).sort()));
    return w.every((x) => x === w[0]);
  });
  results.push({
    model: path,
    baseline: base,
    rows,
    sameWidths,
    mean: Object.fromEntries(
      list(values.methods).map((m) => [m, { top1AtCut: mean(m, 'top1AtCut'), top1: mean(m, 'top1') }]),
    ),
  });
}
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'ga',
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      loadavg: { start: loadStart, end: loadavg() },
      seconds: (performance.now() - t00) / 1000,
      testImages,
      trainImages: Number(values['train-images']),
      epochs: Number(values.epochs),
      target: Number(values.target),
      threads,
      ga: {
        population: Number(values.population),
        generations: Number(values.generations),
        refine: Number(values.refine),
        order: values.order,
      },
      results,
    },
    null,
    1,
  )}\n`,
);

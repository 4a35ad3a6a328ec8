// Fidelity of the pruning-while-training methods: every shipped `pare compress` method against
// one-shot ℓ1 + the same fine-tuning, on a ResNet trained by pare on Fashion-MNIST, pruned to a MACs
// target with one training budget for all (same images, epochs, schedule, distillation), several
// seeds. Measures test top-1, MACs, params, ORT latency (batch 1) and wall time. Prints one JSON
// object on stdout, one line per run on stderr.
// Run: nice -n 10 npx tsx bench/methods.ts [--model assets/demo/fmnist-resnet20.onnx]
//      [--methods l1-oneshot,sfp,fpgm,mfp,pfgdf,group-fisher] [--seeds 0,1] [--train-images 4000]
//      [--epochs 2] [--test-images 2000] [--target 0.5] [--threads 2] [--every-steps 4] [--prune-fraction F]
//      [--kd-alpha A]

import { parseArgs } from 'node:util';
import { readPreprocess } from '../src/cli/data-options.js';
import { withDistillationAlpha } from '../src/methods/compress-recipe.js';
import { compressRecipe } from '../src/methods/compress-recipes.js';
import { readModel } from '../src/onnx/read.js';
import { measureLatency } from '../src/runtime/latency.js';
import { evaluateModel } from '../src/train/evaluate.js';
import { balanced, compressOnSubset, fashionSplits, list, testLoader } from './fashion-subsets.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'assets/demo/fmnist-resnet20.onnx' },
    methods: { type: 'string', default: 'l1-oneshot,sfp,fpgm,mfp,pfgdf,group-fisher' },
    seeds: { type: 'string', default: '0,1' },
    'train-images': { type: 'string', default: '4000' },
    epochs: { type: 'string', default: '2' },
    'test-images': { type: 'string', default: '2000' },
    target: { type: 'string', default: '0.5' },
    threads: { type: 'string', default: '2' },
    engine: { type: 'string', default: 'auto' },
    // Step-based recipes (group-fisher: d = 25) scaled to a small budget: events every this many steps.
    'every-steps': { type: 'string', default: '4' },
    // Overrides every recipe's pruneFraction (e.g. 1: the soft methods' papers' cut, no fine-tuning after it).
    'prune-fraction': { type: 'string' },
    // Overrides every recipe's distillation weight (the budget stays one for all).
    'kd-alpha': { type: 'string' },
  },
});
const threads = Number(values.threads);
const model = readModel(values.model);
const pre = readPreprocess(model);
const { trainSet, testSet } = await fashionSplits();
const testImages = Math.min(Number(values['test-images']), testSet.size);
const test = testLoader(testSet, testImages, pre);
const base = (await evaluateModel(model, test, { threads })).top1;
const baseLatency = (await measureLatency(model, { batch: 1, warmup: 5, runs: 30, threads })).medianMs;
process.stderr.write(`${values.model}: ${(base * 100).toFixed(2)} % on ${testImages} test images\n`);

const rows: Record<string, unknown>[] = [];
for (const seed of list(values.seeds).map(Number)) {
  // The same class-balanced training subset per seed for every method.
  const subset = balanced(trainSet, Number(values['train-images']), seed);
  for (const method of list(values.methods)) {
    const shipped = compressRecipe(method);
    const stepped = shipped.every.steps
      ? { ...shipped, every: { steps: Number(values['every-steps']) } }
      : shipped;
    const fractioned =
      values['prune-fraction'] !== undefined
        ? { ...stepped, pruneFraction: Number(values['prune-fraction']) }
        : stepped;
    const recipe =
      values['kd-alpha'] !== undefined
        ? withDistillationAlpha(fractioned, Number(values['kd-alpha']))
        : fractioned;
    const { r, seconds } = await compressOnSubset(model, recipe, subset, pre, {
      target: Number(values.target),
      epochs: Number(values.epochs),
      seed,
      threads,
      test,
      engine: values.engine,
    });
    const latency = (await measureLatency(r.model, { batch: 1, warmup: 5, runs: 30, threads })).medianMs;
    const row = {
      method,
      seed,
      top1: r.stages.at(-1)!.accuracy,
      macs: r.after.macs / r.before.macs,
      params: r.after.params / r.before.params,
      latencyMs: latency,
      latencyRatio: latency / baseLatency,
      kdAlpha: recipe.train.distillation?.alpha ?? null,
      seconds,
      engine: r.engine,
      ...(r.dnnlFallback ? { dnnlFallback: r.dnnlFallback } : {}),
      verified: r.verify?.passed ?? false,
      stages: r.stages.map((s) => ({
        kind: s.kind,
        epoch: s.epoch,
        macs: s.macsFraction,
        top1: s.accuracy,
        criterion: s.criterion,
      })),
    };
    rows.push(row);
    process.stderr.write(
      `  ${method} seed ${seed}: ${((row.top1 ?? 0) * 100).toFixed(2)} % (MACs ${(row.macs * 100).toFixed(1)} %, params ${(row.params * 100).toFixed(1)} %, ${seconds.toFixed(0)} s, ${r.engine})\n`,
    );
  }
}
process.stdout.write(
  `${JSON.stringify({ model: values.model, baseline: base, baselineLatencyMs: baseLatency, testImages, trainImages: Number(values['train-images']), epochs: Number(values.epochs), target: Number(values.target), threads, rows }, null, 1)}\n`,
);

// GA channel pruning (Hu et al. 2018, `--method ga`) against one-shot uniform ℓ1 (`l1-oneshot`) at equal
// MACs: both recipes allocate the same per-layer widths (uniform ratio, residual streams kept), then the
// same KD fine-tuning budget (same images, epochs, schedule, seed). Records test top-1 right after the
// cut (before fine-tuning: what the selection alone does) and after it, the widths (checked equal), MACs,
// wall time, the CPU model and the load. Prints one JSON object on stdout, one line per run on stderr.
// Run: nice -n 10 npx tsx bench/ga.ts [--models assets/demo/fmnist-resnet20.onnx,/tmp/r56.onnx]
//      [--seeds 0,1] [--train-images 2000] [--epochs 1] [--test-images 1000] [--target 0.5]
//      [--methods l1-oneshot,ga] [--widths allocation|sensitivity] [--order sensitivity|network]
//      [--schedule oneshot|iterative --every-steps 2]

import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readPreprocess } from '../src/cli/data-options.js';
import { compressRecipe } from '../src/methods/compress-recipes.js';
import { readModel } from '../src/onnx/read.js';
import { evaluateModel } from '../src/train/evaluate.js';
import { balanced, compressOnSubset, fashionSplits, list, testLoader } from './fashion-subsets.js';

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
    // allocation: ℓ1's uniform widths (the comparison at equal widths); sensitivity: the paper's per-layer rates.
    widths: { type: 'string', default: 'allocation' },
    // iterative: the groups spread over prune events every --every-steps steps in the first half of the
    // run (the paper fine-tunes after every layer), the same total training as oneshot.
    schedule: { type: 'string', default: 'oneshot' },
    'every-steps': { type: 'string', default: '2' },
  },
});
const threads = Number(values.threads);
const { trainSet, testSet } = await fashionSplits();
const testImages = Math.min(Number(values['test-images']), testSet.size);
const loadStart = loadavg();
const t00 = performance.now();

const results: Record<string, unknown>[] = [];
for (const path of list(values.models)) {
  const model = readModel(path);
  const pre = readPreprocess(model);
  const test = testLoader(testSet, testImages, pre);
  const base = (await evaluateModel(model, test, { threads })).top1;
  process.stderr.write(`${path}: ${(base * 100).toFixed(2)} % on ${testImages} test images\n`);
  const rows: Record<string, unknown>[] = [];
  for (const seed of list(values.seeds).map(Number)) {
    // The same class-balanced training subset per seed for both methods.
    const subset = balanced(trainSet, Number(values['train-images']), seed);
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
              widths: values.widths as 'allocation' | 'sensitivity',
            },
            ...(values.schedule === 'iterative'
              ? {
                  schedule: 'iterative' as const,
                  every: { steps: Number(values['every-steps']) },
                  pruneFraction: 0.5,
                }
              : {}),
          }
        : shipped;
      const { r, seconds } = await compressOnSubset(model, recipe, subset, pre, {
        target: Number(values.target),
        epochs: Number(values.epochs),
        seed,
        threads,
        test,
        engine: values.engine,
      });
      // The first prune event (oneshot: the whole cut; iterative: its first share of the groups).
      const cut = r.stages.find((s) => s.kind === 'prune')!;
      const events = r.stages.filter((s) => s.kind === 'prune');
      const gaLayers = events.flatMap((s) => s.ga ?? []);
      const row = {
        method,
        seed,
        top1AtCut: cut.accuracy,
        top1: r.stages.at(-1)!.accuracy,
        macs: r.after.macs / r.before.macs,
        params: r.after.params / r.before.params,
        widths: events.at(-1)!.widths,
        events: events.length,
        seconds,
        engine: r.engine,
        verified: r.verify?.passed ?? false,
        // ga: Σ over groups of the layer-wise loss (step 1) of ℓ1's choice and of the GA's choice.
        ...(gaLayers.length > 0
          ? {
              layerLoss: {
                l1: gaLayers.reduce((t, l) => t + (l.criterionLoss ?? 0), 0),
                ga: gaLayers.reduce((t, l) => t + (l.chosenLoss ?? 0), 0),
              },
              ga: gaLayers,
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
        widths: values.widths,
        schedule: values.schedule,
        everySteps: Number(values['every-steps']),
      },
      results,
    },
    null,
    1,
  )}\n`,
);

// CACP against separate searches (issue 12 item 4): one search conditioned on the rate for
// macs=0.3,0.5,0.7, against the same search unconditioned (one target each) run once per rate with
// the same per-search budget. Wall time of the searches, and test top-1 of the three models each
// way after the same recovery (BN recalibration on 256 training images; optionally a short KD
// fine-tune with --ft-steps). Reward: top-1 on held-out training images (disjoint from calibration).
// Prints one JSON object; progress on stderr.
// Run: nice -n 10 npx tsx bench/cacp.ts [--warmup 20] [--episodes 40] [--samples 300] [--hidden 300]
//      [--ft-steps 0] [--test 10000] [--model assets/demo/fmnist-resnet20.onnx]

import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readPreprocess } from '../src/cli/data-options.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { sampleBalanced } from '../src/data/calibration-sampler.js';
import { openDataset } from '../src/data/data-spec.js';
import { subsetDataset } from '../src/data/dataset.js';
import { buildTransforms } from '../src/data/transform-options.js';
import type { Model } from '../src/ir/model.js';
import { type CacpSearchOptions, type CacpTargetResult, cacpSearch } from '../src/methods/cacp-search.js';
import { pruneModel } from '../src/methods/prune.js';
import { readModel } from '../src/onnx/read.js';
import { computeCosts } from '../src/ops/costs.js';
import { evaluateModel } from '../src/train/evaluate.js';
import { trainModel } from '../src/train/trainer.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'assets/demo/fmnist-resnet20.onnx' },
    targets: { type: 'string', default: '0.3,0.5,0.7' },
    warmup: { type: 'string', default: '20' },
    episodes: { type: 'string', default: '40' },
    samples: { type: 'string', default: '300' },
    calib: { type: 'string', default: '256' },
    hidden: { type: 'string', default: '300' },
    test: { type: 'string', default: '10000' },
    'ft-steps': { type: 'string', default: '0' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
  },
});
const num = (k: keyof typeof values) => Number(values[k]);
const targets = String(values.targets).split(',').map(Number);
const idx = '/usr/share/datasets/fashion-mnist';
const spec = existsSync(idx) ? `idx:${idx}` : 'npy:assets/demo/data';
const log = (s: string) => process.stderr.write(`${s}\n`);
const env = () => ({
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  loadavg: loadavg().map((l) => +l.toFixed(2)),
});

const model = readModel(String(values.model));
const transforms = buildTransforms(readPreprocess(model), 'eval');
const train = await openDataset(spec, { split: 'train' });
const test = await openDataset(spec, { split: 'test' });
const seed = num('seed');
const calibIdx = sampleBalanced(train.labels, train.numClasses, num('calib'), seed);
const taken = new Set(calibIdx);
const rest = Int32Array.from({ length: train.labels.length }, (_, i) => i).filter((i) => !taken.has(i));
const heldIdx = Int32Array.from(
  sampleBalanced(
    Int32Array.from(rest, (i) => train.labels[i]!),
    train.numClasses,
    num('samples'),
    seed + 1,
  ),
  (j) => rest[j]!,
);
const loader = (ds: typeof train, batchSize: number, shuffle = false) =>
  new BatchLoader(ds, { batchSize, shuffle, seed, transforms });
const calibration = loader(subsetDataset(train, calibIdx, 'calibration'), 64);
const evaluation = loader(subsetDataset(train, heldIdx, 'held-out'), 100);
const testIdx = Int32Array.from({ length: Math.min(num('test'), test.labels.length) }, (_, i) => i);
const testLoader = loader(subsetDataset(test, testIdx, 'test'), 500);
const threads = num('threads');

const base: Omit<CacpSearchOptions, 'targets'> = {
  evaluation,
  samples: num('samples'),
  calibration,
  calibrationSamples: num('calib'),
  warmup: num('warmup'),
  episodes: num('episodes'),
  agent: { hidden: num('hidden') },
  roundTo: 1,
  seed,
  threads,
};

async function search(ts: number[], label: string) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await cacpSearch(model, {
    ...base,
    targets: ts,
    onProgress: (d, n, e) => {
      if (d % 10 === 0 || d === n) log(`${label}: episode ${d}/${n} β=${e.beta} top1=${e.top1.toFixed(3)}`);
    },
  });
  // CPU seconds of this process and its worker threads: less sensitive to other jobs than wall time.
  const cpu = process.cpuUsage(cpu0);
  return {
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    result: r,
    load: env().loadavg,
  };
}

/** The same recovery for every model: BN recalibration, then optionally a short KD fine-tune. */
async function finish(t: CacpTargetResult) {
  const p = await pruneModel(model, {
    criterion: 'l1',
    roundTo: 1,
    keepResidual: true,
    target: { kind: 'criterion', keep: t.keep },
    calibration,
    calibrationSamples: num('calib'),
    recover: 'bn',
    verify: true,
    threads,
  });
  let m: Model = p.model;
  const steps = num('ft-steps');
  if (steps > 0) {
    const r = await trainModel(m, loader(train, 64, true), {
      optimizer: { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
      lr: 0.01,
      epochs: 1,
      maxSteps: steps,
      loss: { distillation: { alpha: 0.9, temperature: 4 } },
      teacher: model,
      threads: 2,
    });
    m = r.model;
  }
  const acc = await evaluateModel(m, testLoader, { threads: 2 });
  return {
    fraction: t.fraction,
    achieved: computeCosts(p.model.graph).macs / computeCosts(model.graph).macs,
    searchTop1: t.top1,
    source: t.source,
    testTop1: acc.top1,
    widths: Object.fromEntries(t.keep),
  };
}

const start = env();
log(`CACP bench on ${start.cpu}, load ${start.loadavg.join(' ')}`);
const original = await evaluateModel(model, testLoader, { threads: 2 });
const conditional = await search(targets, 'conditional');
const separate = [];
for (const t of targets) separate.push(await search([t], `separate ${t}`));
const condModels = [];
for (const t of conditional.result.targets) condModels.push(await finish(t));
const sepModels = [];
for (const s of separate) sepModels.push(await finish(s.result.targets[0]!));
const sepSeconds = separate.reduce((a, s) => a + s.seconds, 0);
const mean = (xs: { testTop1: number }[]) => xs.reduce((a, x) => a + x.testTop1, 0) / xs.length;
const timeRatio = conditional.seconds / sepSeconds;
const accGap = mean(condModels) - mean(sepModels);
console.log(
  JSON.stringify(
    {
      bench: 'cacp',
      model: values.model,
      data: spec,
      settings: {
        ...values,
        targets,
        recovery: num('ft-steps') > 0 ? `bn + ${num('ft-steps')} KD steps` : 'bn',
      },
      machine: { start, end: env() },
      originalTop1: original.top1,
      testSamples: testIdx.length,
      conditional: {
        seconds: conditional.seconds,
        cpuSeconds: conditional.cpuSeconds,
        episodes: conditional.result.episodes.length,
        evaluations: conditional.result.evaluations,
        load: conditional.load,
        models: condModels,
      },
      separate: {
        seconds: sepSeconds,
        cpuSeconds: separate.reduce((a, s) => a + s.cpuSeconds, 0),
        perSearch: separate.map((s) => ({
          target: s.result.trainingTargets[0],
          seconds: s.seconds,
          cpuSeconds: s.cpuSeconds,
          episodes: s.result.episodes.length,
          evaluations: s.result.evaluations,
          load: s.load,
        })),
        models: sepModels,
      },
      timeRatio,
      cpuRatio: conditional.cpuSeconds / separate.reduce((a, s) => a + s.cpuSeconds, 0),
      evaluationRatio:
        conditional.result.evaluations / separate.reduce((a, s) => a + s.result.evaluations, 0),
      meanTestTop1: { conditional: mean(condModels), separate: mean(sepModels) },
      acceptance: {
        line: 'CACP gives 3 models from one search in ≤ 50 % of the time of 3 searches, at comparable accuracy (mean test top-1 within 1 point)',
        time: timeRatio <= 0.5,
        accuracy: accGap >= -0.01,
        met: timeRatio <= 0.5 && accGap >= -0.01,
      },
    },
    null,
    2,
  ),
);

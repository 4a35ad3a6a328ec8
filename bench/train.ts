// Training speed through the real loop (trainModel: loader with prefetch, feeds, one ORT run per
// step, state carried on the host): img/s at batch 128, 2 threads, for zoo ResNet-20, ResNet-56 and
// VGG-16 at 1×28×28 (the shape of the earlier figures in docs/benchmarks.md; --input-shape 3x32x32 for
// CIFAR's), 10 classes, on Fashion-MNIST with the acceptance recipe's augmentation (pad-2 crop, flip,
// normalise) or random data. Each model runs in its own child process so its peak RSS is its own.
// Prints one JSON object. Run: nice -n 10 npx tsx bench/train.ts [--models resnet20,resnet56,vgg16]
//   [--steps 20] [--warmup 3] [--batch 128] [--threads 2] [--data fashion-mnist|random]
//   [--input-shape 1x28x28] [--fixed-batch] [--engine auto|dnnl|nchwc|standard]

import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ArrayDataset } from '../src/data/array-dataset.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { openDataset } from '../src/data/data-spec.js';
import type { Dataset } from '../src/data/dataset.js';
import { normalizationPresets } from '../src/data/normalize.js';
import { buildTransforms } from '../src/data/transform-options.js';
import { type StepTiming, trainModel } from '../src/train/trainer.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/registry.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'resnet20,resnet56,vgg16' },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '128' },
    threads: { type: 'string', default: '2' },
    data: { type: 'string', default: 'fashion-mnist' },
    'input-shape': { type: 'string', default: '1x28x28' },
    'fixed-batch': { type: 'boolean', default: false },
    engine: { type: 'string', default: 'auto' },
    child: { type: 'string' },
  },
});
const FASHION = '/usr/share/datasets/fashion-mnist';
/** PyTorch 1.13 on this machine, 2 threads, batch 128 (issue 6; CIFAR-style shapes). */
const pytorch: Record<string, number> = { resnet20: 690, resnet56: 240, vgg16: 120 };
const batch = Number(args.batch);
const steps = Number(args.steps);
const warmup = Number(args.warmup);
const inputShape = args['input-shape'].split('x').map(Number) as [number, number, number];

async function dataset(): Promise<Dataset> {
  const [c, h, w] = inputShape;
  if (args.data === 'fashion-mnist' && c === 1 && h === 28 && w === 28 && existsSync(FASHION))
    return openDataset(`idx:${FASHION}`, { split: 'train' });
  const rng = new Rng(1);
  const n = batch * 8;
  return new ArrayDataset({
    name: 'random',
    sampleShape: inputShape,
    pixels: Uint8Array.from({ length: n * c * h * w }, () => rng.int(256)),
    labels: Int32Array.from({ length: n }, () => rng.int(10)),
    numClasses: 10,
  });
}

async function child(name: string) {
  const data = await dataset();
  const normalize =
    data.name === 'random' ? { mean: [0.5], std: [0.25] } : normalizationPresets['fashion-mnist'];
  const transforms = buildTransforms({ cropPadding: 2, flip: true, normalize }, 'train');
  const loader = new BatchLoader(data, { batchSize: batch, seed: 0, transforms });
  const model = buildZooModel(name, {
    inputShape,
    classes: 10,
    ...(args['fixed-batch'] ? { batch } : {}),
  });
  const timings: StepTiming[] = [];
  let cpu0 = process.cpuUsage();
  let wall0 = 0;
  let wall1 = 0;
  let cpuMs = 0;
  const r = await trainModel(model, loader, {
    optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
    lr: 0.1,
    epochs: 1,
    maxSteps: warmup + steps,
    schedule: { kind: 'cosine' },
    threads: Number(args.threads),
    engine: args.engine as 'auto' | 'dnnl' | 'nchwc' | 'standard',
    onEvent: (e) => {
      if (e.kind !== 'step') return;
      if (e.step === warmup) {
        cpu0 = process.cpuUsage();
        wall0 = performance.now();
      } else if (e.step > warmup) {
        timings.push(e.timing);
        const c = process.cpuUsage(cpu0);
        cpuMs = (c.user + c.system) / 1000;
        wall1 = performance.now();
      }
    },
  });
  const total = (t: StepTiming) => t.dataMs + t.teacherMs + t.runMs + t.hostMs;
  const sorted = timings.map(total).sort((a, b) => a - b);
  const mean = (f: (t: StepTiming) => number) =>
    round(timings.reduce((s, t) => s + f(t), 0) / timings.length);
  const wallS = (wall1 - wall0) / 1000;
  const threads = Number(args.threads);
  return {
    engine: r.engine,
    ...(r.dnnlFallback ? { dnnlFallback: r.dnnlFallback } : {}),
    steps: timings.length,
    imgPerS: Math.round((timings.length * batch) / wallS),
    // On a shared machine CPU time is the steadier figure: cpu / threads is an idle machine's step.
    cpuMsPerStep: round(cpuMs / timings.length),
    imgPerSFromCpu: Math.round((batch * 1000 * threads * timings.length) / cpuMs),
    stepMs: {
      median: round(sorted[Math.floor(sorted.length / 2)]!),
      min: round(sorted[0]!),
      max: round(sorted.at(-1)!),
    },
    meanMs: { data: mean((t) => t.dataMs), run: mean((t) => t.runMs), host: mean((t) => t.hostMs) },
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    pytorchImgPerS: pytorch[name] ?? null,
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

function runChild(name: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const forwarded = process.argv
      .slice(2)
      .filter((a, i, all) => a !== '--child' && all[i - 1] !== '--child');
    const p = fork(import.meta.filename, [...forwarded, '--child', name], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let result: unknown;
    p.on('message', (m) => {
      result = m;
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(result) : reject(new Error(`${name}: child exited with ${code}`)),
    );
  });
}

if (args.child) {
  const result = await child(args.child);
  process.send?.(result, () => process.disconnect());
} else {
  const load = loadavg().map(round);
  const models: Record<string, unknown> = {};
  for (const name of args.models.split(',')) models[name] = await runChild(name);
  console.log(
    JSON.stringify({
      batch,
      threads: Number(args.threads),
      steps,
      warmup,
      inputShape,
      batchDim: args['fixed-batch'] ? batch : 'symbolic',
      data:
        args.data === 'fashion-mnist' && existsSync(FASHION) && inputShape.join('x') === '1x28x28'
          ? 'fashion-mnist'
          : 'random',
      loadAverage: { start: load, end: loadavg().map(round) },
      models,
    }),
  );
}

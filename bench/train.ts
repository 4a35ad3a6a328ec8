// Training speed through the real loop (trainModel: loader with prefetch, one engine step per batch,
// state carried on the host) against PyTorch 1.13 (bench/torch_train.py, Debian python3-torch) on the
// same workload, back to back in the same run: img/s at batch 128, 2 threads, Fashion-MNIST 1×28×28 with
// the acceptance recipe's augmentation (pad-2 crop, flip, normalise), or random data. Workloads:
// cross-entropy on zoo ResNet-20, ResNet-56, VGG-16, MobileNetV2; logits KD on ResNet-56 (teacher of the
// same architecture, α 0.9, T 4); KD + attention transfer at the stage outputs; ResNet-20 with one core
// kept busy by a spinning process (both sides). Each run is its own child process, so peak RSS is its
// own. `--isa AVX2` caps oneDNN on both sides (ONEDNN_MAX_CPU_ISA in the children's environment).
// Prints one JSON object and a markdown table. Run:
//   npx tsx bench/train.ts [--workloads resnet20,resnet56,vgg16,mobilenetv2,resnet56-kd,resnet56-kd-at,resnet20-busy]
//   [--steps 20] [--warmup 3] [--batch 128] [--threads 2] [--data fashion-mnist|random] [--isa AVX2]
//   [--engine auto|dnnl|nchwc|standard] [--no-torch] [--onednn-log DIR] [--conv-algorithm direct|auto]
// --onednn-log DIR: both sides run with ONEDNN_VERBOSE=1 (every primitive execution with its time) and
// write their stdout to DIR/pare-WORKLOAD.log and DIR/torch-WORKLOAD.log; bench/onednn-profile.ts sums
// them per primitive. The timings then include the logging's cost.

import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { ArrayDataset } from '../src/data/array-dataset.js';
import { BatchLoader } from '../src/data/batch-loader.js';
import { openDataset } from '../src/data/data-spec.js';
import type { Dataset } from '../src/data/dataset.js';
import { normalizationPresets } from '../src/data/normalize.js';
import { buildTransforms } from '../src/data/transform-options.js';
import { cpuInfo } from '../src/runtime/cpu-isa.js';
import { type StepTiming, type TrainOptions, trainModel } from '../src/train/trainer.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/registry.js';

const { values: args } = parseArgs({
  options: {
    workloads: {
      type: 'string',
      default: 'resnet20,resnet56,vgg16,mobilenetv2,resnet56-kd,resnet56-kd-at,resnet20-busy',
    },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '128' },
    threads: { type: 'string', default: '2' },
    data: { type: 'string', default: 'fashion-mnist' },
    isa: { type: 'string' },
    engine: { type: 'string', default: 'auto' },
    'no-torch': { type: 'boolean', default: false },
    'onednn-log': { type: 'string' },
    'conv-algorithm': { type: 'string', default: 'direct' },
    child: { type: 'string' },
  },
});
const FASHION = '/usr/share/datasets/fashion-mnist';
const batch = Number(args.batch);
const steps = Number(args.steps);
const warmup = Number(args.warmup);
const threads = Number(args.threads);
const inputShape = [1, 28, 28] as const;

/** A workload: model, loss and whether a spinning process keeps one core busy meanwhile. */
interface Workload {
  readonly model: string;
  readonly loss: 'ce' | 'kd' | 'kd-at';
  readonly busy: boolean;
}

function workload(name: string): Workload {
  const m = /^([a-z0-9]+?)(-kd-at|-kd)?(-busy)?$/.exec(name);
  if (!m) throw new Error(`unknown workload ${name}`);
  return { model: m[1]!, loss: (m[2]?.slice(1) ?? 'ce') as Workload['loss'], busy: m[3] !== undefined };
}

async function dataset(): Promise<Dataset> {
  const [c, h, w] = inputShape;
  if (args.data === 'fashion-mnist' && existsSync(FASHION))
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
  const wl = workload(name);
  const data = await dataset();
  const normalize =
    data.name === 'random' ? { mean: [0.5], std: [0.25] } : normalizationPresets['fashion-mnist'];
  const transforms = buildTransforms({ cropPadding: 2, flip: true, normalize }, 'train');
  const loader = new BatchLoader(data, { batchSize: batch, seed: 0, transforms });
  const model = buildZooModel(wl.model, { inputShape, classes: 10 });
  const kd: Partial<TrainOptions> =
    wl.loss === 'ce'
      ? {}
      : {
          teacher: buildZooModel(wl.model, { inputShape, classes: 10, seed: 7 }),
          loss: { distillation: { temperature: 4, alpha: 0.9 } },
          ...(wl.loss === 'kd-at' ? { featureDistillation: { pairs: 'auto', loss: 'attention' } } : {}),
        };
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
    threads,
    engine: args.engine as 'auto' | 'dnnl' | 'nchwc' | 'standard',
    dnnl: { convAlgorithm: args['conv-algorithm'] === 'auto' ? 'auto' : 'direct' },
    ...kd,
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
  return {
    engine: r.engine,
    ...(r.dnnlFallback ? { dnnlFallback: r.dnnlFallback } : {}),
    ...(r.features.length ? { features: r.features.map((f) => f.student) } : {}),
    imgPerS: Math.round((timings.length * batch) / wallS),
    // On a shared machine CPU time is the steadier figure: cpu / threads is an idle machine's step.
    cpuMsPerStep: round(cpuMs / timings.length),
    stepMs: { median: round(sorted[Math.floor(sorted.length / 2)]!), min: round(sorted[0]!) },
    meanMs: {
      data: mean((t) => t.dataMs),
      teacher: mean((t) => t.teacherMs),
      run: mean((t) => t.runMs),
      host: mean((t) => t.hostMs),
    },
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** The children's environment: oneDNN capped when asked (both sides read it at start-up). */
function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // as the CLI sets it (cli/main.ts): idle OpenMP threads sleep; PyTorch gets the same
    OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'passive',
    ...(args.isa ? { ONEDNN_MAX_CPU_ISA: args.isa } : {}),
    ...(args['onednn-log'] ? { ONEDNN_VERBOSE: '1' } : {}),
  };
}

/** Where a child's stdout goes: its oneDNN log with --onednn-log, else nowhere. */
function childStdout(side: 'pare' | 'torch', name: string): 'ignore' | number {
  const dir = args['onednn-log'];
  if (!dir) return 'ignore';
  mkdirSync(dir, { recursive: true });
  return openSync(join(dir, `${side}-${name}.log`), 'w');
}

function runPare(name: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const forwarded = process.argv
      .slice(2)
      .filter((a, i, all) => a !== '--child' && all[i - 1] !== '--child');
    const p = fork(import.meta.filename, [...forwarded, '--child', name], {
      stdio: ['ignore', childStdout('pare', name), 'inherit', 'ipc'],
      env: childEnv(),
    });
    let result: Record<string, unknown> = {};
    p.on('message', (m) => {
      result = m as Record<string, unknown>;
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(result) : reject(new Error(`${name}: child exited with ${code}`)),
    );
  });
}

async function runTorch(wl: Workload, name: string): Promise<Record<string, unknown>> {
  const script = new URL('./torch_train.py', import.meta.url).pathname;
  const log = args['onednn-log'] ? join(args['onednn-log'], `torch-${name}.log`) : undefined;
  const run = log
    ? (file: string, argv: string[], o: { env: NodeJS.ProcessEnv; maxBuffer: number }) =>
        new Promise<{ stdout: string }>((resolve, reject) => {
          const p = spawn(file, argv, {
            env: o.env,
            stdio: ['ignore', childStdout('torch', name), 'inherit'],
          });
          p.on('error', reject);
          p.on('exit', (code) =>
            code === 0
              ? resolve({ stdout: readFileSync(log, 'utf8') })
              : reject(new Error(`torch ${name}: ${code}`)),
          );
        })
    : promisify(execFile);
  const { stdout } = await run(
    '/usr/bin/python3',
    [
      script,
      '--model',
      wl.model,
      '--loss',
      wl.loss,
      '--steps',
      String(steps),
      '--warmup',
      String(warmup),
      '--batch',
      String(batch),
      '--threads',
      String(threads),
      '--data',
      args.data,
    ],
    { env: childEnv(), maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** A process spinning on one core for the length of a measurement (the "one core busy" scenario). */
function spin(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

async function measure<T>(busy: boolean, f: () => Promise<T>): Promise<T> {
  const spinner = busy ? spin() : undefined;
  try {
    return await f();
  } finally {
    spinner?.kill();
  }
}

if (args.child) {
  const result = await child(args.child);
  process.send?.(result, () => process.disconnect());
} else {
  const load = loadavg().map(round);
  const cpu = cpuInfo();
  const results: Record<string, { pare: Record<string, unknown>; torch?: Record<string, unknown> }> = {};
  for (const name of args.workloads.split(',')) {
    const wl = workload(name);
    const pare = await measure(wl.busy, () => runPare(name));
    const torch = args['no-torch'] ? undefined : await measure(wl.busy, () => runTorch(wl, name));
    results[name] = { pare, ...(torch ? { torch } : {}) };
    console.error(JSON.stringify({ [name]: results[name] }));
  }
  const end = loadavg().map(round);
  const summary = {
    cpu: cpu.model,
    isa: cpu.isa,
    oneDnnCap: args.isa ?? 'none',
    batch,
    threads,
    steps,
    warmup,
    data: args.data === 'fashion-mnist' && existsSync(FASHION) ? 'fashion-mnist' : 'random',
    loadAverage: { start: load, end },
    results,
  };
  console.log(JSON.stringify(summary));
  console.log(table(summary.results));
}

function table(results: Record<string, { pare: Record<string, unknown>; torch?: Record<string, unknown> }>) {
  const rows = [
    '| workload | pare engine | pare img/s | PyTorch img/s | ratio | pare CPU ms/step | PyTorch CPU ms/step | pare peak RSS MB | PyTorch peak RSS MB |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, r] of Object.entries(results)) {
    const p = r.pare;
    const t = r.torch ?? {};
    const ratio = t.imgPerS ? ((p.imgPerS as number) / (t.imgPerS as number)).toFixed(2) : '–';
    rows.push(
      `| ${name} | ${p.engine}${p.dnnlFallback ? ` (fallback: ${p.dnnlFallback})` : ''} | ${p.imgPerS} | ${t.imgPerS ?? '–'} | ${ratio}× | ${p.cpuMsPerStep} | ${t.cpuMsPerStep ?? '–'} | ${p.peakRssMB} | ${t.peakRssMB ?? '–'} |`,
    );
  }
  return rows.join('\n');
}

// Benchmark: oneDNN (native/dnnl addon) on the 6-layer 3x3 Conv+ReLU chain, batch 128.
//
//   OMP_WAIT_POLICY=passive npx tsx bench/dnnl-conv.ts [--steps 10] [--threads 2] [--modes blocked,plain,plainKernels]
//
// Step = forward (6 x conv+bias, relu) + backward (6 x relu-bwd, bwd-weights(+bias), bwd-data for
// layers 2..6: the input needs no gradient, as in the PyTorch reference native/dnnl/bench/torch_chain.py).
// Modes:
//   blocked      tensors kept in oneDNN's preferred (blocked, nChw16c) layouts; only the tiny per-step reorder
//                of each filter into the blocking bwd-data wants (5 per step) remains
//   plain        tensors are plain NCHW Float32Arrays; primitives still blocked -> reorders in/out every call
//   plainKernels primitives created on NCHW/OIHW directly (no reorders, oneDNN's plain-layout kernels)
// Prints JSON.

import { cpus, loadavg } from 'node:os';
import { type DnnlAddon, type Handle, loadDnnl, type TensorLike } from '../native/dnnl/index.js';

type Mode = 'blocked' | 'plain' | 'plainKernels';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

const STEPS = Number(arg('steps', '10'));
const THREADS = Number(arg('threads', '2'));
const MODES = arg('modes', 'blocked,plain,plainKernels').split(',') as Mode[];
const N = 128;
const LAYERS = 6;
const CONFIGS = [
  { name: '16ch 28x28', c: 16, hw: 28 },
  { name: '32ch 14x14', c: 32, hw: 14 },
  { name: '64ch 7x7', c: 64, hw: 7 },
];
const PRIMS = ['convFwd', 'convBwdData', 'convBwdWeights', 'reluFwd', 'reluBwd'] as const;
type Prim = (typeof PRIMS)[number];

function fill(a: Float32Array, scale: number): Float32Array {
  let s = 7;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function benchChain(d: DnnlAddon, c: number, hw: number, mode: Mode) {
  const convs: Handle<'conv'>[] = [];
  const relus: Handle<'relu'>[] = [];
  const dims = [N, c, hw, hw];
  const plainSize = N * c * hw * hw;
  // tensor factory: plain Float32Array or natively allocated tensor in the op's preferred layout
  const act = (h: Handle<string>, which: string): TensorLike =>
    mode === 'blocked' ? d.alloc(d.layout(h, which)) : new Float32Array(plainSize);
  for (let l = 0; l < LAYERS; l++) {
    const prevDst = l > 0 && mode === 'blocked' ? d.layout(convs[l - 1]!, 'dst') : undefined;
    const conv = d.convCreate({
      n: N,
      c,
      h: hw,
      w: hw,
      oc: c,
      kernel: [3, 3],
      pads: [1, 1, 1, 1],
      bias: true,
      layout: mode === 'plainKernels' ? 'plain' : (prevDst ?? 'any'),
    });
    convs.push(conv);
    relus.push(d.reluCreate({ dims, layout: mode === 'blocked' ? d.layout(conv, 'dst') : 'plain' }));
  }
  const x = mode === 'blocked' ? d.alloc(d.layout(convs[0]!, 'src')) : new Float32Array(plainSize);
  if (mode === 'blocked') {
    const src = fill(new Float32Array(plainSize), 1);
    d.reorder({ data: src, dims }, x as { data: Float32Array; dims: number[] });
  } else fill(x as Float32Array, 1);
  const wPlain = c * c * 9;
  const W = convs.map((h, l) => {
    const w = fill(new Float32Array(wPlain), Math.sqrt(2 / (9 * c)) * (1 + l / 10));
    if (mode !== 'blocked') return w;
    const t = d.alloc(d.layout(h, 'weights'));
    d.reorder({ data: w, dims: t.dims }, t);
    return t;
  });
  const B = convs.map(() => fill(new Float32Array(c), 0.1));
  const Y = convs.map((h) => act(h, 'dst')); // conv outputs
  const A = convs.map((h) => act(h, 'dst')); // relu outputs
  const dA = convs.map((h) => act(h, 'dst'));
  const dY = convs.map((h) => act(h, 'dst'));
  const dW = convs.map((h) =>
    mode === 'blocked' ? d.alloc(d.layout(h, 'diff_weights')) : new Float32Array(wPlain),
  );
  const dB = convs.map(() => new Float32Array(c));
  const top = dA[LAYERS - 1]!;
  (top instanceof Float32Array ? top : top.data).fill(1 / plainSize);

  const t: Record<Prim, number> = { convFwd: 0, convBwdData: 0, convBwdWeights: 0, reluFwd: 0, reluBwd: 0 };
  const tc: Record<Prim, number> = { ...t };
  const timed = (p: Prim, f: () => void): void => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    f();
    t[p] += Number(process.hrtime.bigint() - t0) / 1e6;
    const c1 = process.cpuUsage(c0);
    tc[p] += (c1.user + c1.system) / 1e3;
  };
  const step = (): void => {
    for (let l = 0; l < LAYERS; l++) {
      const inp = l === 0 ? x : A[l - 1]!;
      timed('convFwd', () => d.convForward(convs[l]!, inp, W[l]!, B[l]!, Y[l]!));
      timed('reluFwd', () => d.reluForward(relus[l]!, Y[l]!, A[l]!));
    }
    for (let l = LAYERS - 1; l >= 0; l--) {
      timed('reluBwd', () => d.reluBackward(relus[l]!, dA[l]!, Y[l]!, dY[l]!));
      const inp = l === 0 ? x : A[l - 1]!;
      timed('convBwdWeights', () => d.convBackwardWeights(convs[l]!, inp, dY[l]!, dW[l]!, dB[l]!));
      if (l > 0) timed('convBwdData', () => d.convBackwardData(convs[l]!, dY[l]!, W[l]!, dA[l - 1]!));
    }
  };
  for (let i = 0; i < 3; i++) step();
  for (const p of PRIMS) {
    t[p] = 0;
    tc[p] = 0;
  }
  d.resetStats();
  const steps: number[] = [];
  const cpuSteps: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    step();
    steps.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c1 = process.cpuUsage(c0);
    cpuSteps.push((c1.user + c1.system) / 1e3);
  }
  const st = d.stats();
  const flopPerConv = 2 * N * c * c * 9 * hw * hw;
  const calls: Record<Prim, number> = {
    convFwd: LAYERS,
    convBwdData: LAYERS - 1,
    convBwdWeights: LAYERS,
    reluFwd: LAYERS,
    reluBwd: LAYERS,
  };
  // Wall times are inflated when other processes compete for the cores; CPU times (all threads, with
  // OMP_WAIT_POLICY=passive so idle OpenMP threads do not spin) are robust to that. cpuMs / threads
  // estimates the uncontended wall time (perfect scaling assumed).
  const perPrim: Record<string, Record<string, number>> = {};
  for (const p of PRIMS) {
    const msPerCall = t[p] / STEPS / calls[p];
    const cpuMsPerCall = tc[p] / STEPS / calls[p];
    perPrim[p] = {
      wallMsPerCall: +msPerCall.toFixed(3),
      cpuMsPerCall: +cpuMsPerCall.toFixed(3),
      cpuMsPerStep: +(tc[p] / STEPS).toFixed(2),
      ...(p.startsWith('conv')
        ? {
            gflopsWall: +(flopPerConv / msPerCall / 1e6).toFixed(1),
            gflopsPerCore: +(flopPerConv / cpuMsPerCall / 1e6).toFixed(1),
          }
        : {}),
    };
  }
  const stepFlop = flopPerConv * (3 * LAYERS - 1);
  return {
    stepMsMedian: +median(steps).toFixed(2),
    stepMsMin: +Math.min(...steps).toFixed(2),
    stepCpuMsMedian: +median(cpuSteps).toFixed(2),
    stepCpuMsPerThread: +(median(cpuSteps) / THREADS).toFixed(2),
    convGflopsPerStep: +(stepFlop / 1e9).toFixed(2),
    gflopsPerCore: +(stepFlop / median(cpuSteps) / 1e6).toFixed(1),
    reordersPerStep: st.reorders / STEPS,
    reorderMsPerStep: +(st.reorderMs / STEPS).toFixed(2),
    perPrim,
    impl: {
      fwd: d.impl(convs[1]!, 'fwd'),
      bwdData: d.impl(convs[1]!, 'bwd_data'),
      bwdWeights: d.impl(convs[1]!, 'bwd_weights'),
      layouts: {
        src: d.layout(convs[1]!, 'src').format,
        weights: d.layout(convs[1]!, 'weights').format,
        dst: d.layout(convs[1]!, 'dst').format,
      },
    },
  };
}

function main(): void {
  const d = loadDnnl(THREADS);
  if (!d) {
    console.error('native/dnnl addon not built: see docs/engine-dnnl.md');
    process.exit(1);
  }
  const out: Record<string, unknown> = {
    oneDNN: d.version(),
    threads: d.getNumThreads(),
    ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? '(default: active spin)',
    loadavg: loadavg().map((x) => +x.toFixed(2)),
    cpu: cpus()[0]?.model,
    batch: N,
    layers: LAYERS,
    steps: STEPS,
    results: {},
  };
  const results: Record<string, Record<string, unknown>> = {};
  for (const cfg of CONFIGS) {
    results[cfg.name] = {};
    for (const m of MODES) results[cfg.name]![m] = benchChain(d, cfg.c, cfg.hw, m);
  }
  out.results = results;
  console.log(JSON.stringify(out, null, 2));
}

main();

// Benchmark: a full ResNet-20 training step (Fashion-MNIST 1x28x28, widths 16/32/64 at 28/14/7,
// batch 128) executed op by op through the native/dnnl addon: conv/BN/ReLU/add/avg-pool/FC (1x1 conv)
// forward + backward with oneDNN, softmax-cross-entropy and SGD-momentum in plain JS loops.
// This is what a "oneDNN executor" running the ONNX training graph would do, minus graph dispatch.
//
//   OMP_WAIT_POLICY=passive npx tsx bench/dnnl-resnet.ts [--steps 10] [--threads 2]
//       [--modes blocked,plain] [--fuse] [--depth 20] [--bn-threads 1]
//
// Modes: blocked = activations kept in oneDNN's blocked layouts (nChw16c), plain = every tensor plain
// NCHW between ops (convs reorder in/out internally, like PyTorch's default NCHW path).
// --fuse: BN+ReLU fused inside blocks (oneDNN fuse_norm_relu) -- PyTorch eager does not fuse.
// Shortcut on stage change: 1x1 conv stride 2 + BN ("option B"; the PyTorch reference uses the same).
// Prints JSON.

import { cpus, loadavg } from 'node:os';
import { type DnnlAddon, type DnnlTensor, type Handle, type Layout, loadDnnl } from '../native/dnnl/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}
const STEPS = Number(arg('steps', '10'));
const THREADS = Number(arg('threads', '2'));
const MODES = arg('modes', 'blocked,plain').split(',') as Mode[];
const FUSE = process.argv.includes('--fuse');
const DEPTH = Number(arg('depth', '20'));
// OpenMP threads for BN only (0 = same as --threads). oneDNN's blocked-layout BN (bnorm_jit) syncs its
// threads with spinning barriers, which collapses when the cores are oversubscribed.
const BN_THREADS = Number(arg('bn-threads', '0'));
const N = 128;
const CLASSES = 10;

type Mode = 'blocked' | 'plain';
const CATS = [
  'convFwd',
  'convBwdData',
  'convBwdWeights',
  'bnFwd',
  'bnBwd',
  'reluFwd',
  'reluBwd',
  'add',
  'pool',
  'lossJs',
  'sgdJs',
] as const;
type Cat = (typeof CATS)[number];

let seed = 1;
function fill(a: Float32Array, scale: number): Float32Array {
  for (let i = 0; i < a.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = ((seed / 2 ** 32) * 2 - 1) * scale;
  }
  return a;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Param {
  w: DnnlTensor; // weights in the primitive's layout
  g: DnnlTensor; // gradient, same layout (checked)
  v: Float32Array; // momentum
}

class Trainer {
  fwd: (() => void)[] = [];
  bwd: (() => void)[] = []; // executed in reverse order of registration
  params: Param[] = [];
  wall: Record<Cat, number>;
  cpu: Record<Cat, number>;
  flop = 0;

  constructor(
    readonly d: DnnlAddon,
    readonly mode: Mode,
  ) {
    this.wall = Object.fromEntries(CATS.map((c) => [c, 0])) as Record<Cat, number>;
    this.cpu = { ...this.wall };
  }

  timed(c: Cat, f: () => void): void {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    f();
    this.wall[c] += Number(process.hrtime.bigint() - t0) / 1e6;
    const c1 = process.cpuUsage(c0);
    this.cpu[c] += (c1.user + c1.system) / 1e3;
  }

  /** activation tensor in `l` (blocked mode) or plain NCHW */
  act(l: Layout): DnnlTensor {
    return this.d.alloc(this.mode === 'blocked' ? l : l.dims);
  }
  layoutFor(l: Layout): Layout | 'plain' {
    return this.mode === 'blocked' ? l : 'plain';
  }

  param(l: Layout, gl: Layout, plainInit: Float32Array): Param {
    if (l.format !== gl.format) throw new Error(`weights ${l.format} vs diff_weights ${gl.format}`);
    const w = this.d.alloc(l);
    this.d.reorder({ data: plainInit, dims: l.dims }, w);
    const p = { w, g: this.d.alloc(gl), v: new Float32Array(w.data.length) };
    this.params.push(p);
    return p;
  }

  /** x: [n,c,h,w] tensor (layout = x's). Returns y and registers fwd/bwd. dx (if wanted) is written into `dxOut`. */
  conv(
    x: DnnlTensor,
    oc: number,
    k: number,
    stride: number,
    bias: boolean,
  ): { y: DnnlTensor; dy: DnnlTensor; backward: (dx: DnnlTensor | null) => void } {
    const [n, c, h, w] = x.dims as [number, number, number, number];
    const pad = (k - 1) >> 1;
    const hc = this.d.convCreate({
      n,
      c,
      h,
      w,
      oc,
      kernel: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      bias,
      layout: this.mode === 'blocked' && x.format !== 'abcd' ? x : 'any',
    });
    const wl = this.d.layout(hc, 'weights');
    const p = this.param(
      wl,
      this.d.layout(hc, 'diff_weights'),
      fill(new Float32Array(oc * c * k * k), Math.sqrt(2 / (c * k * k))),
    );
    const b = bias ? { w: new Float32Array(oc), g: new Float32Array(oc), v: new Float32Array(oc) } : null;
    const y = this.act(this.d.layout(hc, 'dst'));
    const dy = this.act(this.d.layout(hc, 'dst'));
    const [oh, ow] = [y.dims[2]!, y.dims[3]!];
    this.flop += 2 * n * oc * oh * ow * c * k * k;
    this.fwd.push(() => this.timed('convFwd', () => this.d.convForward(hc, x, p.w, b?.w, y)));
    return {
      y,
      dy,
      backward: (dx) => {
        this.bwd.push(() => {
          this.timed('convBwdWeights', () => this.d.convBackwardWeights(hc, x, dy, p.g, b?.g));
          if (dx) this.timed('convBwdData', () => this.d.convBackwardData(hc, dy, p.w, dx));
        });
        if (b) this.bias.push(b);
      },
    };
  }
  bias: { w: Float32Array; g: Float32Array; v: Float32Array }[] = [];

  bn(
    x: DnnlTensor,
    fuseRelu: boolean,
    dyBuf?: DnnlTensor,
  ): { y: DnnlTensor; dy: DnnlTensor; backward: (dx: DnnlTensor) => void } {
    const [n, c, h, w] = x.dims as [number, number, number, number];
    const hb = this.d.bnCreate({ n, c, h, w, fuseRelu, layout: this.layoutFor(x), threads: BN_THREADS });
    const gamma = new Float32Array(c).fill(1);
    const beta = new Float32Array(c);
    const mean = new Float32Array(c);
    const vari = new Float32Array(c);
    const dg = new Float32Array(c);
    const db = new Float32Array(c);
    this.bias.push({ w: gamma, g: dg, v: new Float32Array(c) }, { w: beta, g: db, v: new Float32Array(c) });
    const ws = fuseRelu ? this.d.alloc(this.d.layout(hb, 'workspace')) : null;
    const y = this.act(x);
    const dy = dyBuf ?? this.act(x);
    this.fwd.push(() => this.timed('bnFwd', () => this.d.bnForward(hb, x, gamma, beta, y, mean, vari, ws)));
    return {
      y,
      dy,
      backward: (dx) =>
        this.bwd.push(() =>
          this.timed('bnBwd', () => this.d.bnBackward(hb, dy, x, gamma, beta, mean, vari, dx, dg, db, ws)),
        ),
    };
  }

  relu(x: DnnlTensor): { y: DnnlTensor; dy: DnnlTensor; backward: (dx: DnnlTensor) => void } {
    const hr = this.d.reluCreate({ dims: x.dims, layout: this.layoutFor(x) });
    const y = this.act(x);
    const dy = this.act(x);
    this.fwd.push(() => this.timed('reluFwd', () => this.d.reluForward(hr, x, y)));
    return {
      y,
      dy,
      backward: (dx) => this.bwd.push(() => this.timed('reluBwd', () => this.d.reluBackward(hr, dy, x, dx))),
    };
  }

  addOp(dims: number[], l: Layout): Handle<'add'> {
    return this.d.addCreate({ dims, layout: this.layoutFor(l) });
  }
}

/** Builds ResNet-(6k+2) and returns a step() function. */
function buildResNet(d: DnnlAddon, mode: Mode) {
  const T = new Trainer(d, mode);
  const k = (DEPTH - 2) / 6;
  const input = d.alloc([N, 1, 28, 28]);
  fill(input.data, 1);
  const labels = Int32Array.from({ length: N }, (_, i) => i % CLASSES);

  // Each stage returns the block output tensor and the gradient tensor that the *next* layer fills.
  // Backward closures are registered in forward order and executed in reverse.
  const stem = T.conv(input, 16, 3, 1, false);
  const stemBn = T.bn(stem.y, FUSE);
  const stemRelu = FUSE ? null : T.relu(stemBn.y);
  let x = stemRelu ? stemRelu.y : stemBn.y;
  let dxOfX = stemRelu ? stemRelu.dy : stemBn.dy; // gradient buffer of x (written by consumers)
  const bwdRegs: (() => void)[] = [];
  bwdRegs.push(() => {
    stem.backward(null);
    stemBn.backward(stem.dy);
    if (stemRelu) stemRelu.backward(stemBn.dy);
  });

  let cin = 16;
  for (const [si, cout] of [16, 32, 64].entries()) {
    for (let b = 0; b < k; b++) {
      const stride = si > 0 && b === 0 ? 2 : 1;
      const xIn = x;
      const dxIn = dxOfX;
      const c1 = T.conv(xIn, cout, 3, stride, false);
      const bn1 = T.bn(c1.y, FUSE);
      const r1 = FUSE ? null : T.relu(bn1.y);
      const a1 = r1 ? r1.y : bn1.y;
      const da1 = r1 ? r1.dy : bn1.dy;
      const c2 = T.conv(a1, cout, 3, 1, false);
      // gradient of the residual sum s: read by bn2's and the shortcut's backward (add = fan-out)
      const ds = T.act(c2.y);
      const bn2 = T.bn(c2.y, false, ds);
      const proj = stride !== 1 || cin !== cout;
      const cs = proj ? T.conv(xIn, cout, 1, stride, false) : null;
      const bns = cs ? T.bn(cs.y, false, ds) : null;
      const scY = bns ? bns.y : xIn;
      const hadd = T.addOp(bn2.y.dims, bn2.y);
      const s = T.act(bn2.y);
      T.fwd.push(() => T.timed('add', () => d.add(hadd, bn2.y, scY, s)));
      const out = T.relu(s);
      const dxMain = T.act(xIn);
      const dxSc = cs ? T.act(xIn) : null;
      const haddX = T.addOp(xIn.dims, xIn);
      bwdRegs.push(() => {
        // registered in forward order, executed in reverse: out -> bn2 -> c2 -> r1 -> bn1 -> c1
        // -> shortcut bn -> shortcut conv -> dx = dxMain + (dxSc | ds)
        T.bwd.push(() => T.timed('add', () => d.add(haddX, dxMain, dxSc ?? ds, dxIn)));
        if (dxSc) cs!.backward(dxSc);
        if (bns) bns.backward(cs!.dy);
        c1.backward(dxMain);
        bn1.backward(c1.dy);
        if (r1) r1.backward(bn1.dy);
        c2.backward(da1);
        bn2.backward(c2.dy);
        out.backward(ds);
      });
      x = out.y;
      dxOfX = out.dy;
      cin = cout;
    }
  }
  // head: global average pool 7x7 -> [N,64,1,1] -> FC (1x1 conv 64->10, bias) -> softmax CE
  const hp = d.poolCreate({
    n: N,
    c: 64,
    h: 7,
    w: 7,
    kernel: [7, 7],
    strides: [1, 1],
    mode: 'avg',
    layout: T.layoutFor(x),
  });
  const pooled = T.act(d.layout(hp, 'dst'));
  const dpooled = T.act(d.layout(hp, 'dst'));
  const xLast = x;
  const dxLast = dxOfX;
  T.fwd.push(() => T.timed('pool', () => d.poolForward(hp, xLast, pooled)));
  const fc = T.conv(pooled, CLASSES, 1, 1, true);
  const logits = new Float32Array(N * CLASSES);
  const dlogits = new Float32Array(N * CLASSES);
  let loss = 0;
  T.fwd.push(() =>
    T.timed('lossJs', () => {
      d.reorder(fc.y, { data: logits, dims: [N, CLASSES, 1, 1] });
      loss = 0;
      for (let i = 0; i < N; i++) {
        let m = -Infinity;
        for (let j = 0; j < CLASSES; j++) m = Math.max(m, logits[i * CLASSES + j]!);
        let s = 0;
        for (let j = 0; j < CLASSES; j++) s += Math.exp(logits[i * CLASSES + j]! - m);
        for (let j = 0; j < CLASSES; j++) {
          const p = Math.exp(logits[i * CLASSES + j]! - m) / s;
          dlogits[i * CLASSES + j] = (p - (j === labels[i] ? 1 : 0)) / N;
        }
        loss += -(logits[i * CLASSES + labels[i]!]! - m - Math.log(s)) / N;
      }
      d.reorder({ data: dlogits, dims: [N, CLASSES, 1, 1] }, fc.dy);
    }),
  );
  // register backward (reverse execution order)
  for (const r of bwdRegs) r();
  T.bwd.push(() => T.timed('pool', () => d.poolBackward(hp, dpooled, dxLast)));
  fc.backward(dpooled);

  const lr = 0.01;
  const mom = 0.9;
  const sgd = (w: Float32Array, g: Float32Array, v: Float32Array): void => {
    for (let i = 0; i < w.length; i++) {
      const vi = mom * v[i]! + g[i]!;
      v[i] = vi;
      w[i] = w[i]! - lr * vi;
    }
  };
  const step = (): number => {
    for (const f of T.fwd) f();
    for (let i = T.bwd.length - 1; i >= 0; i--) T.bwd[i]!();
    T.timed('sgdJs', () => {
      for (const p of T.params) sgd(p.w.data, p.g.data, p.v);
      for (const p of T.bias) sgd(p.w, p.g, p.v);
    });
    return loss;
  };
  const nParams =
    T.params.reduce((s, p) => s + p.w.data.length, 0) + T.bias.reduce((s, p) => s + p.w.length, 0);
  return { T, step, nParams };
}

function run(d: DnnlAddon, mode: Mode) {
  const { T, step, nParams } = buildResNet(d, mode);
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push(step());
  for (const c of CATS) {
    T.wall[c] = 0;
    T.cpu[c] = 0;
  }
  d.resetStats();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    losses.push(step());
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1e3);
  }
  const st = d.stats();
  const cpuMs = median(cpu);
  const breakdownCpuMsPerStep: Record<string, number> = {};
  for (const c of CATS) breakdownCpuMsPerStep[c] = +(T.cpu[c] / STEPS).toFixed(2);
  const breakdownWallMsPerStep: Record<string, number> = {};
  for (const c of CATS) breakdownWallMsPerStep[c] = +(T.wall[c] / STEPS).toFixed(2);
  return {
    params: nParams,
    convGflopPerStep: +((T.flop * 3) / 1e9).toFixed(2),
    stepMsMedian: +median(wall).toFixed(1),
    stepMsMin: +Math.min(...wall).toFixed(1),
    stepCpuMsMedian: +cpuMs.toFixed(1),
    stepCpuMsPerThread: +(cpuMs / THREADS).toFixed(1),
    imgPerSecWallMin: Math.round((N * 1000) / Math.min(...wall)),
    imgPerSecCpuPerThread: Math.round((N * 1000 * THREADS) / cpuMs),
    reordersPerStep: st.reorders / STEPS,
    reorderMsPerStep: +(st.reorderMs / STEPS).toFixed(2),
    breakdownCpuMsPerStep,
    breakdownWallMsPerStep,
    lossFirst: +losses[0]!.toFixed(4),
    lossLast: +losses[losses.length - 1]!.toFixed(4),
  };
}

function main(): void {
  const d = loadDnnl(THREADS);
  if (!d) {
    console.error('native/dnnl addon not built: see docs/engine-dnnl.md');
    process.exit(1);
  }
  const results: Record<string, unknown> = {};
  for (const m of MODES) results[m] = run(d, m);
  console.log(
    JSON.stringify(
      {
        model: `ResNet-${DEPTH} (1x28x28, 16/32/64, 1x1-conv shortcuts)`,
        fusedBnRelu: FUSE,
        bnThreads: BN_THREADS || THREADS,
        oneDNN: d.version(),
        threads: d.getNumThreads(),
        ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? '(default: active spin)',
        loadavg: loadavg().map((x) => +x.toFixed(2)),
        cpu: cpus()[0]?.model,
        batch: N,
        steps: STEPS,
        results,
      },
      null,
      2,
    ),
  );
}

main();

// Training engine on the oneDNN addon (src/runtime/dnnl.ts): a layer executor, not an ONNX
// interpreter. The forward model (inference form, BatchNormalization nodes) is walked in graph order;
// when every node is a supported layer (Conv, BatchNormalization, Relu, Clip, Add, MaxPool, AveragePool,
// GlobalAveragePool, Flatten/Reshape to [N, F], Gemm) a plan runs forward, backward in reverse order
// (gradients summed where a value fans out), softmax cross-entropy and SGD. Otherwise planDnnl() returns
// a reason and the caller uses ONNX Runtime. Activations stay in oneDNN's blocked layouts between ops;
// one plan (primitives and buffers) per batch size, parameters shared.
// Semantics match the ORT training graph: BN uses batch statistics, running statistics blend as
// momentum·old + (1 − momentum)·batch with the unbiased batch variance (batch-norm-training.ts);
// cross-entropy with PyTorch's label smoothing (losses/cross-entropy.ts); SGD as torch.optim.SGD
// (optim/sgd.ts). Gemm runs as a 1×1 convolution on [N, F, 1, 1]. Findings behind the choices
// (BN on one thread, layouts): docs/engine-dnnl.md.

import type { SgdOptions } from '../autodiff/optim/sgd.js';
import type { TrainingGraph, TrainingGraphOptions } from '../autodiff/training-graph.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { findParams } from '../ops/params.js';
import { type DnnlAddon, type DnnlTensor, dnnlUnavailable, type Handle, loadDnnl } from '../runtime/dnnl.js';
import type { HostTensor } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

export interface DnnlEngineOptions extends TrainingGraphOptions {
  /** OpenMP threads for the convolutions (default: the current setting). */
  readonly threads?: number;
  /** OpenMP threads for batch norm (default 1: its blocked kernel spins at barriers; engine-dnnl.md). */
  readonly bnThreads?: number;
}

type Layer =
  | {
      kind: 'conv';
      x: string;
      y: string;
      w: string;
      b: string | undefined;
      kernel: [number, number];
      strides: [number, number];
      pads: [number, number, number, number];
      dilations: [number, number];
      group: number;
      /** Gemm with transB = 0: W is [F, K], stored transposed */
      transposed: boolean;
      /** Gemm: the ONNX weight is 2-D */
      gemm: boolean;
    }
  | {
      kind: 'bn';
      x: string;
      y: string;
      scale: string;
      bias: string;
      mean: string;
      var: string;
      epsilon: number;
      momentum: number;
    }
  /** Relu, or Clip (ReLU6) when `clip` is set: [lo, hi] */
  | { kind: 'relu'; x: string; y: string; clip?: [number, number] }
  | { kind: 'add'; a: string; b: string; y: string }
  | {
      kind: 'pool';
      x: string;
      y: string;
      mode: 'max' | 'avg' | 'avg_include_pad';
      /** undefined: global */
      kernel: [number, number] | undefined;
      strides: [number, number];
      pads: [number, number, number, number];
    }
  | { kind: 'flatten'; x: string; y: string };

interface Param {
  readonly name: string;
  /** ONNX dims */
  readonly dims: readonly number[];
  /** Values (blocked for conv weights once a plan exists). */
  w: DnnlTensor | Float32Array;
  g: DnnlTensor | Float32Array;
  /** Momentum buffer, same layout as w. */
  v: Float32Array;
  readonly decay: boolean;
  /** plain ONNX values waiting for the first plan to pick the layout */
  pending: Float32Array | undefined;
  readonly transposed: boolean;
}

interface RunningStats {
  mean: Float32Array;
  var: Float32Array;
}

/** A plan supported by the dnnl engine, or why not. */
export type DnnlPlanResult = { readonly engine: DnnlEngine } | { readonly reason: string };

/** Build the engine for `model`, or say why it cannot run it (the caller falls back to ORT). */
export function planDnnl(model: Model, options: DnnlEngineOptions): DnnlPlanResult {
  const why = unsupportedOptions(options);
  if (why) return { reason: why };
  const d = loadDnnl(options.threads);
  if (!d) return { reason: dnnlUnavailable() };
  const r = program(model, options);
  if ('reason' in r) return r;
  return { engine: new DnnlEngine(d, r, options) };
}

function unsupportedOptions(o: DnnlEngineOptions): string | undefined {
  if (o.optimizer.kind !== 'sgd') return `optimizer ${o.optimizer.kind} (the dnnl engine runs SGD only)`;
  if (o.loss?.distillation) return 'knowledge distillation (the dnnl engine runs cross-entropy only)';
  if ((o.loss?.features?.length ?? 0) > 0) return 'feature distillation';
  if ((o.frozen?.length ?? 0) > 0) return 'frozen parameters';
  if ((o.masked?.length ?? 0) > 0) return 'masked parameters';
  if (o.batchNorm === 'frozen') return 'frozen batch norm';
  return undefined;
}

interface Program {
  readonly layers: Layer[];
  readonly input: string;
  readonly inputShape: [number, number, number];
  readonly logits: string;
  readonly classes: number;
  readonly params: Map<string, Param>;
  readonly running: Map<string, RunningStats>;
}

function program(model: Model, o: DnnlEngineOptions): Program | { reason: string } {
  const g = model.graph;
  const feeds = g.feedInputs;
  const input = o.input !== undefined ? feeds.find((v) => v.name === o.input) : feeds[0];
  if (!input || (o.input === undefined && feeds.length !== 1))
    return { reason: 'the batch input is ambiguous' };
  const ishape = input.type?.shape;
  if (ishape?.length !== 4 || !ishape.slice(1).every((x) => typeof x === 'number'))
    return { reason: `input '${input.name}' is not [N, C, H, W] with static C, H, W` };
  const logits = o.logits ?? g.outputs[0]?.name;
  if (!logits) return { reason: 'no logits output' };
  const noDecay = new Set(o.noWeightDecay ?? []);
  const params = new Map<string, Param>();
  const running = new Map<string, RunningStats>();
  const layers: Layer[] = [];
  const produced = new Set([input.name]);
  // [C, H, W] of each value, checked layer by layer so that the first step cannot fail on a shape
  const shapes = new Map<string, readonly number[]>([[input.name, ishape.slice(1) as number[]]]);
  const uses = new Map<string, number>();
  const constOf = (node: Node, i: number): Float32Array | undefined => {
    const v = node.input(i);
    if (v?.const?.dtype !== 'float32') return undefined;
    return v.const.toFloat32();
  };
  /** `blocked`: a conv/Gemm weight, placed in the primitive's layout when the first plan is built. */
  const param = (node: Node, i: number, blocked = false, transposed = false): string | undefined => {
    const v = node.input(i)!;
    const data = constOf(node, i);
    if (!data) return undefined;
    if (params.has(v.name) || running.has(v.name)) return undefined; // shared: not handled
    uses.set(v.name, (uses.get(v.name) ?? 0) + 1);
    params.set(v.name, {
      name: v.name,
      dims: v.const!.dims,
      w: data.slice(),
      g: new Float32Array(data.length),
      v: new Float32Array(data.length),
      decay: !noDecay.has(v.name),
      pending: blocked ? data.slice() : undefined,
      transposed,
    });
    return v.name;
  };
  const act = (node: Node, i: number): string | undefined => {
    const v = node.input(i);
    return v && produced.has(v.name) ? v.name : undefined;
  };
  const ints = (node: Node, name: string, n: number, fallback: number): number[] | undefined => {
    const a = node.attrInts(name) ?? Array(n).fill(fallback);
    return a.length === n ? [...a] : undefined;
  };
  for (const node of g.nodes) {
    const where = `${node.opType} node '${node.name}'`;
    const x = act(node, 0);
    if (!x) return { reason: `${where}: its first input is not computed by a supported layer` };
    const y = node.output(0).name;
    const autoPad = node.attrString('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET') return { reason: `${where}: auto_pad ${autoPad}` };
    switch (node.opType) {
      case 'Conv': {
        const wv = node.input(1);
        if (wv?.const?.dims.length !== 4)
          return { reason: `${where}: only 2-D convolutions with constant weights` };
        const [, , kh, kw] = wv.const.dims as [number, number, number, number];
        const kernel = ints(node, 'kernel_shape', 2, 1) ?? [kh, kw];
        const strides = ints(node, 'strides', 2, 1);
        const pads = ints(node, 'pads', 4, 0);
        const dilations = ints(node, 'dilations', 2, 1);
        if (!strides || !pads || !dilations) return { reason: `${where}: attributes are not 2-D` };
        const w = param(node, 1, true);
        const b = node.input(2) ? param(node, 2) : undefined;
        if (!w || (node.input(2) && !b))
          return { reason: `${where}: weights are not float initializers used once` };
        layers.push({
          kind: 'conv',
          x,
          y,
          w,
          b,
          kernel: [kernel[0]!, kernel[1]!],
          strides: strides as [number, number],
          pads: pads as [number, number, number, number],
          dilations: dilations as [number, number],
          group: node.attrInt('group', 1),
          transposed: false,
          gemm: false,
        });
        break;
      }
      case 'Gemm': {
        if (
          node.attrInt('transA', 0) !== 0 ||
          node.attrFloat('alpha', 1) !== 1 ||
          node.attrFloat('beta', 1) !== 1
        )
          return { reason: `${where}: only transA = 0, alpha = beta = 1` };
        const transB = node.attrInt('transB', 0) === 1;
        if (node.input(1)?.const?.dims.length !== 2)
          return { reason: `${where}: B is not a 2-D initializer` };
        const k = node.input(1)!.const!.dims[transB ? 0 : 1]!;
        const c = node.input(2)?.const;
        if (c && c.size !== k) return { reason: `${where}: C is not a bias of ${k}` };
        const w = param(node, 1, true, !transB);
        const b = c ? param(node, 2) : undefined;
        if (!w || (c && !b)) return { reason: `${where}: weights are not float initializers used once` };
        layers.push({
          kind: 'conv',
          x,
          y,
          w,
          b,
          kernel: [1, 1],
          strides: [1, 1],
          pads: [0, 0, 0, 0],
          dilations: [1, 1],
          group: 1,
          transposed: !transB,
          gemm: true,
        });
        break;
      }
      case 'BatchNormalization': {
        if (
          node.outputs.length > 1 &&
          node.outputs.slice(1).some((v) => v.consumers.length > 0 || g.outputs.includes(v))
        )
          return { reason: `${where}: training-mode outputs are used` };
        const scale = param(node, 1);
        const bias = param(node, 2);
        const mean = node.input(3);
        const vr = node.input(4);
        const m = constOf(node, 3);
        const vv = constOf(node, 4);
        if (!scale || !bias || !mean || !vr || !m || !vv || running.has(mean.name) || running.has(vr.name))
          return { reason: `${where}: scale, bias and statistics must be float initializers used once` };
        running.set(mean.name, { mean: m.slice(), var: vv.slice() });
        running.set(vr.name, running.get(mean.name)!);
        layers.push({
          kind: 'bn',
          x,
          y,
          scale,
          bias,
          mean: mean.name,
          var: vr.name,
          epsilon: node.attrFloat('epsilon', 1e-5),
          momentum: node.attrFloat('momentum', 0.9),
        });
        break;
      }
      case 'Relu':
        layers.push({ kind: 'relu', x, y });
        break;
      case 'Clip': {
        const bound = (i: number, attr: string, none: number): number | undefined => {
          const v = node.input(i);
          if (!v) return node.attrFloat(attr) ?? none;
          const t = v.const?.toNumbers();
          return t?.length === 1 ? t[0] : undefined;
        };
        const lo = bound(1, 'min', -3.4e38);
        const hi = bound(2, 'max', 3.4e38);
        if (lo === undefined || hi === undefined)
          return { reason: `${where}: bounds are not constant scalars` };
        layers.push({ kind: 'relu', x, y, clip: [lo, hi] });
        break;
      }
      case 'Add': {
        const b = act(node, 1);
        if (!b) return { reason: `${where}: only the sum of two computed activations` };
        layers.push({ kind: 'add', a: x, b, y });
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        if (node.attrInt('ceil_mode', 0) !== 0) return { reason: `${where}: ceil_mode 1` };
        if (node.outputs.length > 1) return { reason: `${where}: indices output` };
        if ((node.attrInts('dilations') ?? []).some((v) => v !== 1)) return { reason: `${where}: dilations` };
        if (node.attrInt('storage_order', 0) !== 0) return { reason: `${where}: storage_order 1` };
        const kernel = ints(node, 'kernel_shape', 2, 1);
        const strides = ints(node, 'strides', 2, 1);
        const pads = ints(node, 'pads', 4, 0);
        if (!kernel || !strides || !pads) return { reason: `${where}: not a 2-D pool` };
        layers.push({
          kind: 'pool',
          x,
          y,
          mode:
            node.opType === 'MaxPool'
              ? 'max'
              : node.attrInt('count_include_pad', 0)
                ? 'avg_include_pad'
                : 'avg',
          kernel: kernel as [number, number],
          strides: strides as [number, number],
          pads: pads as [number, number, number, number],
        });
        break;
      }
      case 'GlobalAveragePool':
        layers.push({
          kind: 'pool',
          x,
          y,
          mode: 'avg',
          kernel: undefined,
          strides: [1, 1],
          pads: [0, 0, 0, 0],
        });
        break;
      case 'Flatten':
        if (node.attrInt('axis', 1) !== 1) return { reason: `${where}: axis is not 1` };
        layers.push({ kind: 'flatten', x, y });
        break;
      case 'Reshape': {
        const s = node.input(1)?.const;
        const to = s ? s.toNumbers() : [];
        if (to.length !== 2 || (to[0] !== 0 && to[0] !== -1) || to[1] !== -1)
          return { reason: `${where}: only a reshape to [N, -1] (shape [0, -1] or [-1, -1])` };
        layers.push({ kind: 'flatten', x, y });
        break;
      }
      default:
        return { reason: `${where}: ${node.opType} is not supported by the dnnl engine` };
    }
    const shape = layerShape(layers[layers.length - 1]!, shapes, params);
    if (typeof shape === 'string') return { reason: `${where}: ${shape}` };
    shapes.set(y, shape);
    produced.add(y);
  }
  if (!produced.has(logits)) return { reason: `the logits '${logits}' are not computed by the plan` };
  // Every learnable parameter must be one the plan updates (anything else would silently stay fixed).
  for (const p of findParams(g)) {
    if (!params.has(p.value.name))
      return { reason: `parameter '${p.value.name}' is not used by a supported layer` };
  }
  const lshape = g.value(logits)?.type?.shape;
  const classes = lshape?.[1];
  if (lshape?.length !== 2 || typeof classes !== 'number')
    return { reason: `logits '${logits}' are not [N, classes]` };
  return {
    layers,
    input: input.name,
    inputShape: ishape.slice(1) as [number, number, number],
    logits,
    classes,
    params,
    running,
  };
}

/** The output [C, H, W] of a layer, or what is wrong with its inputs. */
function layerShape(
  L: Layer,
  shapes: ReadonlyMap<string, readonly number[]>,
  params: ReadonlyMap<string, Param>,
): readonly number[] | string {
  const [c, h, w] = shapes.get(L.kind === 'add' ? L.a : L.x) as [number, number, number];
  const out = (size: number, k: number, s: number, p0: number, p1: number, dil = 1) =>
    Math.floor((size + p0 + p1 - ((k - 1) * dil + 1)) / s) + 1;
  switch (L.kind) {
    case 'conv': {
      const p = params.get(L.w)!;
      if (L.gemm) {
        const f = p.transposed ? p.dims[0]! : p.dims[1]!;
        if (h * w * c !== f) return `${c * h * w} input features for a weight of ${f}`;
        return [p.transposed ? p.dims[1]! : p.dims[0]!, 1, 1];
      }
      if (c % L.group !== 0 || p.dims[1]! * L.group !== c)
        return `${c} input channels for a weight of ${p.dims[1]} × group ${L.group}`;
      if (L.kernel[0] !== p.dims[2] || L.kernel[1] !== p.dims[3])
        return `kernel_shape [${L.kernel.join(', ')}] for a weight of [${p.dims.join(', ')}]`;
      const oh = out(h, L.kernel[0], L.strides[0], L.pads[0], L.pads[2], L.dilations[0]);
      const ow = out(w, L.kernel[1], L.strides[1], L.pads[1], L.pads[3], L.dilations[1]);
      if (oh < 1 || ow < 1) return 'empty output';
      return [p.dims[0]!, oh, ow];
    }
    case 'bn':
      if (params.get(L.scale)!.dims[0] !== c)
        return `${c} channels for a scale of ${params.get(L.scale)!.dims[0]}`;
      return [c, h, w];
    case 'relu':
      return [c, h, w];
    case 'add': {
      const b = shapes.get(L.b)!;
      if (b.join() !== [c, h, w].join()) return `broadcasting [N, ${c}, ${h}, ${w}] + [N, ${b.join(', ')}]`;
      return [c, h, w];
    }
    case 'pool': {
      if (!L.kernel) return [c, 1, 1];
      const oh = out(h, L.kernel[0], L.strides[0], L.pads[0], L.pads[2]);
      const ow = out(w, L.kernel[1], L.strides[1], L.pads[1], L.pads[3]);
      if (oh < 1 || ow < 1) return 'empty output';
      return [c, oh, ow];
    }
    case 'flatten':
      return [c * h * w, 1, 1];
  }
}

interface Act {
  t: DnnlTensor;
  /** needs a gradient (something upstream has parameters) */
  grad: boolean;
}

/** Primitives and buffers for one batch size. */
interface Plan {
  readonly input: DnnlTensor;
  readonly logits: Float32Array;
  readonly dlogits: Float32Array;
  readonly forward: (() => void)[];
  /** run in reverse */
  readonly backward: (() => void)[];
  /** reset per step: the current gradient buffer of each value (borrowed or own) */
  readonly reset: () => void;
  readonly logitsIn: () => void;
  readonly dlogitsOut: () => void;
  /** Every primitive the plan runs, with oneDNN's implementation name (e.g. "jit:avx2"). */
  readonly primitives: readonly PrimitiveInfo[];
}

/** One oneDNN primitive of a training step and the implementation oneDNN chose for it. */
export interface PrimitiveInfo {
  /** the ONNX value the layer computes */
  readonly layer: string;
  /** e.g. 'conv.bwd_weights', 'bn.fwd' */
  readonly primitive: string;
  readonly impl: string;
}

export class DnnlEngine {
  private readonly plans = new Map<number, Plan>();
  private readonly paramList: Param[];
  private readonly bnThreads: number;

  constructor(
    private readonly d: DnnlAddon,
    private readonly prog: Program,
    private readonly options: DnnlEngineOptions,
  ) {
    this.paramList = [...prog.params.values()];
    this.bnThreads = options.bnThreads ?? 1;
  }

  /** The primitives of a step at batch size `n` and oneDNN's implementation of each (builds the plan). */
  primitives(n: number): readonly PrimitiveInfo[] {
    let plan = this.plans.get(n);
    if (!plan) {
      plan = this.build(n);
      this.plans.set(n, plan);
    }
    return plan.primitives;
  }

  /** One SGD step on a batch; returns the mean loss and the number of correct predictions. */
  step(
    x: Float32Array,
    dims: readonly [number, number, number, number],
    labels: ArrayLike<number>,
    lr: number,
  ): { loss: number; correct: number } {
    const n = dims[0];
    const [c, h, w] = this.prog.inputShape;
    if (dims[1] !== c || dims[2] !== h || dims[3] !== w)
      throw new PareError(
        'PARE_SHAPE',
        `dnnl engine: batch [${dims.join(', ')}] does not match the input [N, ${c}, ${h}, ${w}]`,
      );
    let plan = this.plans.get(n);
    if (!plan) {
      plan = this.build(n);
      this.plans.set(n, plan);
    }
    plan.input.data.set(x.subarray(0, n * c * h * w));
    plan.reset();
    for (const f of plan.forward) f();
    plan.logitsIn();
    const r = softmaxCrossEntropy(
      plan.logits,
      labels,
      n,
      this.prog.classes,
      this.options.loss?.labelSmoothing ?? 0,
      plan.dlogits,
    );
    plan.dlogitsOut();
    for (let i = plan.backward.length - 1; i >= 0; i--) plan.backward[i]!();
    this.sgd(lr);
    return r;
  }

  /** SGD as torch.optim.SGD (dampening 0), on the parameters' own layouts (padding stays zero). */
  private sgd(lr: number): void {
    const o = this.options.optimizer as SgdOptions;
    const m = o.momentum ?? 0;
    const wd = o.weightDecay ?? 0;
    const nesterov = o.nesterov ?? false;
    for (const p of this.paramList) {
      const w = data(p.w);
      const g = data(p.g);
      const v = p.v;
      const decay = p.decay ? wd : 0;
      for (let i = 0; i < w.length; i++) {
        let gi = g[i]! + decay * w[i]!;
        if (m !== 0) {
          const b = m * v[i]! + gi;
          v[i] = b;
          gi = nesterov ? gi + m * b : b;
        }
        w[i] = w[i]! - lr * gi;
      }
    }
  }

  /** Write parameters, running statistics and momentum into the training graph's state map. */
  exportState(tg: TrainingGraph, state: Map<string, HostTensor>): void {
    for (const slot of tg.state) {
      const dims = [...slot.init.dims];
      if (slot.kind === 'bn.mean' || slot.kind === 'bn.var') {
        const r = this.prog.running.get(slot.of);
        if (!r) throw new PareError('PARE_INTERNAL', `dnnl engine: no running statistics '${slot.of}'`);
        state.set(slot.input, { dims, data: (slot.kind === 'bn.mean' ? r.mean : r.var).slice() });
        continue;
      }
      const p = this.mustParam(slot.of);
      if (slot.kind === 'param') state.set(slot.input, { dims, data: this.plain(p, data(p.w)) });
      else if (slot.kind === 'momentum') state.set(slot.input, { dims, data: this.plain(p, p.v) });
      else throw new PareError('PARE_INTERNAL', `dnnl engine: state kind ${slot.kind}`);
    }
  }

  /** Read parameters, running statistics and momentum from a state map (start or resume). */
  importState(tg: TrainingGraph, state: ReadonlyMap<string, HostTensor>): void {
    for (const slot of tg.state) {
      const t = state.get(slot.input);
      if (!t) continue;
      const src = t.data as Float32Array;
      if (slot.kind === 'bn.mean' || slot.kind === 'bn.var') {
        const r = this.prog.running.get(slot.of);
        if (!r) throw new PareError('PARE_INTERNAL', `dnnl engine: no running statistics '${slot.of}'`);
        (slot.kind === 'bn.mean' ? r.mean : r.var).set(src);
        continue;
      }
      const p = this.mustParam(slot.of);
      if (slot.kind === 'param') {
        if (p.pending) p.pending.set(src);
        else this.fromPlain(p, src, data(p.w));
      } else if (slot.kind === 'momentum') {
        if (p.pending) p.v.set(src);
        else this.fromPlain(p, src, p.v);
      }
    }
  }

  private mustParam(name: string): Param {
    const p = this.prog.params.get(name);
    if (!p) throw new PareError('PARE_INTERNAL', `dnnl engine: no parameter '${name}'`);
    return p;
  }

  /** A parameter-layout buffer as plain ONNX data. */
  private plain(p: Param, buf: Float32Array): Float32Array {
    if (p.pending) return buf === p.v ? p.v.slice() : p.pending.slice();
    if (!isTensor(p.w)) return buf.slice();
    const flat = new Float32Array(p.dims.reduce((a, b) => a * b, 1));
    this.d.reorder({ data: buf, desc: p.w.desc }, { data: flat, dims: p.w.dims });
    return transposeIf(p, flat, true);
  }

  private fromPlain(p: Param, src: Float32Array, into: Float32Array): void {
    if (!isTensor(p.w)) {
      into.set(src);
      return;
    }
    this.d.reorder({ data: transposeIf(p, src, false), dims: p.w.dims }, { data: into, desc: p.w.desc });
  }

  /** Conv weights get the layout the first plan's primitive wants; everything else stays plain. */
  private placeWeights(p: Param, hc: Handle<'conv'>): void {
    if (!p.pending) return;
    const l = this.d.layout(hc, 'weights');
    const w = this.d.alloc(l);
    this.d.reorder({ data: transposeIf(p, p.pending, false), dims: l.dims }, w);
    const v = this.d.alloc(l);
    this.d.reorder({ data: transposeIf(p, p.v, false), dims: l.dims }, v);
    p.w = w;
    p.g = this.d.alloc(l);
    p.v = v.data;
    p.pending = undefined;
  }

  private build(n: number): Plan {
    const d = this.d;
    const prog = this.prog;
    const [c0, h0, w0] = prog.inputShape;
    const input = d.alloc([n, c0, h0, w0]);
    const acts = new Map<string, Act>([[prog.input, { t: input, grad: false }]]);
    const forward: (() => void)[] = [];
    const backward: (() => void)[] = [];
    const primitives: PrimitiveInfo[] = [];
    const record = (layer: string, kind: string, h: Handle<string>, which: readonly string[]) => {
      for (const w of which) primitives.push({ layer, primitive: `${kind}.${w}`, impl: d.impl(h, w) });
    };
    // Gradient bookkeeping: own buffers per value, the current one per step (borrowed from a consumer's
    // dy when a layer passes the gradient through unchanged), temporaries shared per layout.
    const own = new Map<string, DnnlTensor>();
    const cur = new Map<string, DnnlTensor | null>();
    const temps = new Map<string, DnnlTensor>();
    const adds = new Map<string, Handle<'add'>>();
    const key = (t: DnnlTensor) => `${t.format}:${t.dims.join('x')}`;
    const ownGrad = (v: string): DnnlTensor => {
      let t = own.get(v);
      if (!t) {
        t = d.alloc(acts.get(v)!.t);
        own.set(v, t);
      }
      return t;
    };
    const addHandle = (t: DnnlTensor): Handle<'add'> => {
      const k = key(t);
      let h = adds.get(k);
      if (!h) {
        h = d.addCreate({ dims: t.dims, layout: t });
        adds.set(k, h);
        record(`fan-out ${k}`, 'add', h, ['fwd']);
      }
      return h;
    };
    /** Where a layer writes its contribution to v's gradient. */
    const target = (v: string): DnnlTensor => {
      if (!cur.get(v)) return ownGrad(v);
      const t = acts.get(v)!.t;
      const k = key(t);
      let tmp = temps.get(k);
      if (!tmp) {
        tmp = d.alloc(t);
        temps.set(k, tmp);
      }
      return tmp;
    };
    /** Add a contribution (written by `target` or a final gradient of another value) to v's gradient. */
    const contribute = (v: string, g: DnnlTensor): void => {
      const c = cur.get(v);
      if (!c) {
        cur.set(v, g);
        return;
      }
      const o = ownGrad(v);
      d.add(addHandle(o), c, g, o);
      cur.set(v, o);
    };
    const gradOf = (v: string): DnnlTensor => {
      const g = cur.get(v);
      if (!g) throw new PareError('PARE_INTERNAL', `dnnl engine: no gradient reached '${v}'`);
      return g;
    };
    const needs = (v: string) => acts.get(v)!.grad;

    for (const L of prog.layers) {
      const x = acts.get(L.kind === 'add' ? L.a : L.x)!;
      const xd = x.t.dims as number[];
      const [n_, c, h, w] = [xd[0]!, xd[1]!, xd[2] ?? 1, xd[3] ?? 1];
      const xName = L.kind === 'add' ? L.a : L.x;
      switch (L.kind) {
        case 'conv': {
          const p = prog.params.get(L.w)!;
          const oc = p.transposed ? p.dims[1]! : p.dims[0]!;
          const plainIn = x.t.format === 'abcd' || L.gemm;
          const hc = d.convCreate({
            n: n_,
            c,
            h,
            w,
            oc,
            kernel: L.kernel,
            strides: L.strides,
            pads: L.pads,
            dilations: L.dilations,
            group: L.group,
            bias: L.b !== undefined,
            layout: plainIn ? 'any' : x.t,
          });
          this.placeWeights(p, hc);
          record(L.y, 'conv', hc, x.grad ? ['fwd', 'bwd_weights', 'bwd_data'] : ['fwd', 'bwd_weights']);
          const b = L.b ? prog.params.get(L.b)! : undefined;
          const y = d.alloc(d.layout(hc, 'dst'));
          acts.set(L.y, { t: y, grad: true });
          forward.push(() => d.convForward(hc, x.t, p.w, b ? data(b.w) : null, y));
          const xName_ = xName;
          backward.push(() => {
            const dy = gradOf(L.y);
            d.convBackwardWeights(hc, x.t, dy, p.g, b ? data(b.g) : null);
            if (needs(xName_)) {
              const dx = target(xName_);
              d.convBackwardData(hc, dy, p.w, dx);
              contribute(xName_, dx);
            }
          });
          break;
        }
        case 'bn': {
          const hb = d.bnCreate({ n: n_, c, h, w, epsilon: L.epsilon, layout: x.t, threads: this.bnThreads });
          record(L.y, 'bn', hb, ['fwd', 'bwd']);
          const scale = data(prog.params.get(L.scale)!.w);
          const shift = data(prog.params.get(L.bias)!.w);
          const dscale = data(prog.params.get(L.scale)!.g);
          const dshift = data(prog.params.get(L.bias)!.g);
          const mean = new Float32Array(c);
          const vr = new Float32Array(c);
          const run = prog.running.get(L.mean)!;
          const count = n_ * h * w;
          const m = Math.fround(L.momentum);
          const k = Math.fround(1 - L.momentum);
          const unbias = count / Math.max(count - 1, 1);
          const y = d.alloc(x.t);
          acts.set(L.y, { t: y, grad: true });
          forward.push(() => {
            d.bnForward(hb, x.t, scale, shift, y, mean, vr);
            for (let i = 0; i < c; i++) {
              run.mean[i] = m * run.mean[i]! + k * mean[i]!;
              run.var[i] = m * run.var[i]! + k * vr[i]! * unbias;
            }
          });
          backward.push(() => {
            const dy = gradOf(L.y);
            const dx = target(xName);
            d.bnBackward(hb, dy, x.t, scale, shift, mean, vr, dx, dscale, dshift);
            if (needs(xName)) contribute(xName, dx);
          });
          break;
        }
        case 'relu': {
          const hr = d.reluCreate({
            dims: xd,
            layout: x.t,
            ...(L.clip ? { algorithm: 'clip' as const, alpha: L.clip[0], beta: L.clip[1] } : {}),
          });
          record(L.y, 'eltwise', hr, x.grad ? ['fwd', 'bwd'] : ['fwd']);
          const y = d.alloc(x.t);
          acts.set(L.y, { t: y, grad: x.grad });
          forward.push(() => d.reluForward(hr, x.t, y));
          if (x.grad)
            backward.push(() => {
              const dx = target(xName);
              d.reluBackward(hr, gradOf(L.y), x.t, dx);
              contribute(xName, dx);
            });
          break;
        }
        case 'add': {
          const b = acts.get(L.b)!;
          if (b.t.dims.join() !== xd.join())
            throw new PareError(
              'PARE_SHAPE',
              `dnnl engine: Add of [${xd}] and [${b.t.dims}] (no broadcasting)`,
            );
          const ha = d.addCreate({ dims: xd, layout: x.t });
          record(L.y, 'add', ha, ['fwd']);
          const y = d.alloc(x.t);
          acts.set(L.y, { t: y, grad: x.grad || b.grad });
          forward.push(() => d.add(ha, x.t, b.t, y));
          backward.push(() => {
            const dy = gradOf(L.y);
            if (x.grad) contribute(L.a, dy);
            if (b.grad) contribute(L.b, dy);
          });
          break;
        }
        case 'pool': {
          const kernel = L.kernel ?? [h, w];
          const hp = d.poolCreate({
            n: n_,
            c,
            h,
            w,
            kernel,
            strides: L.kernel ? L.strides : [1, 1],
            pads: L.pads,
            mode: L.mode,
            layout: x.t,
          });
          record(L.y, 'pool', hp, x.grad ? ['fwd', 'bwd'] : ['fwd']);
          const y = d.alloc(d.layout(hp, 'dst'));
          const ws = L.mode === 'max' ? d.alloc(d.layout(hp, 'workspace')) : null;
          acts.set(L.y, { t: y, grad: x.grad });
          forward.push(() => d.poolForward(hp, x.t, y, ws));
          if (x.grad)
            backward.push(() => {
              const dx = target(xName);
              d.poolBackward(hp, gradOf(L.y), dx, ws);
              contribute(xName, dx);
            });
          break;
        }
        case 'flatten': {
          const f = xd.slice(1).reduce((a, b) => a * b, 1);
          const y = d.alloc([n_, f, 1, 1]);
          const view = { data: y.data, dims: xd };
          acts.set(L.y, { t: y, grad: x.grad });
          forward.push(() => d.reorder(x.t, view));
          if (x.grad)
            backward.push(() => {
              const dx = target(xName);
              d.reorder({ data: gradOf(L.y).data, dims: xd }, dx);
              contribute(xName, dx);
            });
          break;
        }
      }
    }
    const out = acts.get(prog.logits)!;
    const k = prog.classes;
    const logits = new Float32Array(n * k);
    const dlogits = new Float32Array(n * k);
    const plainLogits = { data: logits, dims: out.t.dims };
    return {
      input,
      logits,
      dlogits,
      forward,
      backward,
      primitives,
      reset: () => {
        for (const v of acts.keys()) cur.set(v, null);
      },
      logitsIn: () => d.reorder(out.t, plainLogits),
      dlogitsOut: () => {
        const g = ownGrad(prog.logits);
        d.reorder({ data: dlogits, dims: out.t.dims }, g);
        cur.set(prog.logits, g);
      },
    };
  }
}

/** Mean softmax cross-entropy with label smoothing (target (1 − ε)·onehot + ε/K); dlogits = (p − target)/N. */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: ArrayLike<number>,
  n: number,
  k: number,
  smoothing: number,
  dlogits: Float32Array,
): { loss: number; correct: number } {
  let loss = 0;
  let correct = 0;
  const off = smoothing / k;
  const on = 1 - smoothing + off;
  for (let i = 0; i < n; i++) {
    const row = i * k;
    const label = Number(labels[i]);
    let m = -Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) {
      const v = logits[row + j]!;
      if (v > m) {
        m = v;
        arg = j;
      }
    }
    if (arg === label) correct++;
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(logits[row + j]! - m);
    const logS = Math.log(s);
    for (let j = 0; j < k; j++) {
      const logp = logits[row + j]! - m - logS;
      const t = j === label ? on : off;
      loss -= t * logp;
      dlogits[row + j] = (Math.exp(logp) - t) / n;
    }
  }
  return { loss: loss / n, correct };
}

function isTensor(t: DnnlTensor | Float32Array): t is DnnlTensor {
  return !(t instanceof Float32Array);
}

function data(t: DnnlTensor | Float32Array): Float32Array {
  return t instanceof Float32Array ? t : t.data;
}

/** Gemm with transB = 0 keeps W as [F, K]; the plan holds [K, F] (toOnnx: back to [F, K]). */
function transposeIf(p: Param, src: Float32Array, toOnnx: boolean): Float32Array {
  if (!p.transposed) return src;
  const [r, c] = toOnnx ? [p.dims[1]!, p.dims[0]!] : [p.dims[0]!, p.dims[1]!];
  const out = new Float32Array(src.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j]!;
  return out;
}

// Second-order statistics of a linear layer's patches (and of a target output), accumulated over
// calibration batches: per convolution group, Σx, Σxxᵀ and, with a target, Σy, Σxyᵀ, Σy².
// The heavy products run in ONNX Runtime on a small graph: a one-hot grouped Conv extracts the
// patches (same kernel, strides, pads, dilations as the layer, so borders are exactly the layer's),
// a batched MatMul forms the Gram blocks; sums are carried across batches in float64.

import { Graph } from '../ir/graph.js';
import { createModel } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { groupFeatures, groupOutputs, type LayerStats, type LinearLayer } from '../linear/layer.js';
import { type HostTensor, Session } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

export interface StatsOptions {
  readonly threads?: number;
  /** Accumulate cross products with a target output fed alongside the features. */
  readonly target?: boolean;
  /** Largest patch matrix (floats) formed at once; bigger batches are split (default 2^24). */
  readonly maxPatchFloats?: number;
}

/** Accumulates LayerStats for one layer over batches of its input (and target output). */
export class LayerStatsAccumulator {
  private rows = 0;
  private readonly sx: Float64Array;
  private readonly xx: Float64Array;
  private readonly sy: Float64Array | undefined;
  private readonly xy: Float64Array | undefined;
  private readonly yy: Float64Array | undefined;

  private constructor(
    readonly layer: LinearLayer,
    private readonly session: Session,
    private readonly options: StatsOptions,
  ) {
    const g = layer.groups;
    const dg = groupFeatures(layer);
    const mg = groupOutputs(layer);
    this.sx = new Float64Array(g * dg);
    this.xx = new Float64Array(g * dg * dg);
    if (options.target) {
      this.sy = new Float64Array(g * mg);
      this.xy = new Float64Array(g * dg * mg);
      this.yy = new Float64Array(g * mg);
    }
  }

  static async create(layer: LinearLayer, options: StatsOptions = {}): Promise<LayerStatsAccumulator> {
    const model = createModel(statsGraph(layer, options.target ?? false));
    const session = await Session.create(model, {
      label: `pare layer statistics (${layer.node})`,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    });
    return new LayerStatsAccumulator(layer, session, options);
  }

  /** Add a batch: `x` the layer's input [n, C, ...], `t` the target output [n, M, ...] (with `target`). */
  async add(x: HostTensor, t?: HostTensor): Promise<void> {
    if (this.options.target && !t)
      throw new PareError('PARE_INTERNAL', `layer statistics of '${this.layer.node}' need a target batch`);
    const n = x.dims[0]!;
    const perX = x.data.length / n;
    const perT = t ? t.data.length / n : 0;
    const positions = Math.max(1, perT / this.layer.outChannels || perX / this.layer.inChannels);
    const perSample = positions * groupFeatures(this.layer) * this.layer.groups;
    const chunk = Math.max(1, Math.floor((this.options.maxPatchFloats ?? 2 ** 24) / perSample));
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      const feeds: Record<string, HostTensor> = {
        X: { dims: [e - s, ...x.dims.slice(1)], data: x.data.subarray(s * perX, e * perX) as Float32Array },
      };
      if (t)
        feeds.T = {
          dims: [e - s, ...t.dims.slice(1)],
          data: t.data.subarray(s * perT, e * perT) as Float32Array,
        };
      const out = await this.session.run(feeds);
      this.rows += Number((out.shape!.data as BigInt64Array)[2]!);
      addInto(this.sx, out.SX!);
      addInto(this.xx, out.XX!);
      if (t) {
        addInto(this.sy!, out.SY!);
        addInto(this.xy!, out.XY!);
        addInto(this.yy!, out.YY!);
      }
    }
  }

  result(): LayerStats {
    return {
      layer: this.layer,
      rows: this.rows,
      sx: this.sx,
      xx: this.xx,
      ...(this.sy ? { sy: this.sy, xy: this.xy!, yy: this.yy! } : {}),
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function addInto(acc: Float64Array, t: HostTensor): void {
  const d = t.data as Float32Array;
  if (d.length !== acc.length)
    throw new PareError('PARE_INTERNAL', `layer statistics: got ${d.length} values for ${acc.length}`);
  for (let i = 0; i < d.length; i++) acc[i]! += d[i]!;
}

/** The statistics graph of one layer: inputs X (and T); outputs SX, XX, shape (and SY, XY, YY). */
export function statsGraph(layer: LinearLayer, withTarget: boolean): Graph {
  const g = new Graph(`pare_stats_${layer.node}`);
  g.opsets.set('', 13);
  const G = layer.groups;
  const dg = groupFeatures(layer);
  const mg = groupOutputs(layer);
  const c = layer.inChannels;
  const x = g.addInput(
    'X',
    layer.kind === 'gemm' ? ['n', c] : ['n', c, ...layer.kernelShape.map((_, i) => `s${i}`)],
  );
  const ints = (name: string, v: readonly number[]) =>
    g.addInitializer(g.uniqueName(name), Tensor.int64([v.length], v));
  const op = (type: string, inputs: Value[], attrs: Record<string, number | number[] | string> = {}) =>
    g.addNode(type, inputs, [g.uniqueName(type.toLowerCase())], { attrs }).output();

  let patches = x;
  const identity =
    layer.kind === 'gemm' ||
    (layer.kernel === 1 &&
      !layer.convAttrs.auto_pad &&
      ((layer.convAttrs.strides as number[] | undefined) ?? []).every((s) => s === 1) &&
      ((layer.convAttrs.pads as number[] | undefined) ?? []).every((p) => p === 0));
  if (!identity) {
    // One-hot filters: output channel c·K + k copies kernel position k of input channel c.
    const k = layer.kernel;
    const e = new Float32Array(c * k * k);
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < k; i++) e[(ch * k + i) * k + i] = 1;
    const filt = g.addInitializer('onehot', Tensor.float32([c * k, 1, ...layer.kernelShape], e));
    patches = op('Conv', [x, filt], { ...layer.convAttrs, group: c });
  }
  const p4 = op('Reshape', [patches, ints('p4', [0, G, dg, -1])]);
  const pgT = op('Reshape', [op('Transpose', [p4], { perm: [1, 2, 0, 3] }), ints('pg', [G, dg, -1])]);
  const pg = op('Transpose', [pgT], { perm: [0, 2, 1] });
  const axis2 = ints('axis2', [2]);
  const out = (v: Value, name: string) => {
    g.renameValue(v, name);
    g.addOutput(v);
  };
  out(op('MatMul', [pgT, pg]), 'XX');
  out(op('ReduceSum', [pgT, axis2], { keepdims: 0 }), 'SX');
  out(op('Shape', [pgT]), 'shape');
  if (withTarget) {
    const t = g.addInput(
      'T',
      layer.kind === 'gemm'
        ? ['n', layer.outChannels]
        : ['n', layer.outChannels, ...layer.kernelShape.map((_, i) => `o${i}`)],
    );
    const t4 = op('Reshape', [t, ints('t4', [0, G, mg, -1])]);
    const ygT = op('Reshape', [op('Transpose', [t4], { perm: [1, 2, 0, 3] }), ints('yg', [G, mg, -1])]);
    out(op('MatMul', [pgT, op('Transpose', [ygT], { perm: [0, 2, 1] })]), 'XY');
    out(op('ReduceSum', [ygT, axis2], { keepdims: 0 }), 'SY');
    out(op('ReduceSum', [op('Mul', [ygT, ygT]), axis2], { keepdims: 0 }), 'YY');
  }
  return g;
}

// Least-squares reconstruction (He, Zhang, Sun, "Channel Pruning for Accelerating Very Deep Neural
// Networks", ICCV 2017; CaP, Xie et al. 2021, pseudopruner compensate.py): after channels are cut,
// every layer that lost input channels is refitted, from input to output, so that its output on
// calibration data matches the ORIGINAL model's output at the same node (the targets always come
// from the original, so errors do not accumulate). A ridge term keeps the solves stable.
// - features 'pruned' (He 2017): the layer's inputs come from the partially reconstructed pruned
//   model, so each layer also absorbs the error of the layers before it.
// - features 'original' (CaP): the inputs are the original model's, restricted to the kept channels.
// - Residual branch exit (He 2017 §4.1): when the layer's output (through an inference BN) is added
//   to a shortcut, the target becomes Y1 + (Y2 − Y2')/s: the branch also absorbs the shortcut's error.
// - Grouped and depthwise layers are refitted per group (block-diagonal normal equations).

import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { resolveConstant } from '../analysis/constants.js';
import { type ValueKeep, valueKeeps } from '../analysis/value-keeps.js';
import type { Graph } from '../ir/graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import { fitLayer, layerError } from '../linear/fit.js';
import { type LinearLayer, linearLayer, linearSkip, readLinear, writeLinear } from '../linear/layer.js';
import { gatherChannels, truncatedSession } from '../measure/capture.js';
import { LayerStatsAccumulator } from '../measure/layer-stats.js';
import type { Feeds, HostTensor, Session } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

export interface LeastSquaresOptions {
  /** Ridge λ relative to the mean feature variance (default 1e-4). */
  readonly ridge?: number;
  /** Where the refit's inputs come from (default 'pruned', He 2017). */
  readonly features?: 'pruned' | 'original';
  /** Let residual branch exits absorb the shortcut's error (default true). */
  readonly residual?: boolean;
  /** CaP's variance rescale of each refitted output (default false). */
  readonly rescaleVariance?: boolean;
  readonly threads?: number;
  /**
   * Memory (bytes) for keeping the original model's values across layers, so that it runs once per
   * group of layers instead of once per layer (default 1 GiB; 0 disables the cache).
   */
  readonly cacheBytes?: number;
  readonly onLayer?: (report: LayerReconstruction) => void;
}

export interface LayerReconstruction {
  readonly node: string;
  /** Mean squared error per output position (summed over outputs) against the target, before/after. */
  readonly before: number;
  readonly after: number;
  /** Target variance (before / variance is the relative error). */
  readonly variance: number;
  /** Whether the branch exit absorbed a shortcut's error. */
  readonly residual: boolean;
  /** Why the layer was left as it was (not a Conv/Gemm, or the refit did not help). */
  readonly skipped?: string;
}

export interface LeastSquaresResult {
  readonly model: Model;
  readonly layers: readonly LayerReconstruction[];
  /** Calibration samples per layer pass. */
  readonly samples: number;
  readonly seconds: number;
}

/** The layers least squares refits: consumers ('in' members) of every group that lost channels. */
export function reconstructedLayers(
  pruned: Graph,
  analysis: ChannelAnalysis,
  kept: ReadonlyMap<string, Int32Array>,
): string[] {
  const names = new Set<string>();
  for (const group of analysis.groups) {
    const k = kept.get(group.id);
    if (!k || k.length === group.size) continue;
    for (const m of group.members) if (m.kind === 'in') names.add(m.node);
  }
  return pruned.nodes.filter((n) => names.has(n.name)).map((n) => n.name);
}

export async function reconstructLeastSquares(
  original: Model,
  pruned: Model,
  analysis: ChannelAnalysis,
  kept: ReadonlyMap<string, Int32Array>,
  calibration: () => AsyncIterable<Feeds>,
  options: LeastSquaresOptions = {},
): Promise<LeastSquaresResult> {
  const t0 = performance.now();
  const out = cloneModel(pruned);
  const keeps = valueKeeps(analysis, kept);
  const layers: LayerReconstruction[] = [];
  let samples = 0;
  const todo: LayerPlan[] = [];
  for (const name of reconstructedLayers(out.graph, analysis, kept)) {
    const node = out.graph.node(name)!;
    const skip = linearSkip(node) ?? (original.graph.node(name) ? undefined : 'not in the original model');
    if (skip) layers.push({ node: name, before: 0, after: 0, variance: 0, residual: false, skipped: skip });
    else todo.push(layerPlan(original.graph, name, options));
  }
  const values = await OriginalValues.create(original, todo, calibration, options);
  try {
    for (let i = 0; i < todo.length; i++) {
      await values.prepare(i);
      const r = await reconstructOne(original, out, todo[i]!, keeps, calibration, values, options);
      samples = Math.max(samples, r.samples);
      layers.push(r.report);
      options.onLayer?.(r.report);
    }
  } finally {
    await values.release();
  }
  const order = new Map(out.graph.nodes.map((n, i) => [n.name, i]));
  layers.sort((a, b) => order.get(a.node)! - order.get(b.node)!);
  return { model: out, layers, samples, seconds: (performance.now() - t0) / 1000 };
}

interface Residual {
  /** The Add's other input (same name in both graphs). */
  readonly other: string;
  /** 1/s per ORIGINAL output channel of the BN between the layer and the Add (1 without BN); 0 where s≈0. */
  readonly invScale: Float64Array;
}

/** layer → [inference BN] → Add(·, other): the shortcut whose error the layer can absorb. */
function residualExit(g: Graph, name: string): Residual | undefined {
  const node = g.node(name)!;
  let v = node.output(0);
  let scale: Float64Array | undefined;
  if (v.uses.length !== 1) return undefined;
  let use = v.uses[0]!.node;
  if (use.opType === 'BatchNormalization' && use.domain === '') {
    const [gamma, , , variance] = [1, 2, 3, 4].map((i) => resolveConstant(use.input(i))?.toFloat32());
    if (!gamma || !variance || use.outputs.filter((o) => o.name !== '').length !== 1) return undefined;
    const eps = use.attrFloat('epsilon', 1e-5);
    scale = Float64Array.from(gamma, (gm, i) => gm / Math.sqrt(variance[i]! + eps));
    v = use.output(0);
    if (v.uses.length !== 1) return undefined;
    use = v.uses[0]!.node;
  }
  if (use.opType !== 'Add' || use.domain !== '' || use.inputs.length !== 2) return undefined;
  const other = use.inputs.find((x) => x !== v);
  if (!other || other.isConst || !other.type?.shape || v.type?.shape?.length !== other.type.shape.length)
    return undefined;
  const m = node.output(0).type?.shape?.[1];
  if (typeof m !== 'number') return undefined;
  const invScale = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const s = scale ? scale[i]! : 1;
    invScale[i] = Math.abs(s) > 1e-6 ? 1 / s : 0;
  }
  return { other: other.name, invScale };
}

/** One layer to refit: its residual exit, if any, and the original model's values it reads. */
interface LayerPlan {
  readonly name: string;
  readonly residual: Residual | undefined;
  /** The layer's output, the shortcut, its input (CaP features), in the original model. */
  readonly wanted: string[];
}

function layerPlan(g: Graph, name: string, options: LeastSquaresOptions): LayerPlan {
  const node = g.node(name)!;
  const residual = options.residual === false ? undefined : residualExit(g, name);
  const wanted = [
    node.output(0).name,
    ...(residual ? [residual.other] : []),
    ...(options.features === 'original' ? [node.input(0)!.name] : []),
  ];
  return { name, residual, wanted };
}

/**
 * The original model's values per calibration batch. Within the memory budget, the values of a run
 * of consecutive layers are captured in one pass and kept; a layer outside the cache gets its own
 * truncated session.
 */
class OriginalValues {
  private cached = new Map<string, HostTensor[]>();
  private session: Session | undefined;

  private constructor(
    private readonly original: Model,
    private readonly todo: readonly LayerPlan[],
    private readonly calibration: () => AsyncIterable<Feeds>,
    private readonly bytesPerValue: ReadonlyMap<string, number> | undefined,
    private readonly budget: number,
    private readonly threads: { threads?: number },
  ) {}

  static async create(
    original: Model,
    todo: readonly LayerPlan[],
    calibration: () => AsyncIterable<Feeds>,
    options: LeastSquaresOptions,
  ): Promise<OriginalValues> {
    const threads = options.threads === undefined ? {} : { threads: options.threads };
    const budget = options.cacheBytes ?? 2 ** 30;
    let bytes: Map<string, number> | undefined;
    if (budget > 0) {
      let samples = 0;
      for await (const feeds of calibration()) samples += Object.values(feeds)[0]?.dims[0] ?? 0;
      bytes = new Map();
      scan: for (const t of todo)
        for (const name of t.wanted) {
          const shape = original.graph.value(name)?.type?.shape;
          const per = shape
            ?.slice(1)
            .reduce<number>((p, d) => (typeof d === 'number' ? p * d : Number.NaN), 1);
          if (per === undefined || !Number.isFinite(per)) {
            bytes = undefined;
            break scan;
          }
          bytes.set(name, per * samples * 4);
        }
    }
    return new OriginalValues(original, todo, calibration, bytes, budget, threads);
  }

  /** Make layer i's values available: from the cache, capturing a new run of layers, or a session. */
  async prepare(i: number): Promise<void> {
    await this.session?.release();
    this.session = undefined;
    const wanted = this.todo[i]!.wanted;
    if (wanted.every((n) => this.cached.has(n))) return;
    this.cached.clear();
    const names = new Set<string>();
    let total = 0;
    for (let j = i; j < this.todo.length && this.bytesPerValue; j++) {
      const extra = this.todo[j]!.wanted.filter((n) => !names.has(n));
      const add = extra.reduce((p, n) => p + this.bytesPerValue!.get(n)!, 0);
      if (total + add > this.budget) break;
      total += add;
      for (const n of extra) names.add(n);
    }
    const list = [...names];
    if (!wanted.every((n) => names.has(n))) {
      this.session = await truncatedSession(this.original, wanted, this.threads, 'original');
      return;
    }
    const s = await truncatedSession(this.original, list, this.threads, 'original');
    try {
      for (const n of list) this.cached.set(n, []);
      for await (const feeds of this.calibration()) {
        const o = await s.run(feeds, list);
        for (const n of list) this.cached.get(n)!.push(o[n]!);
      }
    } finally {
      await s.release();
    }
  }

  async get(batch: number, feeds: Feeds, names: readonly string[]): Promise<Record<string, HostTensor>> {
    if (this.session) return this.session.run(feeds, names);
    const out: Record<string, HostTensor> = {};
    for (const n of names) {
      const t = this.cached.get(n)?.[batch];
      if (!t)
        throw new PareError(
          'PARE_INTERNAL',
          `least squares: calibration batch ${batch} of '${n}' was not captured (the calibration data must give the same batches on every pass)`,
        );
      out[n] = t;
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session?.release();
    this.session = undefined;
    this.cached.clear();
  }
}

async function reconstructOne(
  original: Model,
  out: Model,
  plan: LayerPlan,
  keeps: ReadonlyMap<string, ValueKeep>,
  calibration: () => AsyncIterable<Feeds>,
  values: OriginalValues,
  options: LeastSquaresOptions,
): Promise<{ report: LayerReconstruction; samples: number }> {
  const { name, residual, wanted: origWanted } = plan;
  const g = out.graph;
  const layer = linearLayer(g, name);
  const node = g.node(name)!;
  const onode = original.graph.node(name)!;
  const xName = node.input(0)!.name;
  const yName = onode.output(0).name;
  const outKeep = keeps.get(yName)?.keep;
  const inKeep = keeps.get(onode.input(0)!.name)?.keep;
  const fromOriginal = options.features === 'original';
  const threads = options.threads === undefined ? {} : { threads: options.threads };

  const prunedWanted = fromOriginal
    ? residual
      ? [residual.other]
      : []
    : [xName, ...(residual ? [residual.other] : [])];
  const prunedSession =
    prunedWanted.length > 0 ? await truncatedSession(out, prunedWanted, threads, 'pruned') : undefined;
  const acc = await LayerStatsAccumulator.create(layer, { target: true, ...threads });
  let samples = 0;
  try {
    let batch = 0;
    for await (const feeds of calibration()) {
      const o = await values.get(batch++, feeds, origWanted);
      const p = prunedSession ? await prunedSession.run(feeds, prunedWanted) : {};
      const y = o[yName]!;
      const target = gatherChannels(y, outKeep);
      if (residual) {
        const oo = gatherChannels(o[residual.other]!, outKeep);
        const po = p[residual.other]!;
        addResidual(target, oo.data as Float32Array, po.data as Float32Array, residual.invScale, outKeep);
      }
      const x = fromOriginal ? gatherChannels(o[onode.input(0)!.name]!, inKeep) : p[xName]!;
      checkWidth(x, layer, name);
      await acc.add(x, target);
      samples += y.dims[0]!;
    }
  } finally {
    await prunedSession?.release();
    await acc.release();
  }
  if (samples === 0)
    throw new PareError('PARE_DATA', 'least-squares reconstruction: the calibration data gave no batch');
  const stats = acc.result();
  const current = readLinear(g, layer);
  const before = layerError(stats, current.weight, current.bias);
  const fit = fitLayer(stats, {
    ...(options.ridge === undefined ? {} : { ridge: options.ridge }),
    ...(options.rescaleVariance ? { rescaleVariance: true } : {}),
  });
  const after = options.rescaleVariance ? layerError(stats, fit.weight, fit.bias) : fit.error;
  const base = { node: name, before, variance: fit.variance, residual: residual !== undefined };
  if (!(after < before) && !options.rescaleVariance)
    return { report: { ...base, after: before, skipped: 'the refit did not lower the error' }, samples };
  writeLinear(g, layer, fit.weight, fit.bias);
  return { report: { ...base, after }, samples };
}

/** target += (origOther − prunedOther) · invScale, per kept channel. */
function addResidual(
  target: HostTensor,
  origOther: Float32Array,
  prunedOther: Float32Array,
  invScale: Float64Array,
  keep: Int32Array | undefined,
): void {
  const t = target.data as Float32Array;
  if (prunedOther.length !== t.length || origOther.length !== t.length) return;
  const [n, c] = target.dims as [number, number];
  const inner = t.length / (n * c);
  for (let b = 0; b < n; b++)
    for (let k = 0; k < c; k++) {
      const s = invScale[keep ? keep[k]! : k]!;
      if (s === 0) continue;
      const base = (b * c + k) * inner;
      for (let i = 0; i < inner; i++) t[base + i]! += (origOther[base + i]! - prunedOther[base + i]!) * s;
    }
}

function checkWidth(x: HostTensor, layer: LinearLayer, name: string): void {
  if (x.dims[1] !== layer.inChannels)
    throw new PareError(
      'PARE_INTERNAL',
      `least squares: '${name}' reads ${x.dims[1]} channels but its weights expect ${layer.inChannels}`,
    );
}

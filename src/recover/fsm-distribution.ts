// FSM "distribution optimization" (Duan et al., Network Pruning via Feature Shift Minimization, ACCV
// 2022; lscgx/FSM main.py get_effect_for_dstr): after a consumer loses input channels, the BN that
// follows it still normalises with the old running mean. With s_jk the signed kernel sum of W[j, k]
// and e_k = E[input channel k] (Gaussian moments, fsm-moments.ts), per output channel j:
//   E_full = Σ_all s_jk·e_k + b_j,  E_kept = Σ_kept s_jk·e_k + b_j,  ρ = E_full / μ_j;
//   if ρ > gate: μ_j ← μ_j·E_kept/E_full,  σ²_j ← σ²_j·(1 − r)  (r: fraction of inputs removed).
// Each layer's change is kept only when held-out top-1 does not drop (the authors' rollback).
// Our choices: the conv/Gemm bias b_j enters both sums (0 in the authors' nets); e_k is the moment of
// the value the consumer reads (ReLU, Add, pooling walked through). Consumers without a BN (folded at
// export, methods.md §1(f)) optionally get y' = a·y + b per output channel so the pruned output's
// measured mean/std match the original's: our adaptation, UNCONFIRMED as equivalent to the paper.

import type { ChannelAnalysis, ChannelMember } from '../analysis/channel-types.js';
import { checkPlan, type PruningPlan } from '../analysis/plan.js';
import { type ValueKeep, valueKeeps } from '../analysis/value-keeps.js';
import { type ChannelStats, collectActivationStats } from '../criteria/activation-stats.js';
import { kernelSums } from '../criteria/fsm.js';
import { type MomentsOptions, MomentsWalk } from '../criteria/fsm-moments.js';
import type { BatchLoader } from '../data/batch-loader.js';
import { attrFromValue } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import { inferShapes } from '../ops/infer-shapes.js';
import type { Feeds } from '../runtime/session.js';
import { PareError } from '../util/errors.js';
import { FeedableSession } from './feedable-session.js';

export interface FsmDistributionOptions {
  /** Compensate output channel j only when ρ_j = E_full/μ_j exceeds this (authors: 0; ResNet-50: 0.5). */
  readonly gate?: number;
  /** Accept/rollback each layer in graph order, or all layers together (default 'per-layer'). */
  readonly mode?: 'per-layer' | 'all-at-once';
  /** Labelled held-out data: a change is undone when top-1 drops. Without it every change is kept. */
  readonly heldOut?: BatchLoader;
  /** Held-out samples per evaluation (default 1000). */
  readonly heldOutSamples?: number;
  /** Calibration data: measured moments where no BN models a consumed value, and `folded`. */
  readonly calibration?: BatchLoader;
  /** Calibration samples (default 256). */
  readonly calibrationSamples?: number;
  /** Also correct consumers not followed by a BN by matching measured output moments (default false). */
  readonly folded?: boolean;
  /** Where e_k comes from (fsm-moments.ts; default 'auto': BN parameters, else measured). */
  readonly source?: MomentsOptions['source'];
  readonly negativeGamma?: MomentsOptions['negativeGamma'];
  readonly threads?: number;
}

export interface LayerCompensation {
  /** The consumer (Conv/Gemm) that lost input channels. */
  readonly node: string;
  /** The node whose parameters changed: the BN after the consumer, or the consumer itself (folded). */
  readonly target: string;
  readonly kind: 'bn-statistics' | 'affine';
  /** Output channels changed, of `outOf` in the pruned model. */
  readonly channels: number;
  readonly outOf: number;
  /** Fraction of the consumer's input positions removed (r). */
  readonly removed: number;
  readonly accepted: boolean;
  /** Held-out top-1 before and after this change (per-layer mode with held-out data). */
  readonly top1Before?: number;
  readonly top1After?: number;
}

export interface FsmDistributionResult {
  readonly model: Model;
  /** Layers compensated (changed at least one channel). */
  readonly layers: number;
  readonly accepted: number;
  readonly rolledBack: number;
  readonly details: readonly LayerCompensation[];
  /** Consumers left alone, with why. */
  readonly skipped: readonly { readonly node: string; readonly reason: string }[];
  /** Held-out top-1 before and after the whole step (when held-out data was given). */
  readonly top1?: { readonly before: number; readonly after: number };
  /** Samples run in all: every held-out evaluation and every calibration pass. */
  readonly samples: number;
  readonly seconds: number;
}

/** A consumer whose inputs were cut, with what its compensation needs. */
interface Target {
  readonly member: ChannelMember;
  readonly node: Node;
  /** Kept input positions (undefined: all) and the fraction removed. */
  readonly inKeep: ValueKeep;
  /** Kept output positions in the pruned model (undefined: all). */
  readonly outKeep: Int32Array | undefined;
  readonly bn: Node | undefined;
}

/**
 * Compensate the feature shift left by a plan: `original` is the unpruned model the plan and
 * `analysis` were made for, `pruned` the result of applying the plan to it. Returns a new model.
 */
export async function compensateFeatureShift(
  original: Model,
  pruned: Model,
  analysis: ChannelAnalysis,
  plan: PruningPlan,
  options: FsmDistributionOptions = {},
): Promise<FsmDistributionResult> {
  const t0 = performance.now();
  const label = original.path ?? original.graph.name;
  const heldOutSet = options.heldOut?.dataset;
  if (heldOutSet && heldOutSet.numClasses < 2)
    throw new PareError(
      'PARE_DATA',
      `held-out data '${heldOutSet.name}' has ${heldOutSet.numClasses} class(es); accept/rollback needs labels`,
    );
  let orig = original;
  if (orig.graph.nodes.some((n) => n.outputs.some((o) => !o.type?.shape))) {
    orig = cloneModel(original);
    inferShapes(orig.graph);
  }
  const kept = checkPlan(plan, orig.graph, analysis, { model: label });
  const keeps = valueKeeps(analysis, kept);
  const skipped: { node: string; reason: string }[] = [];
  const targets = findTargets(orig.graph, analysis, kept, keeps, skipped);
  const folded = options.folded ?? false;
  const bnTargets = targets.filter((t) => t.bn);
  const affineTargets = folded ? targets.filter((t) => !t.bn) : [];
  for (const t of targets)
    if (!t.bn && !folded)
      skipped.push({ node: t.node.name, reason: 'no BatchNormalization after it (folded: enable `folded`)' });
  if (affineTargets.length > 0 && !options.calibration)
    throw new PareError(
      'PARE_CONFIG',
      `compensating consumers without BatchNormalization ('${affineTargets[0]!.node.name}') needs calibration data`,
      { notes: ['pass calibration data, or leave `folded` off to compensate only BN-followed layers'] },
    );

  // e_k of every BN target's input, from BN parameters or measured on the original model.
  const calibLimit = options.calibrationSamples ?? 256;
  let samples = 0;
  const momentsOptions: MomentsOptions = {
    source: options.source ?? 'auto',
    negativeGamma: options.negativeGamma ?? 'abs',
  };
  const probe = new MomentsWalk(orig.graph, momentsOptions, () => undefined);
  for (const t of bnTargets) probe.of(orig.graph.mustValue(t.member.value));
  const requests = [
    ...[...probe.missing.keys()].map((value) => ({ value, axis: 1 })),
    ...affineTargets.map((t) => ({ value: t.node.outputs[0]!.name, axis: 1 })),
  ];
  if (probe.missing.size > 0 && !options.calibration) {
    const first = [...probe.missing.values()][0]!;
    throw new PareError('PARE_DATA', `FSM compensation of '${label}': ${first}`, {
      notes: ['pass calibration data to measure it, or use a model exported with its BatchNormalization'],
    });
  }
  let measured = 0;
  const stats =
    requests.length > 0 && options.calibration
      ? await collectActivationStats(orig, requests, feedsOf(orig, options.calibration, calibLimit), {
          onBatch: (n) => {
            measured = n;
          },
          ...(options.threads ? { threads: options.threads } : {}),
        })
      : new Map<string, ChannelStats>();
  samples += measured;
  const walk = new MomentsWalk(orig.graph, momentsOptions, (v) => stats.get(v.name));

  // Every parameter a change may touch is fed, so one session serves every try.
  const work = cloneModel(pruned);
  const params: string[] = [];
  for (const t of bnTargets) {
    const bn = mustNode(work.graph, t.bn!.name, label);
    params.push(constInput(bn, 3, label).name, constInput(bn, 4, label).name);
  }
  for (const t of affineTargets) params.push(...affineParams(work.graph, t, label));
  if (bnTargets.length + affineTargets.length === 0) return done(work, [], skipped, undefined, samples, t0);
  const session = await FeedableSession.create(
    work,
    params,
    affineTargets.map((t) => t.node.outputs[0]!.name),
    options.threads ? { threads: options.threads } : {},
  );
  const details: LayerCompensation[] = [];
  let top1: { before: number; after: number } | undefined;
  try {
    const heldOut = options.heldOut;
    const evalLimit = options.heldOutSamples ?? 1000;
    const evaluate = async () => {
      const r = await session.top1(heldOut!, evalLimit);
      samples += r.samples;
      return r.top1;
    };
    const perLayer = (options.mode ?? 'per-layer') === 'per-layer';
    let current = heldOut ? await evaluate() : undefined;
    const start = current;
    // Graph order: a folded layer is measured with every earlier change in place.
    const order = targets.filter((t) => t.bn || folded);
    const undo = new Map<string, Tensor>();
    for (const t of order) {
      let change: { edits: Map<string, Tensor>; channels: number; outOf: number };
      if (t.bn) change = bnChange(work.graph, t, walk, options.gate ?? 0, label);
      else {
        const m = await session.channelMoments(options.calibration!, t.node.outputs[0]!.name, calibLimit);
        samples += m.samples;
        change = affineChange(work.graph, t, session.params, stats.get(t.node.outputs[0]!.name)!, m);
      }
      if (change.channels === 0) {
        const why = t.bn ? `no output channel passed the gate (ρ > ${options.gate ?? 0})` : 'already matched';
        skipped.push({ node: t.node.name, reason: why });
        continue;
      }
      const before = new Map([...change.edits.keys()].map((k) => [k, session.params.get(k)!]));
      for (const [k, v] of change.edits) session.params.set(k, v);
      for (const [k, v] of before) if (!undo.has(k)) undo.set(k, v);
      const info = {
        node: t.node.name,
        target: t.bn ? t.bn.name : t.node.name,
        kind: t.bn ? ('bn-statistics' as const) : ('affine' as const),
        channels: change.channels,
        outOf: change.outOf,
        removed: removedFraction(t.inKeep),
      };
      if (!perLayer || current === undefined) {
        details.push({ ...info, accepted: true });
        continue;
      }
      const top1Before = current;
      const top1After = await evaluate();
      const accepted = top1After >= top1Before;
      if (accepted) current = top1After;
      else for (const [k, v] of before) session.params.set(k, v);
      details.push({ ...info, accepted, top1Before, top1After });
    }
    if (!perLayer && start !== undefined && details.length > 0) {
      const after = await evaluate();
      const accepted = after >= start;
      if (!accepted) for (const [k, v] of undo) session.params.set(k, v);
      for (let i = 0; i < details.length; i++) details[i] = { ...details[i]!, accepted };
      current = accepted ? after : start;
    }
    if (start !== undefined && current !== undefined) top1 = { before: start, after: current };
  } finally {
    await session.release();
  }
  for (const [name, t] of session.params) work.graph.setConst(work.graph.mustValue(name), t);
  return done(work, details, skipped, top1, samples, t0);
}

function done(
  model: Model,
  details: LayerCompensation[],
  skipped: { node: string; reason: string }[],
  top1: { before: number; after: number } | undefined,
  samples: number,
  t0: number,
): FsmDistributionResult {
  const accepted = details.filter((d) => d.accepted).length;
  return {
    model,
    layers: details.length,
    accepted,
    rolledBack: details.length - accepted,
    details,
    skipped,
    ...(top1 ? { top1 } : {}),
    samples,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Consumers (Conv group 1, Gemm, MatMul) that lost input positions, in graph order, once each. */
function findTargets(
  g: Graph,
  analysis: ChannelAnalysis,
  kept: ReadonlyMap<string, Int32Array>,
  keeps: ReadonlyMap<string, ValueKeep>,
  skipped: { node: string; reason: string }[],
): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const group of analysis.groups) {
    if (!kept.has(group.id)) continue;
    for (const m of group.members) {
      if (m.kind !== 'in' || m.weights.length === 0) continue;
      const key = `${m.node}\u0000${m.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const node = g.value(m.value)?.consumers.find((n) => n.name === m.node);
      const inKeep = keeps.get(m.value);
      if (!node || !inKeep?.keep) continue;
      if (!['Conv', 'Gemm', 'MatMul'].includes(node.opType) || node.attrInt('group', 1) !== 1) {
        skipped.push({
          node: node.name,
          reason: `${node.opType} is not compensated (Conv, Gemm and MatMul are)`,
        });
        continue;
      }
      const y = node.outputs[0]!;
      const bn = y.uses.find((u) => u.index === 0 && u.node.opType === 'BatchNormalization')?.node;
      out.push({ member: m, node, inKeep, outKeep: keeps.get(y.name)?.keep, bn });
    }
  }
  const order = new Map(g.nodes.map((n, i) => [n, i]));
  return out.sort((a, b) => order.get(a.node)! - order.get(b.node)!);
}

/** E_full and E_kept per output channel j of a consumer in the original graph (bias included). */
export function expectedOutputs(
  g: Graph,
  node: Node,
  member: ChannelMember,
  e: Float64Array,
  inKeep: Int32Array,
): { full: Float64Array; kept: Float64Array } {
  const w = member.weights[0]!;
  const tensor = g.mustValue(node.input(w.input)!.name).const!;
  const dims = tensor.dims;
  const outAxis = w.axis === 0 ? 1 : 0;
  const [outs, ins] = [dims[outAxis]!, dims[w.axis]!];
  if (e.length !== ins)
    throw new PareError(
      'PARE_INTERNAL',
      `${node.opType} '${node.name}' reads ${ins} positions but '${member.value}' has moments for ${e.length}`,
      { node },
    );
  const s = kernelSums(tensor.toFloat32(), dims, outAxis, w.axis);
  const alpha = node.opType === 'Gemm' ? node.attrFloat('alpha', 1) : 1;
  const bias = biasOf(node, outs);
  const isKept = new Uint8Array(ins);
  for (const p of inKeep) isKept[p] = 1;
  const full = new Float64Array(outs);
  const kept = new Float64Array(outs);
  for (let j = 0; j < outs; j++) {
    let f = 0;
    let k = 0;
    for (let p = 0; p < ins; p++) {
      const d = s[j * ins + p]! * e[p]!;
      f += d;
      if (isKept[p]) k += d;
    }
    full[j] = alpha * f + (bias?.[j] ?? 0);
    kept[j] = alpha * k + (bias?.[j] ?? 0);
  }
  return { full, kept };
}

/** The BN-statistics change of one target (data-free), on the pruned graph's BN. */
function bnChange(g: Graph, t: Target, walk: MomentsWalk, gate: number, label: string) {
  const e = walk.of(walk.graph.mustValue(t.member.value));
  if (e.missing)
    throw new PareError('PARE_DATA', `FSM compensation of '${label}': ${e.missing}`, { node: t.node });
  const { full, kept } = expectedOutputs(walk.graph, t.node, t.member, e.mean, t.inKeep.keep!);
  const bn = mustNode(g, t.bn!.name, label);
  const meanV = constInput(bn, 3, label);
  const varV = constInput(bn, 4, label);
  const r = compensateStatistics(
    meanV.const!.toFloat32(),
    varV.const!.toFloat32(),
    full,
    kept,
    removedFraction(t.inKeep),
    gate,
    t.outKeep,
  );
  const edits = new Map([
    [meanV.name, Tensor.from('float32', meanV.const!.dims, r.mean)],
    [varV.name, Tensor.from('float32', varV.const!.dims, r.variance)],
  ]);
  return { edits, channels: r.changed, outOf: r.mean.length };
}

/**
 * The authors' rule on one BN's statistics. `mean`/`variance` are the pruned BN's; pruned channel i
 * is original channel outKeep[i] (or i). Channels with ρ ≤ gate, or undefined ρ, stay as they are.
 */
export function compensateStatistics(
  mean: Float32Array,
  variance: Float32Array,
  full: Float64Array,
  kept: Float64Array,
  removed: number,
  gate: number,
  outKeep?: Int32Array,
): { mean: Float32Array; variance: Float32Array; changed: number } {
  const m = Float32Array.from(mean);
  const v = Float32Array.from(variance);
  let changed = 0;
  for (let i = 0; i < m.length; i++) {
    const j = outKeep ? outKeep[i]! : i;
    const rho = full[j]! / m[i]!;
    if (!Number.isFinite(rho) || full[j] === 0 || !(rho > gate)) continue;
    m[i] = (m[i]! * kept[j]!) / full[j]!;
    v[i] = v[i]! * (1 - removed);
    changed++;
  }
  return { mean: m, variance: v, changed };
}

/** Folded variant: per pruned output channel i, y' = a·y + b with the original's mean and std. */
function affineChange(
  g: Graph,
  t: Target,
  current: ReadonlyMap<string, Tensor>,
  want: { mean: Float64Array; variance: Float64Array },
  got: { mean: Float64Array; variance: Float64Array },
) {
  const node = mustNode(g, t.node.name, '');
  const wName = node.input(1)!.name;
  const bName = node.input(2)!.name;
  const W = current.get(wName)!;
  const B = current.get(bName)!;
  const outs = got.mean.length;
  const a = new Float64Array(outs);
  const b = new Float64Array(outs);
  let changed = 0;
  for (let i = 0; i < outs; i++) {
    const j = t.outKeep ? t.outKeep[i]! : i;
    const sdGot = Math.sqrt(got.variance[i]!);
    const sdWant = Math.sqrt(want.variance[j]!);
    a[i] = sdGot > 1e-12 && sdWant > 0 ? sdWant / sdGot : 1;
    b[i] = want.mean[j]! - a[i]! * got.mean[i]!;
    if (a[i] !== 1 || b[i] !== 0) changed++;
  }
  // Output channel i of W is axis 0 (Conv, Gemm transB=1) or axis 1 (Gemm transB=0).
  const outAxis = node.opType === 'Gemm' && node.attrInt('transB', 0) === 0 ? 1 : 0;
  const w = Float32Array.from(W.toFloat32());
  const inner = W.dims.slice(outAxis + 1).reduce((p, q) => p * q, 1);
  for (let k = 0; k < w.length; k++) w[k] = w[k]! * a[Math.floor(k / inner) % outs]!;
  const beta = node.opType === 'Gemm' ? node.attrFloat('beta', 1) : 1;
  const bias = Float32Array.from(B.toFloat32(), (x, i) => a[i]! * x + b[i]! / beta);
  const edits = new Map([
    [wName, Tensor.from('float32', W.dims, w)],
    [bName, Tensor.from('float32', B.dims, bias)],
  ]);
  return { edits, channels: changed, outOf: outs };
}

/** Weight and (added when absent) per-channel bias names of a folded target in the working graph. */
function affineParams(g: Graph, t: Target, label: string): string[] {
  const node = mustNode(g, t.node.name, label);
  if (node.opType === 'MatMul')
    throw new PareError('PARE_UNSUPPORTED_OP', `MatMul '${node.name}' has no bias to compensate with`, {
      node,
      notes: ['leave `folded` off, or export the layer as Gemm'],
    });
  const w = node.input(1)!;
  const outAxis = node.opType === 'Gemm' && node.attrInt('transB', 0) === 0 ? 1 : 0;
  const outs = w.const?.dims[outAxis];
  if (!w.const || outs === undefined)
    throw new PareError('PARE_INTERNAL', `'${node.name}' weight is not constant`);
  const b = node.input(2);
  if (!b) {
    const zeros = g.addInitializer(
      g.uniqueName(`${node.name}.bias`),
      Tensor.float32([outs], new Float32Array(outs)),
    );
    node.setInput(2, zeros);
    if (node.opType === 'Gemm') node.setAttr('beta', attrFromValue(1, 'beta'));
  } else if (!b.const || b.const.size !== outs)
    throw new PareError(
      'PARE_UNSUPPORTED_OP',
      `${node.opType} '${node.name}': bias '${b.name}' is not per-channel`,
      {
        node,
      },
    );
  return [w.name, node.input(2)!.name];
}

function biasOf(node: Node, outs: number): Float32Array | undefined {
  if (node.opType === 'MatMul') return undefined;
  const c = node.input(2)?.const;
  if (!c) return undefined;
  const beta = node.opType === 'Gemm' ? node.attrFloat('beta', 1) : 1;
  const d = c.toFloat32();
  if (d.length === outs) return d.map((x) => beta * x);
  if (d.length === 1) return new Float32Array(outs).fill(beta * d[0]!);
  return undefined;
}

function removedFraction(k: ValueKeep): number {
  return k.keep ? 1 - k.keep.length / k.size : 0;
}

function mustNode(g: Graph, name: string, label: string): Node {
  const n = g.node(name);
  if (!n)
    throw new PareError(
      'PARE_PLAN',
      `the pruned model has no node '${name}' (was it made from '${label}'?)`,
      {
        notes: ['pass the model the plan was applied to, unchanged'],
      },
    );
  return n;
}

function constInput(node: Node, i: number, label: string) {
  const v = node.input(i);
  if (!v?.const)
    throw new PareError(
      'PARE_UNSUPPORTED_OP',
      `${node.opType} '${node.name}' input ${i} is not a constant in '${label}'`,
      {
        node,
      },
    );
  return v;
}

async function* feedsOf(model: Model, loader: BatchLoader, limit: number): AsyncGenerator<Feeds> {
  const input = model.graph.feedInputs[0]!.name;
  let seen = 0;
  for await (const batch of loader.epoch(0)) {
    const n = Math.min(batch.n, limit - seen);
    if (n <= 0) break;
    const [, c, h, w] = batch.shape;
    yield { [input]: { dims: [n, c, h, w], data: batch.x.slice(0, n * c * h * w) } };
    seen += n;
  }
}

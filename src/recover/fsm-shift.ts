// The per-layer changes of FSM compensation (fsm-distribution.ts): which consumers lost inputs, the
// authors' data-free BN-statistics rule (lscgx/FSM main.py get_effect_for_dstr), and the measured
// per-channel affine correction for consumers whose BN was folded (our adaptation, UNCONFIRMED).

import type { ChannelAnalysis, ChannelMember } from '../analysis/channel-types.js';
import type { ValueKeep } from '../analysis/value-keeps.js';
import { kernelSums } from '../criteria/fsm.js';
import type { MomentsWalk } from '../criteria/fsm-moments.js';
import { attrFromValue } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import { PareError } from '../util/errors.js';

/** A consumer whose inputs were cut, with what its compensation needs. */
export interface Target {
  readonly member: ChannelMember;
  readonly node: Node;
  /** Kept input positions (undefined: all) and the fraction removed. */
  readonly inKeep: ValueKeep;
  /** Kept output positions in the pruned model (undefined: all). */
  readonly outKeep: Int32Array | undefined;
  readonly bn: Node | undefined;
}

/** Consumers (Conv group 1, Gemm, MatMul) that lost input positions, in graph order, once each. */
export function findTargets(
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
export function bnChange(g: Graph, t: Target, walk: MomentsWalk, gate: number, label: string) {
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
export function affineChange(
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
export function affineParams(g: Graph, t: Target, label: string): string[] {
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

export function removedFraction(k: ValueKeep): number {
  return k.keep ? 1 - k.keep.length / k.size : 0;
}

export function mustNode(g: Graph, name: string, label: string): Node {
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

export function constInput(node: Node, i: number, label: string) {
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

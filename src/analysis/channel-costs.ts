// What channels cost, from the ops cost model: per channel of each group (first order: removing one
// channel alone), and for a whole plan exactly (node MACs scale with the kept fraction of their
// output channels and of the channels they reduce over; parameters with every sliced axis).

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { throughIdentity } from '../ops/const-eval.js';
import type { CostReport } from '../ops/costs.js';
import { findParams } from '../ops/params.js';
import type { ChannelAnalysis, ChannelGroup, ChannelMember } from './channel-types.js';
import { valueKeeps } from './value-keeps.js';

export interface PlanCosts {
  readonly macs: number;
  readonly params: number;
}

/** The nodes a member names (node names need not be unique: match among the value's neighbours). */
export function memberNodes(graph: Graph, member: Pick<ChannelMember, 'value' | 'node' | 'opType'>): Node[] {
  const v = graph.value(member.value);
  if (!v) return [];
  const near = v.producer ? [v.producer, ...v.consumers] : v.consumers;
  return near.filter((n) => n.name === member.node && n.opType === member.opType);
}

/** Fill macsPerChannel / paramsPerChannel of every group. */
export function assignChannelCosts(graph: Graph, groups: readonly ChannelGroup[], costs: CostReport): void {
  const macsOf = new Map(costs.nodes.map((c) => [c.node, c.macs]));
  const params = new Set(findParams(graph).map((p) => p.value));
  for (const group of groups) {
    let macs = 0;
    for (const cv of group.values) {
      const p = graph.value(cv.value)?.producer;
      if (p) macs += ((macsOf.get(p) ?? 0) * cv.block) / cv.size;
    }
    let count = 0;
    for (const m of group.members) {
      for (const node of memberNodes(graph, m)) {
        if (m.kind === 'in') {
          const size = group.values.find((v) => v.value === m.value)!.size;
          macs += ((macsOf.get(node) ?? 0) * m.block) / size;
        }
        for (const w of m.weights) {
          const root = weightRoot(node, w.input);
          if (!root?.const || !params.has(root)) continue;
          count += (root.const.size / root.const.dims[w.axis]!) * m.block;
        }
      }
    }
    group.macsPerChannel = macs;
    group.paramsPerChannel = count;
  }
}

/** MACs and parameters after applying `kept` (group id → kept indices), predicted without surgery. */
export function predictCosts(
  graph: Graph,
  analysis: ChannelAnalysis,
  kept: ReadonlyMap<string, Int32Array>,
  costs: CostReport,
): PlanCosts {
  const keeps = valueKeeps(analysis, kept);
  const ratio = (name: string | undefined) => {
    const k = name === undefined ? undefined : keeps.get(name);
    return k?.keep ? k.keep.length / k.size : 1;
  };
  const reduced = new Map<Node, string>();
  // node → input → axis → the value whose kept positions slice that axis
  const slicing = new Map<Node, Map<number, Map<number, string>>>();
  for (const group of analysis.groups)
    for (const m of group.members)
      for (const node of memberNodes(graph, m)) {
        if (m.kind === 'in') reduced.set(node, m.value);
        const inputs = slicing.get(node) ?? new Map<number, Map<number, string>>();
        for (const w of m.weights)
          inputs.set(w.input, (inputs.get(w.input) ?? new Map()).set(w.axis, m.value));
        slicing.set(node, inputs);
      }
  let macs = 0;
  for (const c of costs.nodes) macs += c.macs * ratio(c.node.outputs[0]?.name) * ratio(reduced.get(c.node));
  let params = 0;
  for (const p of findParams(graph)) {
    // Users that slice a shared weight differently get their own copy; equal slices share one.
    const copies = new Map<string, number>();
    for (const { node, index } of rootUsers(p.value)) {
      const axes = [...(slicing.get(node)?.get(index) ?? new Map<number, string>())].sort(
        ([a], [b]) => a - b,
      );
      const key = axes.map(([axis, v]) => `${axis}:${keeps.get(v)?.keep?.join(',') ?? '*'}`).join('|');
      copies.set(
        key,
        axes.reduce((f, [, v]) => f * ratio(v), 1),
      );
    }
    for (const f of copies.values()) params += p.size * f;
  }
  return { macs: Math.round(macs), params: Math.round(params) };
}

/** Uses of a constant, looking through Identity nodes. */
function rootUsers(v: Value): { node: Node; index: number }[] {
  return v.uses.flatMap((u) => (u.node.opType === 'Identity' ? rootUsers(u.node.output(0)) : [u]));
}

function weightRoot(node: Node, input: number): Value | undefined {
  const v = node.input(input);
  return v ? throughIdentity(v) : undefined;
}

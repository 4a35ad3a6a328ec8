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
  const ratio = new Map<string, number>();
  for (const group of analysis.groups) {
    const keep = kept.get(group.id);
    if (!keep) continue;
    for (const cv of group.values) {
      const removed = (group.size - keep.length) * cv.block;
      ratio.set(cv.value, (ratio.get(cv.value) ?? 1) - removed / cv.size);
    }
  }
  const r = (v: Value | undefined) => (v ? (ratio.get(v.name) ?? 1) : 1);
  const reduced = new Map<Node, string>();
  const axisRatio = new Map<Value, Map<number, number>>();
  for (const group of analysis.groups)
    for (const m of group.members)
      for (const node of memberNodes(graph, m)) {
        if (m.kind === 'in') reduced.set(node, m.value);
        for (const w of m.weights) {
          const root = weightRoot(node, w.input);
          if (!root) continue;
          const axes = axisRatio.get(root) ?? new Map<number, number>();
          axes.set(w.axis, r(graph.value(m.value)));
          axisRatio.set(root, axes);
        }
      }
  let macs = 0;
  for (const c of costs.nodes) {
    const into = reduced.get(c.node);
    macs += c.macs * r(c.node.outputs[0]) * (into ? r(graph.value(into)) : 1);
  }
  let params = 0;
  for (const p of findParams(graph)) {
    let f = 1;
    for (const x of axisRatio.get(p.value)?.values() ?? []) f *= x;
    params += p.size * f;
  }
  return { macs: Math.round(macs), params: Math.round(params) };
}

function weightRoot(node: Node, input: number): Value | undefined {
  const v = node.input(input);
  return v ? throughIdentity(v) : undefined;
}

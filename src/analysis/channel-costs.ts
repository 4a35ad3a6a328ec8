// What one channel of each group costs, from the ops cost model (first order: removing one channel
// alone). The exact costs of a whole plan are cost-model.ts's.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { throughIdentity } from '../ops/const-eval.js';
import type { CostReport } from '../ops/costs.js';
import { findParams } from '../ops/params.js';
import type { ChannelGroup, ChannelMember } from './channel-types.js';

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

function weightRoot(node: Node, input: number): Value | undefined {
  const v = node.input(input);
  return v ? throughIdentity(v) : undefined;
}

// maskPlan: the verification oracle. In a copy of the original graph, every consumer's input-weight
// slice of the removed channels is zeroed; shapes stay. Pruned and masked must compute the same.

import { analyzeChannels } from '../analysis/channel-groups.js';
import { resolveConstant } from '../analysis/constants.js';
import { checkPlan, type PruningPlan } from '../analysis/plan.js';
import { complement } from '../analysis/value-keeps.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { zeroAxis } from '../ir/tensor-axis.js';
import type { ApplyOptions } from './apply-plan.js';
import { Pruner } from './prune-context.js';

export function maskPlan(graph: Graph, plan: PruningPlan, options: ApplyOptions = {}): Graph {
  const analysis = options.analysis ?? analyzeChannels(graph);
  const kept = checkPlan(plan, graph, analysis, options);
  const g = graph.clone();
  const writer: Pruner = new Pruner(g, new Map());
  const done = new Set<string>();
  for (const group of analysis.groups) {
    const keep = kept.get(group.id);
    if (!keep) continue;
    const drop = complement(keep, group.size);
    for (const m of group.members) {
      if (m.kind !== 'in') continue;
      const positions = new Int32Array(drop.length * m.block);
      drop.forEach((ch, k) => {
        positions.set(m.indexMap.subarray(ch * m.block, (ch + 1) * m.block), k * m.block);
      });
      for (const node of consumers(g, m.value, m.node, m.opType)) {
        for (const w of m.weights) {
          const key = `${g.nodes.indexOf(node)}:${w.input}:${w.axis}:${group.id}`;
          if (done.has(key)) continue;
          done.add(key);
          const t = resolveConstant(node.input(w.input));
          if (!t) writer.fail(node, `input ${w.input} is not a constant`);
          writer.setConstant(node, w.input, zeroAxis(t, w.axis, positions));
        }
      }
    }
  }
  writer.removeDead();
  return g;
}

/** The nodes a member names, found among the users of its value (node names need not be unique). */
function consumers(g: Graph, value: string, name: string, opType: string): Node[] {
  const v = g.value(value);
  if (!v) return [];
  return v.consumers.filter((n) => n.name === name && n.opType === opType);
}

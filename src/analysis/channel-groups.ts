// analyzeChannels: run every node's channel handler over the graph (in topological order), then
// turn tied positions into groups. Unknown ops and handler failures block what they touch; the
// analysis itself never fails on an odd graph.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { type CostReport, computeCosts } from '../ops/costs.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { describeNode } from '../util/errors.js';
import { buildGroups } from './build-groups.js';
import { assignChannelCosts } from './channel-costs.js';
import type { ChannelAnalysis } from './channel-types.js';
import { handlerFor } from './handlers/registry.js';
import { SlotGraph } from './slot-graph.js';

export interface AnalyzeOptions {
  /** The cost report of this graph, when already computed. */
  readonly costs?: CostReport;
}

/**
 * Channel groups of a graph. Values need types: when some node output has none, static shape
 * inference runs first (it annotates the graph's values, nothing else). A value whose shape is
 * needed and still unknown blocks the channels that reach it.
 */
export function analyzeChannels(graph: Graph, options: AnalyzeOptions = {}): ChannelAnalysis {
  if (graph.nodes.some((n) => n.outputs.some((o) => o.name !== '' && !o.type?.shape)))
    inferShapes(graph, { keepUnresolved: true });
  const sg = new SlotGraph(graph);
  for (const input of graph.feedInputs) {
    const c = input.type?.shape?.[1];
    if (typeof c !== 'number' || c < 1) continue;
    sg.block(sg.define(input, 1, c), `channels of graph input '${input.name}'`);
  }
  for (const node of graph.nodes) {
    if (sg.claimed.has(node.outputs[0]?.name ?? '')) continue;
    const handler = handlerFor(node.opType, node.domain);
    if (!handler) {
      sg.unknown(node, 'has no channel rule (pare does not know how it treats channels)');
      continue;
    }
    try {
      handler.link(node, sg);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      sg.unknown(node, `could not be analysed: ${msg}`);
      blockOutputs(sg, node, `${describeNode(node)} could not be analysed`);
    }
    for (const v of node.implicitInputs) {
      const s = sg.slot(v);
      if (s) sg.block(s, `read inside a subgraph of ${describeNode(node)}`);
    }
  }
  for (const out of graph.outputs) {
    const s = sg.slot(out);
    if (s) sg.block(s, `feeds graph output '${out.name}'`);
  }
  sg.checkRequirements();
  const groups = buildGroups(sg);
  assignChannelCosts(graph, groups, options.costs ?? computeCosts(graph));
  return { groups, claimed: new Map(sg.claimed) };
}

function blockOutputs(sg: SlotGraph, node: Node, reason: string): void {
  for (const o of node.outputs) {
    const s = sg.slot(o);
    if (s) sg.block(s, reason);
  }
}

// The consumers ('in' members) of a group seen as linear layers with their input statistics: what
// the lasso and cap criteria select over (linear/select.ts). A group whose channels reach a consumer
// that is not a plain Conv/Gemm (grouped conv inputs are tied, not consumed; MatMul, ConvTranspose)
// is not scored: selecting for some consumers only would ignore what the others lose.

import type { ChannelGroup } from '../analysis/channel-types.js';
import type { Graph } from '../ir/graph.js';
import type { LayerStats } from '../linear/layer.js';
import { groupFeatures, linearLayer, linearSkip, readLinear } from '../linear/layer.js';
import { channelUnits, otherFeatures, type SelectLayer } from '../linear/select.js';
import { memberNode, membersOf } from './member-tensors.js';

/** Consumer node names of the group, or why the group cannot be selected over. */
export function linearConsumers(
  graph: Graph,
  group: ChannelGroup,
  maxFeatures: number,
): { readonly nodes: string[] } | { readonly skip: string } {
  const members = membersOf(group, ['in']).filter((m) => m.weights.length > 0);
  if (members.length === 0) return { skip: `group '${group.id}' has no consumer with weights` };
  const nodes: string[] = [];
  for (const m of members) {
    const node = memberNode(graph, m);
    const why = linearSkip(node);
    if (why) return { skip: `group '${group.id}': consumer ${why}` };
    if (graph.node(node.name) !== node)
      return { skip: `group '${group.id}': consumer name '${node.name}' is not unique in the graph` };
    const dg = groupFeatures(linearLayer(graph, node.name));
    if (dg > maxFeatures)
      return {
        skip: `group '${group.id}': consumer '${node.name}' has ${dg} patch features per conv group (maxFeatures ${maxFeatures})`,
      };
    nodes.push(node.name);
  }
  return { nodes };
}

/** The `layers` hook of a selection criterion: the consumers whose input statistics it reads. */
export function consumerLayers(
  graph: Graph,
  group: ChannelGroup,
  options: { readonly maxFeatures: number },
): string[] {
  const found = linearConsumers(graph, group, options.maxFeatures);
  return 'skip' in found ? [] : found.nodes;
}

/** One SelectLayer per consumer (units = the group's channels, fixed = the consumer's other inputs). */
export function selectLayers(
  graph: Graph,
  group: ChannelGroup,
  maxFeatures: number,
  layerStats: (node: string) => LayerStats | undefined,
): SelectLayer[] | { readonly skip: string } {
  const found = linearConsumers(graph, group, maxFeatures);
  if ('skip' in found) return found;
  const members = membersOf(group, ['in']).filter((m) => m.weights.length > 0);
  const out: SelectLayer[] = [];
  for (const [i, m] of members.entries()) {
    const stats = layerStats(found.nodes[i]!);
    if (!stats)
      return {
        skip: `group '${group.id}': no input statistics of '${found.nodes[i]}' (give calibration data)`,
      };
    const layer = stats.layer;
    const units = channelUnits(layer, m.indexMap, m.block, group.size);
    out.push({ stats, weight: readLinear(graph, layer).weight, units, fixed: otherFeatures(layer, units) });
  }
  return out;
}

// The channel sets a gradient criterion measures: for every prunable group, each consumer that reads
// its channels ('in' members of Conv/Gemm/MatMul) is a tap, and the activation memory one channel frees
// (its producers' output elements per sample) is what Group Fisher normalises by. The measurement
// itself is measure/gradient-stats.ts.

import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { isPrunable } from '../analysis/channel-types.js';
import type { BatchLoader } from '../data/batch-loader.js';
import type { Model } from '../ir/model.js';
import {
  type ChannelSet,
  type GradientStatsOptions,
  type GradientTap,
  type GroupGradientStats,
  measureChannelGradients,
} from '../measure/gradient-stats.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { memberNode } from './member-tensors.js';

export interface GroupGradientOptions extends GradientStatsOptions {
  /** Groups to measure (default every prunable group). */
  readonly groups?: readonly string[];
}

/** Gradient statistics of every selected group of `analysis` over `loader`'s first labelled batches. */
export async function measureGradientStats(
  model: Model,
  analysis: ChannelAnalysis,
  loader: BatchLoader,
  options: GroupGradientOptions = {},
): Promise<Map<string, GroupGradientStats>> {
  return measureChannelGradients(
    model,
    gradientChannelSets(model, analysis, options.groups),
    loader,
    options,
  );
}

/** Every selected prunable group as a channel set: its Conv/Gemm/MatMul consumer taps and acts freed. */
export function gradientChannelSets(
  model: Model,
  analysis: ChannelAnalysis,
  groups?: readonly string[],
): ChannelSet[] {
  const g = model.graph;
  inferShapes(g);
  const wanted = groups ? new Set(groups) : undefined;
  const sets: ChannelSet[] = [];
  for (const group of analysis.groups) {
    if (!isPrunable(group) || (wanted && !wanted.has(group.id))) continue;
    let actsPerChannel = 0;
    const taps: GradientTap[] = [];
    for (const member of group.members) {
      if (member.kind === 'out') {
        const shape = g.value(member.value)?.type?.shape ?? [];
        actsPerChannel += shape.slice(2).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
      }
      if (member.kind !== 'in' || !['Conv', 'Gemm', 'MatMul'].includes(member.opType)) continue;
      const node = memberNode(g, member);
      const input = node.inputs.findIndex((v) => v?.name === member.value);
      if (input >= 0) taps.push({ node: node.name, input, block: member.block, indexMap: member.indexMap });
    }
    sets.push({ id: group.id, size: group.size, taps, actsPerChannel });
  }
  return sets;
}

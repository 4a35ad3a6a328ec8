// Activation criteria measure what the next layers read: the values consumed by the group's 'in'
// members (after BN, ReLU, pooling), one row per distinct value, a channel averaging its positions.

import type { ChannelGroup, ChannelMember } from '../analysis/channel-types.js';
import type { ActivationRequest, ChannelStats } from '../measure/activation-stats.js';
import type { CriterionContext, CriterionScores } from './criterion.js';

export function consumedValues(group: ChannelGroup): ChannelMember[] {
  const seen = new Set<string>();
  return group.members.filter((m) => m.kind === 'in' && !seen.has(m.value) && seen.add(m.value));
}

export function consumedRequests(group: ChannelGroup): ActivationRequest[] {
  const axisOf = new Map(group.values.map((v) => [v.value, v.axis]));
  return consumedValues(group).map((m) => ({ value: m.value, axis: axisOf.get(m.value) ?? 1 }));
}

/** One row per consumed value: per channel, the mean of `f(stats, position)` over its positions. */
export function consumedScores(
  ctx: CriterionContext,
  f: (s: ChannelStats, position: number) => number,
): CriterionScores {
  const members = consumedValues(ctx.group);
  if (members.length === 0) return { skip: `group '${ctx.group.id}' has no consumer to measure` };
  const rows: Float32Array[] = [];
  for (const m of members) {
    const s = ctx.stats(m.value);
    if (!s) return { skip: `activation '${m.value}' was not measured (needs calibration data)` };
    const row = new Float32Array(ctx.group.size);
    for (let c = 0; c < row.length; c++) {
      let acc = 0;
      for (let b = 0; b < m.block; b++) acc += f(s, m.indexMap[c * m.block + b]!);
      row[c] = acc / m.block;
    }
    rows.push(row);
  }
  return rows;
}

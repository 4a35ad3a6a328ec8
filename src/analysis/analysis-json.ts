// The machine-readable form of an analysis (`pare analyze --json`): groups with their members,
// per-channel costs and blockers. Index maps are written as ranges when contiguous.

import type { Graph } from '../ir/graph.js';
import type { ChannelAnalysis, ChannelMember } from './channel-types.js';
import { modelFingerprint } from './plan.js';

export interface MemberJson {
  readonly kind: ChannelMember['kind'];
  readonly node: string;
  readonly opType: string;
  readonly weights: readonly { readonly input: number; readonly axis: number }[];
  /** Positions per channel (1, a conv group's width, H·W after a flatten). */
  readonly block: number;
  /** Positions along each weight axis, channel by channel: [start, end) when contiguous. */
  readonly positions: { readonly start: number; readonly end: number } | readonly number[];
}

export interface GroupJson {
  readonly id: string;
  readonly channels: number;
  readonly prunable: boolean;
  readonly blockers: readonly string[];
  readonly macsPerChannel: number;
  readonly paramsPerChannel: number;
  readonly members: readonly MemberJson[];
}

export interface AnalysisJson {
  readonly fingerprint: string;
  readonly groups: readonly GroupJson[];
}

export function analysisToJson(graph: Graph, analysis: ChannelAnalysis): AnalysisJson {
  return {
    fingerprint: modelFingerprint(graph),
    groups: analysis.groups.map((g) => ({
      id: g.id,
      channels: g.size,
      prunable: g.blockers.length === 0,
      blockers: g.blockers,
      macsPerChannel: Math.round(g.macsPerChannel),
      paramsPerChannel: Math.round(g.paramsPerChannel),
      members: g.members.map((m) => ({
        kind: m.kind,
        node: m.node,
        opType: m.opType,
        weights: m.weights,
        block: m.block,
        positions: compact(m.indexMap),
      })),
    })),
  };
}

function compact(map: Int32Array): MemberJson['positions'] {
  for (let i = 1; i < map.length; i++) if (map[i] !== map[0]! + i) return Array.from(map);
  return { start: map[0] ?? 0, end: (map[0] ?? 0) + map.length };
}

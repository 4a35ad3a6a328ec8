// From a group member to numbers: the node it names, the constants it owns and, per group channel,
// the slice of a constant that belongs to that channel (a filter, a column block, one BN entry).

import { memberNodes } from '../analysis/channel-costs.js';
import type { ChannelGroup, ChannelMember, MemberKind } from '../analysis/channel-types.js';
import { resolveConstant } from '../analysis/constants.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import { PareError } from '../util/errors.js';

/** The node a member names (analysis matches it among its value's neighbours: names may repeat). */
export function memberNode(graph: Graph, member: ChannelMember): Node {
  const node = memberNodes(graph, member)[0];
  if (!node)
    throw new PareError(
      'PARE_INTERNAL',
      `${member.opType} '${member.node}' is not next to value '${member.value}' (stale analysis?)`,
      { notes: ['run analyzeChannels on the very graph being scored'] },
    );
  return node;
}

/** The group's members of the given kinds (in analysis order). */
export function membersOf(group: ChannelGroup, kinds: readonly MemberKind[]): ChannelMember[] {
  return group.members.filter((m) => kinds.includes(m.kind));
}

/** Float data of weight `which` (index into member.weights) of a member, with its axis. */
export function memberWeight(
  graph: Graph,
  member: ChannelMember,
  which = 0,
): { node: Node; tensor: Tensor; data: Float32Array; axis: number } {
  const node = memberNode(graph, member);
  const w = member.weights[which];
  if (!w) throw new PareError('PARE_INTERNAL', `${member.opType} '${member.node}' has no weight ${which}`);
  const tensor = resolveConstant(node.input(w.input));
  if (!tensor)
    throw new PareError(
      'PARE_INTERNAL',
      `${member.opType} '${member.node}' input ${w.input} is not a constant`,
    );
  return { node, tensor, data: tensor.toFloat32(), axis: w.axis };
}

/**
 * Per group channel, the flattened slice of `data` (dims `dims`) owned by the channel along `axis`:
 * channel c owns positions indexMap[c·block .. (c+1)·block). Rows are laid out one after another;
 * `cols` is the length of each.
 */
export function channelRows(
  data: Float32Array,
  dims: readonly number[],
  axis: number,
  member: Pick<ChannelMember, 'block' | 'indexMap'>,
  channels: number,
): { rows: Float32Array; cols: number } {
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const len = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const { block, indexMap } = member;
  const cols = outer * block * inner;
  const rows = new Float32Array(channels * cols);
  for (let c = 0; c < channels; c++) {
    let k = c * cols;
    for (let o = 0; o < outer; o++)
      for (let b = 0; b < block; b++) {
        const start = (o * len + indexMap[c * block + b]!) * inner;
        rows.set(data.subarray(start, start + inner), k);
        k += inner;
      }
  }
  return { rows, cols };
}

/** Which members a weight criterion reads: the filters ('out'), the consumers' slices ('in'), or both. */
export type KernelMembers = 'out' | 'in' | 'out+in';

/**
 * The kernel (a member's first constant: Conv/Gemm W, not the bias) of every member of the chosen
 * kinds, cut into one row per group channel.
 */
export function kernelRows(
  graph: Graph,
  group: ChannelGroup,
  which: KernelMembers,
): { member: ChannelMember; rows: Float32Array; cols: number }[] {
  const kinds: MemberKind[] = which === 'out+in' ? ['out', 'in'] : [which];
  return membersOf(group, kinds)
    .filter((m) => m.weights.length > 0)
    .map((member) => {
      const { tensor, data, axis } = memberWeight(graph, member);
      return { member, ...channelRows(data, tensor.dims, axis, member, group.size) };
    });
}

export function noKernelReason(group: ChannelGroup, which: KernelMembers): string {
  return `group '${group.id}' has no ${which === 'out+in' ? "'out' or 'in'" : `'${which}'`} member with a weight`;
}

// The public shape of a channel analysis: groups of channel slots that must keep the same indices,
// the members (weights) each group owns, and why a group cannot be pruned.

/**
 * How one node holds a group's channels.
 * - `out`: the node produces them (Conv/ConvTranspose/Gemm/MatMul output channels: filters, bias).
 * - `in`: the node reduces over them (a consumer's input-weight slice: Conv `W[:, c]`, Gemm columns).
 * - `param`: a per-channel parameter on the way (BatchNormalization, PRelu slope, per-channel
 *   constants of Add/Sub/Mul/Div).
 */
export type MemberKind = 'out' | 'in' | 'param';

export interface WeightAxis {
  /** Input index of the node holding a constant (1 = Conv W, 2 = Conv B, ...). */
  readonly input: number;
  /** Axis of that constant along which the member's positions run. */
  readonly axis: number;
}

export interface ChannelMember {
  readonly kind: MemberKind;
  readonly node: string;
  readonly opType: string;
  /** The activation whose channel positions this member follows. */
  readonly value: string;
  /** Constants sliced (or masked) at this member's positions. */
  readonly weights: readonly WeightAxis[];
  /** Positions per group channel: 1, a conv group's width, or H·W columns after a flatten. */
  readonly block: number;
  /** Group channel i owns positions indexMap[i·block .. (i+1)·block) along each weight axis. */
  readonly indexMap: Int32Array;
}

/** An activation carrying a group's channels on `axis` (what surgery re-shapes). */
export interface ChannelValue {
  readonly value: string;
  readonly axis: number;
  /** Length of `axis` in the original graph. */
  readonly size: number;
  readonly block: number;
  readonly indexMap: Int32Array;
}

export interface ChannelGroup {
  /** Stable id: the first producer's node name (`name@offset` when the producer feeds several groups). */
  readonly id: string;
  /** Number of channels (a removable unit each: one filter, or one conv group of a grouped conv). */
  readonly size: number;
  readonly members: readonly ChannelMember[];
  readonly values: readonly ChannelValue[];
  /** Why the group cannot be pruned; empty when it can. */
  readonly blockers: readonly string[];
  /** First-order cost of one channel: what removing it alone saves (cost model, per sample). */
  macsPerChannel: number;
  paramsPerChannel: number;
}

export interface ChannelAnalysis {
  readonly groups: readonly ChannelGroup[];
  /**
   * Nodes rewritten by the handler of a recognised pattern's head (channel shuffle), keyed by their
   * first output's name (value names are unique in ONNX, node names need not be) → the head's.
   */
  readonly claimed: ReadonlyMap<string, string>;
}

export function isPrunable(group: ChannelGroup): boolean {
  return group.blockers.length === 0;
}

// The per-op channel handler contract, shared by analysis (link) and surgery (prune).
// Torch-Pruning's four verbs (out channels, in channels, prune out, prune in) become two here:
// in ONNX most channel flow goes through index-mapping ops (Concat, Split, Reshape), so `link`
// states how positions relate (tie, member, block) and `prune` rewrites the node for kept positions.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import type { MemberKind, WeightAxis } from './channel-types.js';
import type { ConstantReader } from './constants.js';

/** One activation's channel axis: `size` positions, each tied into exactly one channel of a group. */
export interface Slot {
  readonly id: number;
  readonly value: Value;
  readonly axis: number;
  readonly size: number;
}

export interface LinkContext extends ConstantReader {
  readonly graph: Graph;
  /** Version of the default ONNX domain. */
  readonly opset: number;
  /** The channel slot of a value, when its channels are tracked. */
  slot(v: Value | null | undefined): Slot | undefined;
  /** Declare that `v` carries channels on `axis` with `size` positions. */
  define(v: Value, axis: number, size: number): Slot;
  /** Define `v` with the same positions as `from` (elementwise), on `axis` (default: the same). */
  follow(v: Value, from: Slot, axis?: number): Slot;
  /** Position i of a and position j of b are the same channel. */
  tie(a: Slot, i: number, b: Slot, j: number): void;
  /** `node` holds these positions in its constants (`weights`). */
  member(slot: Slot, kind: MemberKind, node: Node, weights: readonly WeightAxis[]): void;
  /** Positions [from, to) of the slot (default: all) cannot be removed, for `reason`. */
  block(slot: Slot, reason: string, from?: number, to?: number): void;
  /** Give up on the node: block every input slot; its outputs stay untracked. */
  unknown(node: Node, reason: string): void;
  /**
   * After linking, `b` must carry exactly the channels of `a` (a Shape read of `a` feeds `b`'s
   * Reshape target); otherwise both are blocked for `reason`.
   */
  sameChannels(a: Slot, b: Value, reason: string): void;
  /** `node` is rewritten by the handler of `head` (a recognised multi-node pattern). */
  claim(node: Node, head: Node): void;
}

/** Shapes are those of the original graph. */
export interface PruneContext extends ConstantReader {
  /** The graph being rewritten (a clone of the analysed one). */
  readonly graph: Graph;
  /** Kept positions of v's channel axis when some were removed; undefined when v keeps all. */
  keep(v: Value | null | undefined): Int32Array | undefined;
  /** Channel axis and original size of v, when its channels are tracked. */
  slotOf(v: Value | null | undefined): { readonly axis: number; readonly size: number } | undefined;
  /** Replace constant input `input` of `node` by `tensor` (never writes into a shared tensor). */
  setConstant(node: Node, input: number, tensor: Tensor): void;
  /** Keep only `keep` along `axis` of constant input `input` (no-op when keep is undefined). */
  slice(node: Node, input: number, axis: number, keep: Int32Array | undefined): void;
  /** A surgery error naming the node. */
  fail(node: Node, message: string): never;
}

export interface ChannelHandler {
  /** Relate the channel positions of the node's inputs, outputs and per-channel constants. */
  link(node: Node, ctx: LinkContext): void;
  /** Rewrite the node for the kept positions; absent when shapes simply follow. */
  prune?(node: Node, ctx: PruneContext): void;
}

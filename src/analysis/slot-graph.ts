// SlotGraph: the LinkContext handlers write into. Every tracked activation gets a slot of positions;
// ties join positions in a union-find, so a connected set of positions is one removable channel.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { assert, describeNode } from '../util/errors.js';
import type { MemberKind, WeightAxis } from './channel-types.js';
import { constantReader } from './constants.js';
import type { LinkContext, Slot } from './handler.js';

export interface SlotMember {
  readonly slot: Slot;
  readonly kind: MemberKind;
  readonly node: Node;
  readonly weights: readonly WeightAxis[];
}

export interface SlotBlock {
  readonly slot: Slot;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
}

export class SlotGraph implements LinkContext {
  readonly graph: Graph;
  readonly opset: number;
  readonly slots: Slot[] = [];
  readonly bases: number[] = [];
  readonly members: SlotMember[] = [];
  readonly blocks: SlotBlock[] = [];
  /** First output of a claimed node → first output of the pattern's head (value names are unique). */
  readonly claimed = new Map<string, string>();
  private readonly byValue = new Map<Value, Slot>();
  private readonly requirements: { a: Slot; b: Value; reason: string }[] = [];
  private parent = new Int32Array(1024);
  private total = 0;

  constructor(graph: Graph) {
    this.graph = graph;
    this.opset = graph.opset;
  }

  get positions(): number {
    return this.total;
  }

  slot(v: Value | null | undefined): Slot | undefined {
    return v ? this.byValue.get(v) : undefined;
  }

  readonly shape = constantReader.shape;
  readonly constant = constantReader.constant;
  readonly ints = constantReader.ints;

  define(v: Value, axis: number, size: number): Slot {
    assert(!this.byValue.has(v), () => `value '${v.name}' already carries tracked channels`);
    assert(Number.isInteger(size) && size > 0, () => `value '${v.name}': bad channel count ${size}`);
    const slot: Slot = { id: this.slots.length, value: v, axis, size };
    this.slots.push(slot);
    this.bases.push(this.total);
    this.byValue.set(v, slot);
    const need = this.total + size;
    if (need > this.parent.length) {
      const grown = new Int32Array(Math.max(need, this.parent.length * 2));
      grown.set(this.parent.subarray(0, this.total));
      this.parent = grown;
    }
    for (let p = this.total; p < need; p++) this.parent[p] = p;
    this.total = need;
    return slot;
  }

  follow(v: Value, from: Slot, axis = from.axis): Slot {
    const s = this.define(v, axis, from.size);
    for (let i = 0; i < from.size; i++) this.tie(from, i, s, i);
    return s;
  }

  tie(a: Slot, i: number, b: Slot, j: number): void {
    assert(
      i >= 0 && i < a.size && j >= 0 && j < b.size,
      () => `tie out of range: ${i}/${a.size}, ${j}/${b.size}`,
    );
    const ra = this.find(this.bases[a.id]! + i);
    const rb = this.find(this.bases[b.id]! + j);
    // Keep the smaller root: roots then order by first position, which keeps ids stable.
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }

  find(p: number): number {
    let r = p;
    while (this.parent[r] !== r) r = this.parent[r]!;
    while (this.parent[p] !== r) {
      const next = this.parent[p]!;
      this.parent[p] = r;
      p = next;
    }
    return r;
  }

  member(slot: Slot, kind: MemberKind, node: Node, weights: readonly WeightAxis[]): void {
    this.members.push({ slot, kind, node, weights });
  }

  block(slot: Slot, reason: string, from = 0, to = slot.size): void {
    if (from < to) this.blocks.push({ slot, from, to, reason });
  }

  unknown(node: Node, reason: string): void {
    const text = `${describeNode(node)} ${reason}`;
    for (const v of [...node.inputs, ...node.implicitInputs]) {
      const s = this.slot(v);
      if (s) this.block(s, text);
    }
  }

  sameChannels(a: Slot, b: Value, reason: string): void {
    this.requirements.push({ a, b, reason });
  }

  /** Check the sameChannels requirements (once every tie is known); violations become blockers. */
  checkRequirements(): void {
    for (const { a, b, reason } of this.requirements) {
      const sb = this.slot(b);
      if (sb && sameSet(this.roots(a), this.roots(sb))) continue;
      this.block(a, reason);
      if (sb) this.block(sb, reason);
    }
  }

  private roots(s: Slot): Set<number> {
    const out = new Set<number>();
    const base = this.bases[s.id]!;
    for (let i = 0; i < s.size; i++) out.add(this.find(base + i));
    return out;
  }

  claim(node: Node, head: Node): void {
    this.claimed.set(node.output(0).name, head.output(0).name);
  }
}

function sameSet(a: Set<number>, b: Set<number>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

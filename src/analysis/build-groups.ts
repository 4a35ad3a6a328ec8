// From tied positions to groups: a connected set of positions is one channel; channels that touch
// the same slots (same counts, same blockers) form one group, ordered by their first position.

import type { ChannelGroup, ChannelMember, ChannelValue } from './channel-types.js';
import type { Slot } from './handler.js';
import type { SlotGraph } from './slot-graph.js';

interface GroupDraft {
  readonly roots: number[];
  /** Slot id → positions per channel. */
  readonly counts: Map<number, number>;
  readonly blockers: readonly string[];
  readonly maps: Map<number, Int32Array>;
}

export function buildGroups(sg: SlotGraph): ChannelGroup[] {
  const root = new Int32Array(sg.positions);
  for (let p = 0; p < root.length; p++) root[p] = sg.find(p);
  const blockersOf = collectBlockers(sg, root);

  // Signature of each channel: the slots it touches with counts, then its blockers.
  const sig = new Map<number, number[]>();
  for (const s of sg.slots) {
    const base = sg.bases[s.id]!;
    for (let i = 0; i < s.size; i++) {
      const r = root[base + i]!;
      let parts = sig.get(r);
      if (!parts) {
        parts = [];
        sig.set(r, parts);
      }
      if (parts[parts.length - 2] === s.id) parts[parts.length - 1]!++;
      else parts.push(s.id, 1);
    }
  }
  const drafts = new Map<string, GroupDraft>();
  const draftOf = new Map<number, GroupDraft>();
  const atomIndex = new Map<number, number>();
  for (const [r, parts] of sig) {
    const blockers = [...(blockersOf.get(r) ?? [])];
    const key = `${parts.join(',')}|${blockers.join('\u0000')}`;
    let d = drafts.get(key);
    if (!d) {
      const counts = new Map<number, number>();
      for (let k = 0; k < parts.length; k += 2) counts.set(parts[k]!, parts[k + 1]!);
      d = { roots: [], counts, blockers, maps: new Map() };
      drafts.set(key, d);
    }
    atomIndex.set(r, d.roots.length);
    d.roots.push(r);
    draftOf.set(r, d);
  }
  fillIndexMaps(sg, root, drafts, draftOf, atomIndex);
  return finish(sg, [...drafts.values()]);
}

function collectBlockers(sg: SlotGraph, root: Int32Array): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const b of sg.blocks) {
    const base = sg.bases[b.slot.id]!;
    for (let i = b.from; i < b.to; i++) {
      const r = root[base + i]!;
      let set = out.get(r);
      if (!set) {
        set = new Set();
        out.set(r, set);
      }
      set.add(b.reason);
    }
  }
  return out;
}

function fillIndexMaps(
  sg: SlotGraph,
  root: Int32Array,
  drafts: Map<string, GroupDraft>,
  draftOf: Map<number, GroupDraft>,
  atomIndex: Map<number, number>,
): void {
  for (const d of drafts.values())
    for (const [slotId, count] of d.counts) d.maps.set(slotId, new Int32Array(d.roots.length * count));
  for (const s of sg.slots) {
    const base = sg.bases[s.id]!;
    const fill = new Map<GroupDraft, Int32Array>();
    for (let i = 0; i < s.size; i++) {
      const r = root[base + i]!;
      const d = draftOf.get(r)!;
      const a = atomIndex.get(r)!;
      let f = fill.get(d);
      if (!f) {
        f = new Int32Array(d.roots.length);
        fill.set(d, f);
      }
      const count = d.counts.get(s.id)!;
      d.maps.get(s.id)![a * count + f[a]!++] = i;
    }
  }
}

function finish(sg: SlotGraph, drafts: GroupDraft[]): ChannelGroup[] {
  const membersBySlot = new Map<number, SlotGraph['members']>();
  for (const m of sg.members) {
    const list = membersBySlot.get(m.slot.id) ?? [];
    list.push(m);
    membersBySlot.set(m.slot.id, list);
  }
  const used = new Map<string, number>();
  return drafts.map((d) => {
    const members: ChannelMember[] = [];
    const values: ChannelValue[] = [];
    let idSource: { name: string; slot: Slot } | undefined;
    for (const [slotId, block] of d.counts) {
      const slot = sg.slots[slotId]!;
      const indexMap = d.maps.get(slotId)!;
      values.push({ value: slot.value.name, axis: slot.axis, size: slot.size, block, indexMap });
      for (const m of membersBySlot.get(slotId) ?? []) {
        members.push({
          kind: m.kind,
          node: m.node.name,
          opType: m.node.opType,
          value: slot.value.name,
          weights: m.weights,
          block,
          indexMap,
        });
        if (!idSource && m.kind === 'out' && m.node.name !== '') idSource = { name: m.node.name, slot };
      }
    }
    const first = sg.slots[d.counts.keys().next().value!]!;
    idSource ??= { name: first.value.name, slot: first };
    const map = d.maps.get(idSource.slot.id)!;
    let id = map.length < idSource.slot.size ? `${idSource.name}@${minOf(map)}` : idSource.name;
    const n = (used.get(id) ?? 0) + 1;
    used.set(id, n);
    if (n > 1) id = `${id}#${n}`;
    return {
      id,
      size: d.roots.length,
      members,
      values,
      blockers: d.blockers,
      macsPerChannel: 0,
      paramsPerChannel: 0,
    };
  });
}

function minOf(a: Int32Array): number {
  let m = a[0]!;
  for (const x of a) if (x < m) m = x;
  return m;
}

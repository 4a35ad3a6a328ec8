// Channels switched off without a rebuild: the producer-side constants of a group (filters, biases,
// BN scale and shift: every axis-0 parameter of its 'out' and 'param' members) map to positions of
// the trainer's state tensors and masks, so a method can zero or mask channels between two chunks
// of training and cut them for real at the end.

import type { ChannelAnalysis, ChannelGroup } from '../analysis/channel-types.js';
import { isPrunable } from '../analysis/channel-types.js';
import type { HostTensor } from '../autodiff/executor.js';
import type { TrainingGraph } from '../autodiff/training-graph.js';
import { memberNode } from '../criteria/member-tensors.js';
import type { Graph } from '../ir/graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { findParams } from '../ops/params.js';

/** One axis-0 parameter slice a group channel owns. */
interface Slice {
  readonly param: string;
  /** Positions along axis 0 per group channel: positions[c] (block entries each). */
  readonly positions: readonly Int32Array[];
  /** A filter (Conv/Gemm 'out' member) rather than a BN/per-channel parameter. */
  readonly filter: boolean;
}

export class ChannelMap {
  private readonly slices = new Map<string, Slice[]>();
  readonly groups: readonly ChannelGroup[];

  constructor(graph: Graph, analysis: ChannelAnalysis) {
    const params = new Set(findParams(graph).map((p) => p.value.name));
    this.groups = analysis.groups.filter(isPrunable);
    for (const group of this.groups) {
      const list: Slice[] = [];
      for (const member of group.members) {
        if (member.kind === 'in') continue;
        const node = memberNode(graph, member);
        for (const w of member.weights) {
          const name = node.input(w.input)?.name;
          if (w.axis !== 0 || !name || !params.has(name)) continue;
          const positions = Array.from({ length: group.size }, (_, c) =>
            member.indexMap.subarray(c * member.block, (c + 1) * member.block),
          );
          list.push({ param: name, positions, filter: member.kind === 'out' });
        }
      }
      this.slices.set(group.id, list);
    }
  }

  /** Parameters a mask can switch (the trainer's `masked` option). */
  maskedParams(): string[] {
    return [...new Set([...this.slices.values()].flat().map((s) => s.param))];
  }

  /** Set every mask from the kept channels of each group (1 kept, 0 dropped; absent groups all 1). */
  setMasks(tg: TrainingGraph, state: Map<string, HostTensor>, kept: ReadonlyMap<string, Int32Array>): void {
    const masks = new Map(tg.masks.map((m) => [m.of, m.input]));
    for (const input of masks.values()) (state.get(input)!.data as Float32Array).fill(1);
    for (const [id, keep] of kept) {
      for (const s of this.slices.get(id) ?? []) {
        const mask = masks.get(s.param);
        if (!mask) continue;
        const data = state.get(mask)!.data as Float32Array;
        for (const c of dropped(s.positions.length, keep)) for (const p of s.positions[c]!) data[p] = 0;
      }
    }
  }

  /**
   * Zero dropped channels' parameters (and their optimizer state) in the trainer's state: 'filters'
   * only the producers' filters and biases (SFP: BN untouched, the filter may regrow), 'all' every
   * producer-side parameter.
   */
  zeroState(
    tg: TrainingGraph,
    state: Map<string, HostTensor>,
    kept: ReadonlyMap<string, Int32Array>,
    which: 'filters' | 'all',
  ): void {
    const slots = new Map<string, string[]>();
    for (const slot of tg.state)
      if (slot.kind === 'param' || slot.kind === 'momentum' || slot.kind.startsWith('adam'))
        slots.set(slot.of, [...(slots.get(slot.of) ?? []), slot.input]);
    for (const [id, keep] of kept)
      for (const s of this.slices.get(id) ?? []) {
        if (which === 'filters' && !s.filter) continue;
        for (const input of slots.get(s.param) ?? []) {
          const t = state.get(input)!;
          const data = t.data as Float32Array;
          const inner = data.length / t.dims[0]!;
          for (const c of dropped(s.positions.length, keep))
            for (const p of s.positions[c]!) data.fill(0, p * inner, (p + 1) * inner);
        }
      }
  }

  /** A copy of `model` with every dropped channel's producer-side parameters at zero (outputs exactly 0). */
  zeroModel(model: Model, kept: ReadonlyMap<string, Int32Array>): Model {
    const m = cloneModel(model);
    const g = m.graph;
    for (const [id, keep] of kept)
      for (const s of this.slices.get(id) ?? []) {
        const v = g.value(s.param);
        if (!v?.const) continue;
        const data = v.const.toFloat32().slice();
        const inner = data.length / v.const.dims[0]!;
        for (const c of dropped(s.positions.length, keep))
          for (const p of s.positions[c]!) data.fill(0, p * inner, (p + 1) * inner);
        g.setConst(v, Tensor.from('float32', v.const.dims, data));
      }
    return m;
  }
}

function dropped(size: number, keep: Int32Array): number[] {
  const k = new Set(keep);
  return Array.from({ length: size }, (_, c) => c).filter((c) => !k.has(c));
}

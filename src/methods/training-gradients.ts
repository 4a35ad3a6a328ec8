// Gradient statistics of channel groups accumulated from the training steps themselves (Group Fisher
// as the paper computes it: over the d iterations between two prune events), from the per-sample
// s[n, c] = N·Σ_hw a·∂L/∂a the dnnl engine records at each value a group's consumers read. The copies
// of a coupled channel (every such value) are summed per sample before squaring. Each value's
// gradient is its whole gradient (every consumer, skip connections included), where the calibration
// pass (criteria/gradient-stats.ts) taps only the Conv/Gemm/MatMul input edges.

import type { ChannelGradientStats } from '../engine/step-engine.js';
import type { Graph } from '../ir/graph.js';
import type { ChannelSet, GroupGradientStats } from '../measure/gradient-stats.js';

interface Source {
  readonly value: string;
  readonly block: number;
  readonly indexMap: Int32Array;
}

interface Accumulator {
  readonly set: ChannelSet;
  readonly sources: readonly Source[];
  sum: Float64Array;
  fisher: Float64Array;
  samples: number;
}

export interface TrainingGradientsRecord {
  readonly [group: string]: { readonly sum: number[]; readonly fisher: number[]; readonly samples: number };
}

export class TrainingGradients {
  /** The values the engine records (each once, even when several groups or taps read it). */
  readonly values: readonly string[];
  private readonly groups: Accumulator[] = [];

  constructor(graph: Graph, sets: readonly ChannelSet[]) {
    const values = new Set<string>();
    for (const set of sets) {
      const sources = new Map<string, Source>();
      for (const t of set.taps) {
        const value = graph.node(t.node)?.inputs[t.input]?.name;
        // Two consumers of one value: its whole gradient already holds both.
        if (value && !sources.has(value)) sources.set(value, { value, block: t.block, indexMap: t.indexMap });
      }
      if (sources.size === 0) continue;
      for (const v of sources.keys()) values.add(v);
      this.groups.push({
        set,
        sources: [...sources.values()],
        sum: new Float64Array(set.size),
        fisher: new Float64Array(set.size),
        samples: 0,
      });
    }
    this.values = [...values];
  }

  /** One step's statistics (TrainOptions.gradientStats.onStats). */
  add(stats: ReadonlyMap<string, ChannelGradientStats>): void {
    for (const g of this.groups) {
      const parts = g.sources.map((s) => ({ s, st: stats.get(s.value) }));
      if (parts.some((p) => !p.st)) continue;
      const n = parts[0]!.st!.samples;
      const size = g.set.size;
      const row = new Float64Array(size);
      for (let i = 0; i < n; i++) {
        row.fill(0);
        for (const { s, st } of parts) {
          const channels = st!.perSample.length / st!.samples;
          const at = i * channels;
          for (let c = 0; c < size; c++)
            for (let j = 0; j < s.block; j++) row[c]! += st!.perSample[at + s.indexMap[c * s.block + j]!]!;
        }
        for (let c = 0; c < size; c++) {
          g.sum[c]! += row[c]!;
          g.fisher[c]! += row[c]! * row[c]!;
        }
      }
      g.samples += n;
    }
  }

  /** Samples accumulated since the last take. */
  get samples(): number {
    return this.groups[0]?.samples ?? 0;
  }

  /** The statistics since the last take, per group, and a fresh start. */
  take(): Map<string, GroupGradientStats> {
    const out = new Map<string, GroupGradientStats>();
    for (const g of this.groups) {
      out.set(g.set.id, {
        sum: g.sum,
        fisher: g.fisher,
        actsPerChannel: g.set.actsPerChannel,
        samples: g.samples,
      });
      g.sum = new Float64Array(g.set.size);
      g.fisher = new Float64Array(g.set.size);
      g.samples = 0;
    }
    return out;
  }

  /** For a checkpoint: the sums so far. */
  toRecord(): TrainingGradientsRecord {
    return Object.fromEntries(
      this.groups.map((g) => [g.set.id, { sum: [...g.sum], fisher: [...g.fisher], samples: g.samples }]),
    );
  }

  /** Continue from a checkpoint's sums. */
  restore(r: TrainingGradientsRecord | undefined): void {
    for (const g of this.groups) {
      const x = r?.[g.set.id];
      if (!x || x.sum.length !== g.set.size) continue;
      g.sum = Float64Array.from(x.sum);
      g.fisher = Float64Array.from(x.fisher);
      g.samples = x.samples;
    }
  }
}

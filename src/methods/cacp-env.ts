// CACP's environment: one episode walks the prunable channel groups in graph order; at each step
// the agent sees the layer's state (the paper's 12 features, the target rate β among them) and
// answers the fraction of channels to keep. The answer is clamped so that the cost target stays
// reachable (the paper's constraint: later layers at the lower bound must still make it) and, our
// addition, so that it is not overshot (later layers at full width must still reach it): the cost
// of the finished episode is then the target within one width step. Costs are exact (CostModel).

import type { GroupLimits } from '../allocate/constraints.js';
import { resolveConstant } from '../analysis/constants.js';
import type { CostModel } from '../analysis/cost-model.js';
import type { Graph } from '../ir/graph.js';

export interface CacpStep {
  /** Index of the group in the limits (and CostModel) order. */
  readonly index: number;
  readonly id: string;
  /** The first producer node of the group's channels. */
  readonly name: string;
  readonly size: number;
  /** Widths the constraints allow, ascending, from the lower bound up to the full size. */
  readonly widths: readonly number[];
}

export interface CacpEpisode {
  /** Fraction of the metric to keep that the episode was run for. */
  readonly beta: number;
  /** Kept channels per group (limits order). */
  readonly counts: Int32Array;
  /** The state seen at each step, and the kept fraction taken there (after clamping). */
  readonly states: readonly Float32Array[];
  readonly actions: readonly number[];
  /** Fraction of the metric the episode's widths keep. */
  readonly achieved: number;
}

/** Features per state: 8 static (normalised), reduced, rest, previous action, β. */
export const STATE_SIZE = 12;

export interface CacpEnvOptions {
  readonly metric: 'macs' | 'params';
  /** Fewest channels a step may keep, as a fraction of the group (CacpOptions.lowerBound). */
  readonly lowerBound: number;
  /** Clamp actions from below too, so that the target is never undershot by much (default true). */
  readonly floor: boolean;
}

export class CacpEnv {
  readonly steps: readonly CacpStep[];
  private readonly full: Int32Array;
  private readonly features: readonly Float32Array[];
  /** Each step's first-order share of the metric (its channels × cost per channel / base). */
  private readonly shares: Float64Array;

  constructor(
    graph: Graph,
    limits: readonly GroupLimits[],
    private readonly costModel: CostModel,
    private readonly o: CacpEnvOptions,
  ) {
    this.full = Int32Array.from(limits, (l) => l.group.size);
    this.steps = limits.flatMap((l, index) => {
      if (l.frozen) return [];
      const n = l.group.size;
      const widths = [...new Set(range(Math.ceil(o.lowerBound * n - 1e-9), n).map((k) => l.allowed(k)))];
      if (widths.length < 2) return [];
      widths.sort((a, b) => a - b);
      const name = l.group.members.find((m) => m.kind === 'out')?.node ?? l.group.id;
      return [{ index, id: l.group.id, name, size: n, widths }];
    });
    const base = costModel.base[o.metric];
    this.shares = Float64Array.from(this.steps, (s) => {
      const g = limits[s.index]!.group;
      return ((o.metric === 'macs' ? g.macsPerChannel : g.paramsPerChannel) * g.size) / base;
    });
    const raw = this.steps.map((s, t) => [t, ...layerFeatures(graph, s.name, s.size), this.shares[t]!]);
    this.features = normalise(raw);
  }

  /** Fraction of the metric kept with these widths. */
  cost(counts: ArrayLike<number>): number {
    return this.costModel.predictCounts(counts)[this.o.metric] / this.costModel.base[this.o.metric];
  }

  /** The widths of the least the constraints and the lower bound allow (every step at its lowest). */
  lowest(): Int32Array {
    const c = Int32Array.from(this.full);
    for (const s of this.steps) c[s.index] = s.widths[0]!;
    return c;
  }

  /**
   * Run one episode for target β: `policy` answers a kept fraction for each state (the step's
   * index is passed along for exploration schedules).
   */
  rollout(beta: number, policy: (state: Float32Array, step: number) => number): CacpEpisode {
    const counts = Int32Array.from(this.full);
    const states: Float32Array[] = [];
    const actions: number[] = [];
    let prev = 1;
    this.steps.forEach((s, t) => {
      const rest = this.shares.slice(t + 1).reduce((a, b) => a + b, 0);
      const state = Float32Array.from([...this.features[t]!, 1 - this.cost(counts), rest, prev, beta]);
      const a = Math.min(1, Math.max(0, policy(state, t)));
      const wish = s.widths.find((w) => w >= Math.ceil(a * s.size - 1e-9)) ?? s.size;
      // Later steps at their lowest (cap) or at full width (floor).
      const withLater = (w: number, later: 'lowest' | 'full') => {
        const c = Int32Array.from(counts);
        c[s.index] = w;
        for (const u of this.steps.slice(t + 1)) c[u.index] = later === 'lowest' ? u.widths[0]! : u.size;
        return this.cost(c);
      };
      // The widest width that keeps the target reachable; the narrowest that does not overshoot it.
      // Both costs grow with the width: bisection.
      const cap = firstIndex(s.widths, (w) => withLater(w, 'lowest') > beta + 1e-12) - 1;
      const floor = this.o.floor ? firstIndex(s.widths, (w) => withLater(w, 'full') >= beta - 1e-12) : 0;
      const hi = Math.max(0, cap);
      const lo = Math.min(s.widths.length - 1, floor);
      let i = s.widths.indexOf(wish);
      i = Math.min(hi, Math.max(lo, i));
      const w = s.widths[i]!;
      counts[s.index] = w;
      states.push(state);
      actions.push(w / s.size);
      prev = w / s.size;
    });
    return { beta, counts, states, actions, achieved: this.cost(counts) };
  }

  /** The state after the last step (the next state of the final transition). */
  terminalState(episode: CacpEpisode): Float32Array {
    const last = episode.states[episode.states.length - 1] ?? new Float32Array(STATE_SIZE);
    const s = Float32Array.from(last);
    s[8] = 1 - episode.achieved;
    s[9] = 0;
    s[10] = episode.actions[episode.actions.length - 1] ?? 1;
    return s;
  }
}

/** n, c, k, h, w, stride of the producer (the paper's kernel dims, input size and stride). */
function layerFeatures(graph: Graph, name: string, size: number): number[] {
  const node = graph.node(name);
  const w = resolveConstant(node?.input(1));
  const shape = node?.output(0)?.type?.shape ?? [];
  const dim = (i: number) => {
    const d = shape[i];
    return typeof d === 'number' ? d : 1;
  };
  if (node?.opType === 'Conv' && w && w.dims.length >= 3) {
    const group = node.attrInt('group', 1);
    const strides = node.attrInts('strides', [1]);
    return [size, w.dims[1]! * group, w.dims[2]!, dim(2), dim(3), strides[0] ?? 1];
  }
  return [size, w?.dims[w.dims.length - 1] ?? 1, 1, 1, 1, 1];
}

/** Min-max normalise every column over the steps (constant columns become 0), as CACPpruner does. */
function normalise(rows: readonly number[][]): Float32Array[] {
  const cols = rows[0]?.length ?? 0;
  const lo = range(0, cols - 1).map((j) => Math.min(...rows.map((r) => r[j]!)));
  const hi = range(0, cols - 1).map((j) => Math.max(...rows.map((r) => r[j]!)));
  return rows.map((r) =>
    Float32Array.from(r, (x, j) => (hi[j]! > lo[j]! ? (x - lo[j]!) / (hi[j]! - lo[j]!) : 0)),
  );
}

function range(from: number, to: number): number[] {
  return from > to ? [] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The first index where a monotone predicate holds (xs.length when it never does). */
function firstIndex<T>(xs: readonly T[], ok: (x: T) => boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(xs[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

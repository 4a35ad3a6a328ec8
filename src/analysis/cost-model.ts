// The one cost predictor (allocation, apply, reports). predictCosts: the exact MACs and parameters of the graph that a plan would leave, from the kept
// channel count of every group, without doing the surgery. Costs are not first-order: a conv's MACs
// are ∝ C_in·C_out, so pruning two adjacent groups saves less than the sum of their savings. Instead,
// every node's own cost rule (ops/) is re-run on the dims the plan leaves: each tracked activation
// loses (removed channels × block) positions on its channel axis, each member constant the same on
// its weight axis (an 'out' member on the filter axis, an 'in' member on the input axis; grouped convs
// have only 'out' members, so their per-group input width stays, as surgery leaves it).

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { storedTensor } from '../ops/const-eval.js';
import { perSampleDims } from '../ops/costs.js';
import type { CostContext } from '../ops/op-spec.js';
import { findParams } from '../ops/params.js';
import { opSpecOf } from '../ops/registry.js';
import { memberNodes } from './channel-costs.js';
import type { ChannelAnalysis } from './channel-types.js';
import { resolveConstant } from './constants.js';

export interface Costs {
  readonly macs: number;
  readonly params: number;
}

/** A MAC-counting node with the per-sample dims a plan leaves it (undefined: not static). */
export interface NodeDims {
  readonly node: Node;
  readonly inputs: readonly (number[] | undefined)[];
  readonly outputs: readonly (number[] | undefined)[];
}

/** Positions lost on one axis: Σ over (group, block) of removed channels × block. */
interface AxisCut {
  readonly axis: number;
  readonly parts: readonly (readonly [group: number, block: number])[];
}

interface DimsSpec {
  readonly dims: readonly number[] | undefined;
  readonly cuts: readonly AxisCut[];
  /** For a parameter: the value its user reads (the initializer, or an exporter's Identity copy). */
  readonly handle?: string;
}

/** A stored parameter: the values its users read, and the fewest elements that still count. */
interface Param {
  readonly users: readonly DimsSpec[];
  readonly minSize: number;
}

interface MacNode {
  readonly node: Node;
  readonly inputs: readonly DimsSpec[];
  readonly outputs: readonly DimsSpec[];
}

export class CostModel {
  /** Group id → index into the kept-count arrays `predictCounts` takes. */
  readonly index: ReadonlyMap<string, number>;
  readonly sizes: Int32Array;
  /** 1 for groups that can never be pruned (blockers: graph inputs/outputs, unsupported ops). */
  readonly blocked: Uint8Array;
  readonly base: Costs;

  private constructor(
    analysis: ChannelAnalysis,
    private readonly macNodes: readonly MacNode[],
    private readonly params: readonly Param[],
  ) {
    this.index = new Map(analysis.groups.map((g, i) => [g.id, i]));
    this.sizes = Int32Array.from(analysis.groups, (g) => g.size);
    this.blocked = Uint8Array.from(analysis.groups, (g) => (g.blockers.length > 0 ? 1 : 0));
    this.base = this.predictCounts(this.sizes);
  }

  /** The graph must carry shapes (inferShapes) and `analysis` must be its channel analysis. */
  static build(graph: Graph, analysis: ChannelAnalysis): CostModel {
    const valueCuts = new Map<string, Map<number, [number, number][]>>();
    const constCuts = new Map<Node, Map<number, Map<number, [number, number][]>>>();
    const seen = new Set<string>();
    analysis.groups.forEach((group, gi) => {
      for (const v of group.values) push(valueCuts, v.value, v.axis, [gi, v.block]);
      for (const m of group.members)
        for (const node of memberNodes(graph, m))
          for (const w of m.weights) {
            const key = `${graph.nodes.indexOf(node)}:${w.input}:${w.axis}:${gi}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const perNode = constCuts.get(node) ?? new Map<number, Map<number, [number, number][]>>();
            constCuts.set(node, perNode);
            push(perNode, w.input, w.axis, [gi, m.block]);
          }
    });
    const perSample = perSampleDims(graph);
    const spec = (v: Value | undefined, cuts: Map<number, [number, number][]> | undefined): DimsSpec => ({
      dims: perSample(v),
      cuts: [...(cuts ?? [])].map(([axis, parts]) => ({ axis, parts })),
    });
    const macNodes: MacNode[] = [];
    for (const node of graph.nodes) {
      if (!opSpecOf(node)?.macs) continue;
      const inputs = node.inputs.map((v, i) =>
        spec(v ?? undefined, resolveConstant(v) ? constCuts.get(node)?.get(i) : valueCuts.get(v?.name ?? '')),
      );
      const outputs = node.outputs.map((v) => spec(v, valueCuts.get(v.name)));
      macNodes.push({ node, inputs, outputs });
    }
    // Each value a user reads (the initializer, or one of the Identity copies an exporter made of
    // equal initializers) is one parameter, as PyTorch and computeCosts count them; users of one
    // such value that slice it differently get a copy each from surgery.
    const params = findParams(graph).map((p) => ({
      minSize: opSpecOf(p.node)?.paramMinSize ?? 1,
      users: p.value.usesThroughIdentity().map(({ node, index }) => ({
        handle: node.input(index)?.name ?? '',
        dims: storedTensor(p.value)!.dims,
        cuts: [...(constCuts.get(node)?.get(index) ?? [])].map(([axis, parts]) => ({ axis, parts })),
      })),
    }));
    return new CostModel(analysis, macNodes, params);
  }

  /**
   * Costs with `kept[i]` channels in group i (analysis order). `keys[i]`, when known, names the
   * kept positions of group i: users of a shared weight cut by different groups to equal positions
   * then share one copy, as surgery re-shares equal slices (without it, different groups differ).
   */
  predictCounts(kept: ArrayLike<number>, keys?: readonly (string | undefined)[]): Costs {
    const removed = Float64Array.from(this.sizes, (n, i) => n - kept[i]!);
    const dimsOf = (s: DimsSpec | undefined) => (s ? cutDims(s, removed) : undefined);
    let macs = 0;
    for (const m of this.macNodes) {
      const ctx: CostContext = {
        input: (i) => dimsOf(m.inputs[i]),
        output: (i) => dimsOf(m.outputs[i]),
      };
      macs += opSpecOf(m.node)!.macs!(m.node, ctx) ?? 0;
    }
    let params = 0;
    for (const { users, minSize } of this.params) {
      const copies = new Map<string, number>();
      for (const u of users) {
        // An uncut user keeps reading its own value (an exporter's Identity copy counts apart);
        // cut users get sliced copies, merged by surgery when they come out equal.
        const cut = signature(u, removed, keys);
        copies.set(cut === '' ? `${u.handle}#` : `#${cut}`, size(cutDims(u, removed)!));
      }
      // computeCosts does not count constants cut below their op's minimum (an Add bias cut to 1).
      for (const n of copies.values()) if (n >= minSize) params += n;
    }
    return { macs, params };
  }

  /**
   * Per-sample dims of every MAC-counting node's inputs and outputs with `kept[i]` channels in
   * group i (the latency model times layers at these dims).
   */
  nodeDims(kept: ArrayLike<number>): NodeDims[] {
    const removed = Float64Array.from(this.sizes, (n, i) => n - kept[i]!);
    return this.macNodes.map((m) => ({
      node: m.node,
      inputs: m.inputs.map((s) => cutDims(s, removed)),
      outputs: m.outputs.map((s) => cutDims(s, removed)),
    }));
  }

  /**
   * Costs with the given kept counts, or kept positions, per group id (groups not listed keep every
   * channel). Positions make the prediction exact where a shared weight is cut by several groups.
   */
  predict(kept: ReadonlyMap<string, number | ArrayLike<number>>): Costs {
    const keys: (string | undefined)[] = [];
    for (const [id, k] of kept) {
      const i = this.index.get(id);
      if (i !== undefined && typeof k !== 'number') keys[i] = Array.from(k).join(',');
    }
    return this.predictCounts(this.counts(kept), keys);
  }

  /** Kept channels per group index, from kept counts or positions per group id (others: all). */
  counts(kept: ReadonlyMap<string, number | ArrayLike<number>>): Int32Array {
    const counts = Int32Array.from(this.sizes);
    for (const [id, k] of kept) {
      const i = this.index.get(id);
      if (i !== undefined) counts[i] = typeof k === 'number' ? k : k.length;
    }
    return counts;
  }
}

/** One-shot: the costs of `graph` after keeping `keptCounts[group]` channels per group. */
export function predictCosts(
  graph: Graph,
  analysis: ChannelAnalysis,
  kept: ReadonlyMap<string, number | ArrayLike<number>>,
): Costs {
  return CostModel.build(graph, analysis).predict(kept);
}

function push<K>(map: Map<K, Map<number, [number, number][]>>, key: K, axis: number, part: [number, number]) {
  const byAxis = map.get(key) ?? new Map<number, [number, number][]>();
  map.set(key, byAxis);
  const parts = byAxis.get(axis) ?? [];
  byAxis.set(axis, parts);
  parts.push(part);
}

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Which groups (or kept positions) actually cut which axis: equal signatures slice alike. */
function signature(s: DimsSpec, removed: Float64Array, keys?: readonly (string | undefined)[]): string {
  return s.cuts
    .map(
      (c) =>
        `${c.axis}:${c.parts
          .filter(([g]) => removed[g]! > 0)
          .map(([g]) => keys?.[g] ?? g)
          .join('/')}`,
    )
    .filter((x) => !x.endsWith(':'))
    .sort()
    .join('|');
}

function cutDims(s: DimsSpec, removed: Float64Array): number[] | undefined {
  if (!s.dims) return undefined;
  const dims = [...s.dims];
  for (const c of s.cuts) {
    let lost = 0;
    for (const [g, block] of c.parts) lost += removed[g]! * block;
    dims[c.axis] = dims[c.axis]! - lost;
  }
  return dims;
}

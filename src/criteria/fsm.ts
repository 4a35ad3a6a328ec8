// FSM (Duan et al., "Network Pruning via Feature Shift Minimization", ACCV 2022; lscgx/FSM main.py):
// removing channel k shifts the expected input of every output j of a consumer by δ_jk = s_jk·e_k,
// where e_k = E[ReLU(N(β_k, γ_k²))] and s_jk = Σ_uv W[j,k,u,v] (signed kernel sum). Score of k for
// one consumer: mean_j |δ_jk|; one row per consumer ('in' member), reduced across the group.
// Generalised (our choices, docs/criteria.md): e_p is taken at the value the consumer reads (moments
// walked back through ReLU/Clip/Add/pooling, fsm-moments.ts); a channel owning several positions
// (Gemm after Flatten) sums its positions, δ_jk = Σ_p s_jp·e_p.

import { z } from 'zod';
import type { ChannelGroup } from '../analysis/channel-types.js';
import type { Graph } from '../ir/graph.js';
import type { ActivationRequest } from '../measure/activation-stats.js';
import type { Criterion, CriterionScores } from './criterion.js';
import { MomentsWalk } from './fsm-moments.js';
import { membersOf, memberWeight } from './member-tensors.js';

const options = z.strictObject({
  source: z.enum(['auto', 'bn', 'measured']).default('auto'),
  negativeGamma: z.enum(['abs', 'clamp']).default('abs'),
});
type FsmOptions = z.output<typeof options>;

export const fsmCriterion = {
  name: 'fsm',
  needs: 'weights',
  summary: "feature shift: E[ReLU(N(β, γ²))] × mean |kernel sum| of each consumer's output channels",
  source:
    'Duan et al., Network Pruning via Feature Shift Minimization (ACCV 2022), lscgx/FSM main.py ' +
    "(get_relu_expect, type='mean'); measured pre-activation moments when BN was folded (our adaptation)",
  defaults: { reduce: 'mean', normalize: 'mean' },
  options,
  activations(graph, group, o): ActivationRequest[] {
    if (o.source === 'bn') return [];
    const walk = new MomentsWalk(graph, o, () => undefined);
    for (const m of consumers(group)) {
      const v = graph.value(m.value);
      if (v) walk.of(v);
    }
    return [...walk.missing.keys()].map((value) => ({ value, axis: 1 }));
  },
  score(ctx, o): CriterionScores {
    const cs = consumers(ctx.group);
    if (cs.length === 0) return { skip: `group '${ctx.group.id}' has no consumer with weights to shift` };
    const walk = walkFor(ctx.graph, o, ctx.cache, (v) => ctx.stats(v.name));
    const rows: Float32Array[] = [];
    for (const m of cs) {
      const moments = walk.of(ctx.graph.mustValue(m.value));
      if (moments.missing) return { skip: moments.missing };
      const { tensor, data, axis } = memberWeight(ctx.graph, m);
      rows.push(shiftScores(data, tensor.dims, axis, moments.mean, m, ctx.group.size));
    }
    return rows;
  },
} as const satisfies Criterion<typeof options>;

function consumers(group: ChannelGroup) {
  return membersOf(group, ['in']).filter((m) => m.weights.length > 0);
}

/** One walk (and its memo) per importance call; a residual stream is walked once for all groups. */
function walkFor(
  graph: Graph,
  o: FsmOptions,
  cache: Map<string, unknown>,
  measured: ConstructorParameters<typeof MomentsWalk>[2],
): MomentsWalk {
  const key = `fsm:${o.source}:${o.negativeGamma}`;
  const w = (cache.get(key) as MomentsWalk | undefined) ?? new MomentsWalk(graph, o, measured);
  cache.set(key, w);
  return w;
}

/**
 * mean_j |Σ_{p ∈ positions(k)} s_jp · e_p| per group channel k, for a consumer weight `data` (dims
 * `dims`) whose input channels run along `axis`; its output channels run along axis 0 (Conv) or,
 * when the inputs are axis 0 (Gemm transB=0, MatMul), axis 1; other axes are summed (s_jp).
 */
export function shiftScores(
  data: Float32Array,
  dims: readonly number[],
  axis: number,
  e: Float64Array,
  member: { readonly block: number; readonly indexMap: Int32Array },
  channels: number,
): Float32Array {
  const outAxis = axis === 0 ? 1 : 0;
  const outs = dims[outAxis]!;
  const ins = dims[axis]!;
  const s = kernelSums(data, dims, outAxis, axis);
  // j outer, k inner: row j of s is read in order (k-major access strides by `ins`: cache misses).
  const total = new Float64Array(channels);
  const { block, indexMap } = member;
  for (let j = 0; j < outs; j++) {
    const row = j * ins;
    for (let k = 0; k < channels; k++) {
      let d = 0;
      for (let b = 0; b < block; b++) {
        const p = indexMap[k * block + b]!;
        d += s[row + p]! * e[p]!;
      }
      total[k] = total[k]! + Math.abs(d);
    }
  }
  const out = new Float32Array(channels);
  for (let k = 0; k < channels; k++) out[k] = total[k]! / outs;
  return out;
}

/** s[j·ins + p]: the kernel summed over every axis but the output (j) and the input channel (p). */
export function kernelSums(
  data: Float32Array,
  dims: readonly number[],
  outAxis: number,
  axis: number,
): Float64Array {
  const [outs, ins] = [dims[outAxis]!, dims[axis]!];
  const s = new Float64Array(outs * ins);
  if (outAxis === 0 && axis === 1) {
    // Conv [O, I, kh, kw] and Gemm transB=1 [out, in]: each (j, p) owns one contiguous run.
    const inner = data.length / (outs * ins);
    if (inner === 1) return new Float64Array(data);
    for (let q = 0; q < outs * ins; q++) {
      let acc = 0;
      for (let i = q * inner; i < (q + 1) * inner; i++) acc += data[i]!;
      s[q] = acc;
    }
    return s;
  }
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let flat = 0; flat < data.length; flat++) {
    const j = Math.floor(flat / strides[outAxis]!) % outs;
    const p = Math.floor(flat / strides[axis]!) % ins;
    s[j * ins + p] = s[j * ins + p]! + data[flat]!;
  }
  return s;
}

// New weights for the same architecture (`pare train --reinit`): UCP retrains its pruned widths from
// scratch, and "is the pruned architecture or the inherited weights worth it?" needs the same control.
// The initialisation is torchvision's for CNNs, the one pare's zoo uses: Kaiming normal (fan out,
// ReLU gain) for convolutions, PyTorch's nn.Linear default U(±1/√fan_in) for Gemm/MatMul weights and
// biases, BatchNormalization as the identity (γ 1, β 0, running mean 0, variance 1), conv biases 0.

import { cloneModel, type Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { throughIdentity } from '../ops/const-eval.js';
import { findParams } from '../ops/params.js';
import { Rng } from '../util/rng.js';

export interface ReinitOptions {
  /** Seed of the weight generator (default 0). */
  readonly seed?: number;
}

export interface ReinitResult {
  readonly model: Model;
  /** Initializers given new values. */
  readonly reset: readonly string[];
  /** Learnable parameters left as they were, with the reason (no rule for their slot). */
  readonly kept: readonly { readonly name: string; readonly reason: string }[];
}

type Init = (dims: readonly number[], rng: Rng) => Float32Array;

const kaimingFanOut: Init = (dims, rng) => {
  const size = dims.reduce((a, b) => a * b, 1);
  const fanOut = size / (dims[1] ?? 1);
  return rng.fillNormal(new Float32Array(size), Math.sqrt(2 / fanOut));
};
const uniform =
  (fanIn: number): Init =>
  (dims, rng) => {
    const size = dims.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(Math.max(fanIn, 1));
    return Float32Array.from({ length: size }, () => rng.uniform(-bound, bound));
  };
const fill =
  (x: number): Init =>
  (dims) =>
    new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(x);

/** The rule for input `index` of `node`, or undefined when pare has none. */
function ruleFor(node: Node, index: number): Init | undefined {
  const w = node.input(1);
  const dims = (w ? (throughIdentity(w).const?.dims ?? w.type?.shape ?? []) : []).filter(
    (d): d is number => typeof d === 'number',
  );
  switch (node.opType) {
    case 'Conv':
      return index === 1 ? kaimingFanOut : index === 2 ? fill(0) : undefined;
    case 'Gemm': {
      const transB = node.attrInt('transB', 0) === 1;
      const fanIn = (transB ? dims[1] : dims[0]) ?? 1;
      return index === 1 || index === 2 ? uniform(fanIn) : undefined;
    }
    case 'MatMul':
      return index === 1 ? uniform(dims[0] ?? 1) : undefined;
    case 'BatchNormalization':
      return [undefined, fill(1), fill(0), fill(0), fill(1)][index];
    default:
      return undefined;
  }
}

/** A copy of `model` with every parameter pare has a rule for drawn anew (seeded). */
export function reinitializeModel(model: Model, options: ReinitOptions = {}): ReinitResult {
  const m = cloneModel(model);
  const g = m.graph;
  const rng = new Rng(options.seed ?? 0);
  const reset: string[] = [];
  const kept: { name: string; reason: string }[] = [];
  const done = new Set<Value>();
  const assign = (v: Value, init: Init) => {
    const t = v.const;
    if (!t || done.has(v) || t.dataType !== 1) return;
    done.add(v);
    g.setConst(v, Tensor.from('float32', t.dims, init(t.dims, rng)));
    reset.push(v.name);
  };
  // BN statistics are not parameters (findParams skips them) but belong to the fresh start too.
  for (const n of g.nodes) {
    if (n.opType !== 'BatchNormalization') continue;
    for (const i of [1, 2, 3, 4]) {
      const v = n.input(i);
      if (v) assign(throughIdentity(v), ruleFor(n, i)!);
    }
  }
  for (const p of findParams(g)) {
    if (done.has(p.value)) continue;
    const rule = ruleFor(p.node, p.input);
    if (!rule || !p.value.const) {
      kept.push({
        name: p.value.name,
        reason: p.value.const
          ? `no initialisation rule for input ${p.input} of ${p.node.opType} '${p.node.name}'`
          : `held by a Constant node feeding ${p.node.opType} '${p.node.name}'`,
      });
      continue;
    }
    assign(p.value, rule);
  }
  return { model: m, reset, kept };
}

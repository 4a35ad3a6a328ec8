// The model's own numbers: NaN or infinite weights, absurd magnitudes (a flipped exponent bit turns
// 0.02 into 2.6e27), negative BatchNorm variances. They are reported naming the tensor and the node,
// so that a failure they cause downstream (a NaN score, outputs that do not verify) is blamed on the
// model's values and not on pare.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Diagnostic } from '../util/diagnostics.js';
import { describeNode, type NodeRef } from '../util/errors.js';
import { resolveConstant } from './constants.js';

/** |w| at or above this is no trained float32 weight: a damaged file or a broken export. */
export const ABSURD_MAGNITUDE = 1e10;

/** The inputs of parameter-bearing ops that hold learned weights (what pruning criteria read). */
const WEIGHT_INPUTS: Readonly<Record<string, readonly string[]>> = {
  Conv: ['', 'weight', 'bias'],
  ConvTranspose: ['', 'weight', 'bias'],
  Gemm: ['', 'weight', 'bias'],
  MatMul: ['', 'weight'],
  BatchNormalization: ['', 'scale', 'bias', 'running mean', 'running variance'],
  InstanceNormalization: ['', 'scale', 'bias'],
  PRelu: ['', 'slope'],
};

export interface WeightProblem {
  readonly node: NodeRef;
  readonly tensor: string;
  /** Which input of the node it is. */
  readonly input: number;
  /** What the tensor is to its node: 'weight', 'bias', 'running variance', ... */
  readonly role: string;
  readonly nan: number;
  readonly infinite: number;
  /** Finite values with |w| ≥ ABSURD_MAGNITUDE. */
  readonly absurd: number;
  /** The largest finite |w| (to show how absurd). */
  readonly largest: number;
  /** BatchNorm running variance below 0 (its square root is NaN). */
  readonly negativeVariance: number;
}

/** Every learned weight with non-finite, absurd or (BN variance) negative values; one entry per tensor. */
export function findWeightProblems(graph: Graph): WeightProblem[] {
  const out: WeightProblem[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    const roles = node.domain === '' || node.domain === 'ai.onnx' ? WEIGHT_INPUTS[node.opType] : undefined;
    if (!roles) continue;
    node.inputs.forEach((v, i) => {
      const role = roles[i];
      if (!role || !v) return;
      const t = resolveConstant(v);
      if (!t || seen.has(v.name)) return;
      const dt = t.dtype;
      if (dt !== 'float32' && dt !== 'float64') return;
      seen.add(v.name);
      let data: ArrayLike<number>;
      try {
        data = t.data as ArrayLike<number>;
      } catch {
        return; // malformed data is the reader's and the shape checks' business
      }
      const p = scan(data, role === 'running variance');
      if (p.nan + p.infinite + p.absurd + p.negativeVariance > 0)
        out.push({ node: nodeRef(node), tensor: v.name, input: i, role, ...p });
    });
  }
  return out;
}

function scan(data: ArrayLike<number>, variance: boolean) {
  let nan = 0;
  let infinite = 0;
  let absurd = 0;
  let negativeVariance = 0;
  let largest = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (Number.isNaN(x)) nan++;
    else if (!Number.isFinite(x)) infinite++;
    else {
      const a = Math.abs(x);
      if (a >= ABSURD_MAGNITUDE) absurd++;
      if (a > largest) largest = a;
      if (variance && x < 0) negativeVariance++;
    }
  }
  return { nan, infinite, absurd, largest, negativeVariance };
}

function nodeRef(n: Node): NodeRef {
  return { name: n.name, opType: n.opType, domain: n.domain };
}

/** `Conv 'c1' weight 'c1.weight' has 2 NaN and 1 infinite value(s)`. */
export function describeWeightProblem(p: WeightProblem): string {
  const what = [
    p.nan > 0 && `${p.nan} NaN`,
    p.infinite > 0 && `${p.infinite} infinite`,
    p.absurd > 0 && `${p.absurd} absurdly large (up to ${p.largest.toExponential(1)})`,
    p.negativeVariance > 0 && `${p.negativeVariance} negative`,
  ].filter(Boolean);
  const list = what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what.at(-1)}` : what[0];
  return `${describeNode(p.node)} ${p.role} '${p.tensor}' has ${list} value(s)`;
}

/** Warnings for the CLI (inspect, analyze, prune print them; nothing stops on a warning). */
export function weightDiagnostics(graph: Graph): Diagnostic[] {
  return findWeightProblems(graph).map((p) => ({
    code: 'PARE_BAD_MODEL',
    severity: 'warning',
    text: describeWeightProblem(p),
    node: p.node,
    tensor: p.tensor,
    notes: [
      p.negativeVariance > 0
        ? 'a variance below 0 makes BatchNorm compute NaN; the file is damaged or the export broken'
        : 'no trained weight looks like this: the file is damaged or the export broken; outputs will be wrong',
    ],
  }));
}

// foldBatchNorm: merge inference-mode BatchNormalization into the Conv / ConvTranspose before it
// (what exporters do in eval mode): W'[o] = W[o]·s[o], b'[o] = (b[o] − mean[o])·s[o] + beta[o],
// s = gamma / √(var + ε). The BN output's name survives on the conv. Returns whether it changed.

import { resolveConstant } from '../analysis/constants.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import { Pruner } from './prune-context.js';

export interface FoldOptions {
  /** Which BatchNormalization nodes to fold (default: every foldable one). */
  readonly filter?: (bn: Node) => boolean;
}

export function foldBatchNorm(graph: Graph, options: FoldOptions = {}): boolean {
  const writer = new Pruner(graph, new Map());
  let changed = false;
  for (const bn of [...graph.nodes]) {
    if (options.filter && bn.opType === 'BatchNormalization' && !options.filter(bn)) continue;
    const conv = foldable(graph, bn);
    if (!conv) continue;
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => resolveConstant(bn.input(i))!.toFloat32());
    const eps = bn.attrFloat('epsilon', 1e-5);
    const w = resolveConstant(conv.input(1))!;
    const out = conv.opType === 'Conv' ? w.dims[0]! : w.dims[1]! * conv.attrInt('group', 1);
    const s = Float64Array.from(gamma!, (g, o) => g / Math.sqrt(variance![o]! + eps));
    const b = conv.input(2) ? resolveConstant(conv.input(2))!.toFloat32() : new Float32Array(out);
    const bias = Float32Array.from(b, (x, o) => (x - mean![o]!) * s[o]! + beta![o]!);
    writer.setConstant(conv, 1, Tensor.from('float32', w.dims, scaleOutputs(conv, w, s)));
    writer.setConstant(conv, 2, Tensor.from('float32', [out], bias));
    const y = bn.output(0);
    const z = conv.output(0);
    const [name, type] = [y.name, y.type];
    graph.replaceAllUses(y, z);
    graph.removeNode(bn);
    graph.renameValue(z, name);
    z.type = type ?? z.type;
    changed = true;
  }
  writer.removeDead();
  return changed;
}

/** The conv a BN can fold into: its only user, constant weights, inference mode. */
function foldable(graph: Graph, bn: Node): Node | undefined {
  if (bn.opType !== 'BatchNormalization' || bn.domain !== '' || bn.attrInt('training_mode', 0) === 1) return;
  if (bn.outputs.slice(1).some((o) => o.uses.length > 0 || graph.outputs.includes(o))) return;
  const z = bn.input(0);
  const conv = z?.producer;
  if (!z || !conv || conv.domain !== '' || (conv.opType !== 'Conv' && conv.opType !== 'ConvTranspose'))
    return;
  if (z.uses.length !== 1 || graph.outputs.includes(z)) return;
  if (![1, 2, 3, 4].every((i) => resolveConstant(bn.input(i))?.dims.length === 1)) return;
  const w = resolveConstant(conv.input(1));
  if (w?.dtype !== 'float32' || (conv.input(2) && !resolveConstant(conv.input(2)))) return;
  return conv;
}

/** Multiply every weight of output channel o by s[o] (Conv: axis 0; ConvTranspose: per group, axis 1). */
function scaleOutputs(conv: Node, w: Tensor, s: Float64Array): Float32Array {
  const src = w.toFloat32();
  const out = new Float32Array(src.length);
  const [d0, d1] = [w.dims[0]!, w.dims[1]!];
  const inner = src.length / (d0 * d1);
  const group = conv.attrInt('group', 1);
  for (let i = 0; i < d0; i++)
    for (let j = 0; j < d1; j++) {
      const o = conv.opType === 'Conv' ? i : Math.floor(i / (d0 / group)) * d1 + j;
      const f = s[o]!;
      const at = (i * d1 + j) * inner;
      for (let k = 0; k < inner; k++) out[at + k] = src[at + k]! * f;
    }
  return out;
}

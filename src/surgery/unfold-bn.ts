// unfoldBatchNorm: give every Conv without a following BatchNormalization one back (training needs
// it; exporters fold it away). The BN is an exact identity on the conv's output: with z0 = W·x,
// mean = μ − b, var = σ², gamma = √(σ² + ε), beta = μ, BN(z0) = z0 + b. μ, σ² default to b and 1;
// pass the conv outputs' statistics (calibration data) to start training from meaningful ones.

import { resolveConstant } from '../analysis/constants.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';

export interface MeanVariance {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

export interface UnfoldOptions {
  /** Per-channel statistics of a conv's output, by the output's name. */
  readonly stats?: ReadonlyMap<string, MeanVariance>;
  readonly epsilon?: number;
  /** Which convs get a BN (default: every Conv not followed by one). */
  readonly filter?: (conv: Node) => boolean;
}

export function unfoldBatchNorm(graph: Graph, options: UnfoldOptions = {}): boolean {
  const eps = options.epsilon ?? 1e-5;
  let changed = false;
  for (const conv of [...graph.nodes]) {
    if (conv.opType !== 'Conv' || conv.domain !== '' || (options.filter && !options.filter(conv))) continue;
    const z = conv.output(0);
    if (z.uses.length === 1 && z.uses[0]!.node.opType === 'BatchNormalization') continue;
    const w = resolveConstant(conv.input(1));
    if (!w) continue;
    const out = w.dims[0]!;
    const b = conv.input(2) ? resolveConstant(conv.input(2))?.toFloat32() : new Float32Array(out);
    if (!b) continue;
    const stats = options.stats?.get(z.name);
    const mu = stats?.mean ?? b;
    const sigma2 = stats?.variance ?? new Float32Array(out).fill(1);
    const param = (suffix: string, data: Float32Array) =>
      graph.addInitializer(
        graph.uniqueName(`${conv.name}.bn.${suffix}`),
        Tensor.from('float32', [out], data),
      );
    const inputs = [
      param(
        'weight',
        Float32Array.from(sigma2, (v) => Math.sqrt(v + eps)),
      ),
      param('bias', Float32Array.from(mu)),
      param(
        'running_mean',
        Float32Array.from(mu, (m, o) => m - b[o]!),
      ),
      param('running_var', Float32Array.from(sigma2)),
    ];
    const name = z.name;
    graph.renameValue(z, graph.uniqueName(`${name}.pre_bn`));
    const next = graph.nodes[graph.nodes.indexOf(conv) + 1];
    const bn = graph.addNode('BatchNormalization', [z, ...inputs], [name], {
      name: graph.uniqueName(`${conv.name}.bn`),
      attrs: { epsilon: eps },
      ...(next ? { before: next } : {}),
    });
    const y = bn.output(0);
    y.type = z.type;
    for (const u of [...z.uses]) if (u.node !== bn) u.node.setInput(u.index, y);
    for (let i = 0; i < graph.outputs.length; i++) if (graph.outputs[i] === z) graph.outputs[i] = y;
    if (conv.input(2)) {
      const old = conv.input(2)!;
      conv.truncateInputs(2);
      if (old.uses.length === 0 && old.const) graph.removeInitializer(old);
    }
    changed = true;
  }
  return changed;
}

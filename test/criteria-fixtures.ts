// Small graphs with hand-set weights for the criteria and allocation tests.

import { analyzeChannels } from '../src/analysis/channel-groups.js';
import type { ChannelAnalysis, ChannelGroup } from '../src/analysis/channel-types.js';
import { GraphBuilder } from '../src/ir/builder.js';
import type { Graph } from '../src/ir/graph.js';
import { Tensor } from '../src/ir/tensor.js';

/** Replace initializer `name` with `data` (same dims). */
export function setWeight(g: Graph, name: string, data: readonly number[]): void {
  const v = g.value(name);
  if (!v?.const) throw new Error(`no initializer '${name}'`);
  if (v.const.size !== data.length)
    throw new Error(`'${name}' has ${v.const.size} elements, got ${data.length}`);
  g.setConst(v, Tensor.from('float32', v.const.dims, Float32Array.from(data)));
}

export function groupOf(a: ChannelAnalysis, id: string): ChannelGroup {
  const g = a.groups.find((x) => x.id === id);
  if (!g) throw new Error(`no group '${id}' (have ${a.groups.map((x) => x.id).join(', ')})`);
  return g;
}

/**
 * x[N,2,4,4] → c1 (1×1, 3 filters) → bn1 → relu → c2 (3×3, 2 filters, pad 1) → bn2 → relu → GAP →
 * flatten → fc (2): groups c1 (3 channels) and c2 (2 channels) are prunable, fc feeds the output.
 */
export function tinyNet(seed = 1): { graph: Graph; analysis: ChannelAnalysis } {
  const b = new GraphBuilder({ name: 'tiny', seed });
  const x = b.input('x', ['N', 2, 4, 4]);
  let h = b.relu(b.batchNorm(b.conv(x, { out: 3, kernel: 1, name: 'c1' }), { name: 'bn1' }), 'r1');
  h = b.relu(b.batchNorm(b.conv(h, { out: 2, kernel: 3, pad: 1, name: 'c2' }), { name: 'bn2' }), 'r2');
  b.output(b.gemm(b.flatten(b.globalAvgPool(h, 'gap'), 'flat'), 2, { name: 'fc' }));
  const graph = b.build();
  return { graph, analysis: analyzeChannels(graph) };
}

/** Two residual branches: c1 → bn1 and c2 → bn2 summed, ReLU, then c3 reads the sum (one group). */
export function residualPair(): { graph: Graph; analysis: ChannelAnalysis } {
  const b = new GraphBuilder({ name: 'res', seed: 3 });
  const x = b.input('x', ['N', 2, 4, 4]);
  const a = b.batchNorm(b.conv(x, { out: 2, kernel: 1, name: 'c1' }), { name: 'bn1' });
  const c = b.batchNorm(b.conv(x, { out: 2, kernel: 1, name: 'c2' }), { name: 'bn2' });
  const s = b.relu(b.add(a, c, 'add'), 'r');
  const y = b.relu(b.batchNorm(b.conv(s, { out: 3, kernel: 1, name: 'c3' }), { name: 'bn3' }), 'r3');
  b.output(b.gemm(b.flatten(b.globalAvgPool(y, 'gap'), 'flat'), 2, { name: 'fc' }));
  const graph = b.build();
  return { graph, analysis: analyzeChannels(graph) };
}

/** Remove a BatchNormalization (as an exporter folding it into the conv would, minus the rescale). */
export function dropNode(g: Graph, name: string): void {
  const n = g.node(name);
  if (!n) throw new Error(`no node '${name}'`);
  g.replaceAllUses(n.output(0), n.input(0)!);
  g.removeNode(n);
}

/** ∫ f(x)·N(x; μ, σ²) dx over μ ± 12σ, composite Simpson (an oracle independent of gaussian.ts). */
export function gaussianIntegral(f: (x: number) => number, mu: number, sigma: number, n = 20000): number {
  const [a, b] = [mu - 12 * sigma, mu + 12 * sigma];
  const pdf = (x: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
  const h = (b - a) / n;
  let s = f(a) * pdf(a) + f(b) * pdf(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h) * pdf(a + i * h);
  return (s * h) / 3;
}

/** Seeded uniform [0, 1) input batches for graph input `name` of shape [n, ...sample]. */
export function randomBatches(name: string, sample: readonly number[], n: number, count: number, seed = 1) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const size = n * sample.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, () => ({
    [name]: { dims: [n, ...sample], data: Float32Array.from({ length: size }, next) },
  }));
}

/** A plain chain of conv(3×3) → BN → ReLU with the given widths, then GAP → flatten → fc. */
export function chainNet(
  widths: readonly number[],
  seed = 1,
  hw = 4,
): { graph: Graph; analysis: ChannelAnalysis } {
  const b = new GraphBuilder({ name: 'chain', seed });
  let h = b.input('x', ['N', 3, hw, hw]);
  widths.forEach((w, i) => {
    const c = b.conv(h, { out: w, kernel: 3, pad: 1, name: `c${i + 1}` });
    h = b.relu(b.batchNorm(c, { name: `bn${i + 1}` }), `r${i + 1}`);
  });
  b.output(b.gemm(b.flatten(b.globalAvgPool(h, 'gap'), 'flat'), 3, { name: 'fc' }));
  const graph = b.build();
  return { graph, analysis: analyzeChannels(graph) };
}

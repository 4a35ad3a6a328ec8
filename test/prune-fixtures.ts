// Fixtures for the pruning core: one small CNN per channel pattern, built with our builder, plus
// helpers that make the oracle meaningful (non-trivial BN statistics and biases).

import { analyzeChannels } from '../src/analysis/channel-groups.js';
import type { ChannelAnalysis } from '../src/analysis/channel-types.js';
import { type Costs, predictCosts } from '../src/analysis/cost-model.js';
import { checkPlan } from '../src/analysis/plan.js';
import { randomPlan } from '../src/analysis/random-plan.js';
import { GraphBuilder } from '../src/ir/builder.js';
import type { Graph } from '../src/ir/graph.js';
import { createModel } from '../src/ir/model.js';
import { Tensor } from '../src/ir/tensor.js';
import type { Value } from '../src/ir/value.js';
import { computeCosts } from '../src/ops/costs.js';
import { applyPlan } from '../src/surgery/apply-plan.js';
import { type VerifyResult, verifyPlan } from '../src/surgery/verify.js';
import { Rng } from '../src/util/rng.js';

/** One line per group: `id ×size: kind node[block], ... | blockers`. */
export function summarize(analysis: ChannelAnalysis): string[] {
  return analysis.groups.map((g) => {
    const members = g.members.map((m) => `${m.kind} ${m.node}${m.block > 1 ? `[${m.block}]` : ''}`);
    const blockers = g.blockers.length > 0 ? ` | ${g.blockers.join('; ')}` : '';
    return `${g.id} ×${g.size}: ${members.join(', ')}${blockers}`;
  });
}

const scrambled = new Set([
  ...[1, 2, 3, 4].map((i) => `BatchNormalization:${i}`),
  ...['Conv', 'ConvTranspose', 'Gemm'].map((op) => `${op}:2`),
  'InstanceNormalization:1',
  'InstanceNormalization:2',
]);

/** Random BN statistics and biases, so that a wrong slice shows in the outputs. */
export function scramble(graph: Graph, seed = 7): Graph {
  const rng = new Rng(seed);
  for (const node of graph.nodes) {
    node.inputs.forEach((v, i) => {
      if (!scrambled.has(`${node.opType}:${i}`)) return;
      const t = v?.const;
      if (t?.dtype !== 'float32' || t.dims.length > 1 || t.size < 2) return;
      const positive = node.opType === 'BatchNormalization' && (i === 1 || i === 4);
      const data = new Float32Array(t.size);
      for (let k = 0; k < data.length; k++) data[k] = positive ? rng.uniform(0.5, 1.5) : rng.normal() * 0.3;
      graph.setConst(v!, Tensor.from('float32', t.dims, data));
    });
  }
  return graph;
}

export function builder(name: string, seed = 1): GraphBuilder {
  return new GraphBuilder({ name, seed });
}

/** conv → BN → ReLU. */
export function cbr(
  b: GraphBuilder,
  x: Value,
  out: number,
  name: string,
  spec: { kernel?: number; group?: number } = {},
) {
  const y = b.conv(x, {
    out,
    kernel: spec.kernel ?? 3,
    pad: (spec.kernel ?? 3) === 3 ? 1 : 0,
    group: spec.group ?? 1,
    name,
  });
  return b.relu(b.batchNorm(y, { name: `${name}.bn` }), `${name}.relu`);
}

/** GAP → Flatten → Gemm(classes) as the graph output 'logits'. */
export function head(b: GraphBuilder, x: Value, classes = 5): Graph {
  const f = b.flatten(b.globalAvgPool(x, 'gap'), 'flat');
  b.output(b.gemm(f, classes, { name: 'fc' }));
  return scramble(b.build());
}

export function concatNet(): Graph {
  const b = builder('concat');
  const x = b.input('x', ['N', 3, 8, 8]);
  const a = cbr(b, x, 4, 'c1');
  const cat = b.concat([cbr(b, a, 6, 'c2'), cbr(b, a, 5, 'c3')], 'cat');
  const nested = b.concat([cat, cbr(b, x, 3, 'c5')], 'cat2');
  return head(b, cbr(b, nested, 8, 'c4'));
}

export function groupedNet(): Graph {
  const b = builder('grouped');
  const x = b.input('x', ['N', 3, 8, 8]);
  const a = cbr(b, x, 8, 'c1');
  const g = cbr(b, a, 8, 'gc', { group: 2 });
  const p = cbr(b, g, 4, 'c2', { kernel: 1 });
  const d = cbr(b, p, 8, 'dw', { group: 4 });
  return head(b, cbr(b, d, 6, 'c3', { kernel: 1 }));
}

export function shuffleNet(): Graph {
  const b = builder('shuffle');
  const x = b.input('x', ['N', 3, 8, 8]);
  const cat = b.concat([cbr(b, x, 4, 'c1'), cbr(b, x, 4, 'c2')], 'cat');
  const split = b.op(
    'Reshape',
    [cat, b.ints('shape5', [0, 2, 4, 8, 8])],
    {},
    { name: 'shuffle.reshape1', shape: ['N', 2, 4, 8, 8] },
  );
  const t = b.op(
    'Transpose',
    [split],
    { perm: [0, 2, 1, 3, 4] },
    { name: 'shuffle.transpose', shape: ['N', 4, 2, 8, 8] },
  );
  const y = b.op(
    'Reshape',
    [t, b.ints('shape4', [0, 8, 8, 8])],
    {},
    { name: 'shuffle.reshape2', shape: ['N', 8, 8, 8] },
  );
  return head(b, cbr(b, y, 6, 'c3'));
}

export function seNet(): Graph {
  const b = builder('se');
  const x = b.input('x', ['N', 3, 8, 8]);
  const a = cbr(b, x, 8, 'c1');
  const s = b.globalAvgPool(a, 'se.pool');
  const s1 = b.relu(b.conv(s, { out: 2, kernel: 1, bias: true, name: 'se.fc1' }), 'se.relu');
  const gate = b.op(
    'Sigmoid',
    [b.conv(s1, { out: 8, kernel: 1, bias: true, name: 'se.fc2' })],
    {},
    { name: 'se.gate' },
  );
  const y = b.mul(a, gate, 'se.scale');
  return head(b, cbr(b, y, 6, 'c2'));
}

export function flattenNet(): Graph {
  const b = builder('flatten');
  const x = b.input('x', ['N', 3, 4, 4]);
  const a = cbr(b, x, 4, 'c1');
  const f = b.flatten(a, 'flat');
  const h = b.relu(b.gemm(f, 6, { name: 'fc1' }), 'fc1.relu');
  b.output(b.gemm(h, 3, { name: 'fc2' }));
  return scramble(b.build());
}

/** NHWC flatten (TensorFlow style): channel c owns every 4th column. */
export function nhwcFlattenNet(): Graph {
  const b = builder('nhwc');
  const x = b.input('x', ['N', 3, 2, 2]);
  const a = cbr(b, x, 4, 'c1');
  const t = b.op('Transpose', [a], { perm: [0, 2, 3, 1] }, { name: 'nhwc', shape: ['N', 2, 2, 4] });
  const f = b.op('Flatten', [t], { axis: 1 }, { name: 'flat', shape: ['N', 16] });
  b.output(b.gemm(f, 3, { name: 'fc' }));
  return scramble(b.build());
}

export function splitSliceNet(): Graph {
  const b = builder('split');
  const x = b.input('x', ['N', 3, 8, 8]);
  const a = cbr(b, x, 8, 'c1');
  const node = b.graph.addNode('Split', [a, b.ints('sizes', [3, 5])], ['part0', 'part1'], {
    name: 'split',
    attrs: { axis: 1 },
  });
  // The builder tracks shapes of its own verbs only: name the parts' shapes through Identity.
  const p0 = b.op('Identity', [node.output(0)], {}, { name: 'part0.id', shape: ['N', 3, 8, 8] });
  const p1 = b.op('Identity', [node.output(1)], {}, { name: 'part1.id', shape: ['N', 5, 8, 8] });
  const sl = b.op(
    'Slice',
    [a, b.ints('starts', [2]), b.ints('ends', [6]), b.ints('axes', [1])],
    {},
    { name: 'slice', shape: ['N', 4, 8, 8] },
  );
  const c2 = cbr(b, p0, 4, 'c2');
  const c3 = cbr(b, p1, 4, 'c3');
  const c4 = cbr(b, sl, 4, 'c4');
  return head(b, b.add(b.add(c2, c3, 'sum1'), c4, 'sum2'));
}

export function residualNet(): Graph {
  const b = builder('residual');
  const x = b.input('x', ['N', 3, 8, 8]);
  const a = cbr(b, x, 6, 'c1');
  const r1 = b.relu(
    b.add(b.batchNorm(b.conv(a, { out: 6, kernel: 3, pad: 1, name: 'c2' }), { name: 'c2.bn' }), a, 'res.add'),
  );
  const m = b.op('Max', [r1, cbr(b, r1, 6, 'c3')], {}, { name: 'res.max' });
  const p = b.mul(m, cbr(b, m, 6, 'c4'), 'res.mul');
  return head(b, cbr(b, p, 4, 'c5'));
}

/** Activations exporters spell out: x·sigmoid(x), x·clip(x+3, 0, 6)/6, HardSigmoid(x)·x. */
export function activationNet(): Graph {
  const b = builder('activations');
  const x = b.input('x', ['N', 3, 8, 8]);
  const a = b.conv(x, { out: 6, kernel: 3, pad: 1, name: 'c1' });
  const silu = b.mul(a, b.op('Sigmoid', [a], {}, { name: 'silu.sigmoid' }), 'silu.mul');
  const c2 = b.conv(silu, { out: 5, kernel: 3, pad: 1, name: 'c2' });
  const three = b.weight('three', [], Float32Array.of(3));
  const six = b.weight('six', [], Float32Array.of(6));
  const clipped = b.clip(b.add(c2, three, 'hs.add'), 0, 6, 'hs.clip');
  const hswish = b.op('Div', [b.mul(c2, clipped, 'hs.mul'), six], {}, { name: 'hs.div' });
  const c3 = b.conv(hswish, { out: 4, kernel: 3, pad: 1, name: 'c3' });
  const hsig = b.op('HardSigmoid', [c3], { alpha: 0.2, beta: 0.5 }, { name: 'hsig' });
  return head(b, b.mul(hsig, c3, 'hsig.mul'));
}

/** Patterns pare must refuse, each naming the node: LRN, Softmax over channels, a splitting Reshape. */
export function blockerNet(): Graph {
  const b = builder('blockers');
  const x = b.input('x', ['N', 3, 8, 8]);
  const a = cbr(b, x, 4, 'c1');
  const lrn = b.op('LRN', [a], { size: 3 }, { name: 'lrn' });
  const c2 = cbr(b, lrn, 4, 'c2');
  const sm = b.op('Softmax', [c2], { axis: 1 }, { name: 'softmax' });
  const c3 = cbr(b, sm, 4, 'c3');
  b.output(b.op('Reshape', [c3, b.ints('split2', [0, 2, 128])], {}, { name: 'mix', shape: ['N', 2, 128] }));
  b.output(b.conv(c3, { out: 2, kernel: 1, name: 'c4' }));
  return scramble(b.build());
}

export interface Proof {
  readonly verify: VerifyResult;
  readonly predicted: Costs;
  readonly actual: { macs: number; params: number };
  readonly removed: number;
}

/** Random plan at `ratio`, applied and verified in ORT, with predicted vs counted costs. */
export async function prove(
  graph: Graph,
  ratio: number,
  seed = 1,
  analysis = analyzeChannels(graph),
): Promise<Proof> {
  const plan = randomPlan(graph, analysis, { ratio, seed });
  const pruned = applyPlan(graph, plan, { analysis });
  const predicted = predictCosts(graph, analysis, checkPlan(plan, graph, analysis));
  const after = computeCosts(pruned);
  const verify = await verifyPlan(createModel(graph), plan, { analysis, pruned, seed });
  const removed = Object.entries(plan.groups).reduce(
    (n, [id, keep]) => n + analysis.groups.find((g) => g.id === id)!.size - keep.length,
    0,
  );
  return { verify, predicted, actual: { macs: after.macs, params: after.params }, removed };
}

// Surgery per op: the rewrites each handler makes (Gather indices, Resize sizes, Split sizes, Gemm C,
// grouped ConvTranspose), proven by the oracle; the input graph is never touched; tied weights sliced
// alike stay one tensor.

import { describe, expect, it } from 'vitest';
import { analyzeChannels } from '../src/analysis/channel-groups.js';
import { createPlan, modelFingerprint } from '../src/analysis/plan.js';
import { GraphBuilder } from '../src/ir/builder.js';
import { applyPlan } from '../src/surgery/apply-plan.js';
import { prove, scramble, summarize } from './prune-fixtures.js';

function netA() {
  const b = new GraphBuilder({ name: 'a', seed: 3 });
  const x = b.input('x', [2, 3, 8, 8]);
  const c1 = b.conv(x, { out: 6, kernel: 3, pad: 1, name: 'c1' });
  const pr = b.op('PRelu', [c1, b.weight('slope', [6, 1, 1], 'normal')], {}, { name: 'prelu' });
  const inorm = b.op(
    'InstanceNormalization',
    [pr, b.weight('in.scale', [6], 'normal'), b.weight('in.bias', [6], 'normal')],
    { epsilon: 1e-5 },
    { name: 'inorm' },
  );
  const pad = b.op(
    'Pad',
    [inorm, b.ints('pads', [0, 0, 1, 1, 0, 0, 1, 1])],
    {},
    { name: 'pad', shape: [2, 6, 10, 10] },
  );
  const rs = b.op(
    'Resize',
    [pad, null, null, b.ints('sizes', [2, 6, 20, 20])],
    { mode: 'nearest' },
    { name: 'resize', shape: [2, 6, 20, 20] },
  );
  const ga = b.op(
    'Gather',
    [rs, b.ints('pick', [5, 0, 2, 3])],
    { axis: 1 },
    { name: 'gather', shape: [2, 4, 20, 20] },
  );
  const c2 = b.conv(ga, { out: 4, kernel: 3, pad: 1, name: 'c2' });
  const c3 = b.conv(ga, { out: 4, kernel: 3, pad: 1, name: 'c3' });
  const cat = b.op('Concat', [c2, c3], { axis: 2 }, { name: 'hcat', shape: [2, 4, 40, 20] });
  const sm = b.op('Softmax', [cat], { axis: -1 }, { name: 'softmax' });
  const rm = b.op('ReduceMean', [sm], { axes: [2, 3], keepdims: 0 }, { name: 'mean', shape: [2, 4] });
  const un = b.op('Unsqueeze', [rm, b.ints('ax', [2])], {}, { name: 'unsq', shape: [2, 4, 1] });
  const sq = b.op('Squeeze', [un, b.ints('ax2', [2])], {}, { name: 'sq', shape: [2, 4] });
  b.output(b.op('MatMul', [sq, b.weight('head', [4, 3], 'normal')], {}, { name: 'head', shape: [2, 3] }));
  return scramble(b.build());
}

function netB() {
  const b = new GraphBuilder({ name: 'b', seed: 5 });
  const x = b.input('x', ['N', 4, 4, 4]);
  const ct1 = b.op(
    'ConvTranspose',
    [x, b.weight('ct1.w', [4, 6, 2, 2], 'kaiming-fan-in'), b.weight('ct1.b', [6], 'normal')],
    { strides: [2, 2] },
    { name: 'ct1', shape: ['N', 6, 8, 8] },
  );
  const r = b.relu(ct1);
  const node = b.graph.addNode('Split', [r], ['s0', 's1'], { name: 'split', attrs: { axis: 1 } });
  const s0 = b.op('Identity', [node.output(0)], {}, { shape: ['N', 3, 8, 8] });
  const s1 = b.op('Identity', [node.output(1)], {}, { shape: ['N', 3, 8, 8] });
  const sum = b.add(
    b.conv(s0, { out: 4, kernel: 1, name: 'c2' }),
    b.conv(s1, { out: 4, kernel: 1, name: 'c3' }),
    'sum',
  );
  const ct2 = b.op(
    'ConvTranspose',
    [sum, b.weight('ct2.w', [4, 3, 1, 1], 'kaiming-fan-in')],
    { group: 2 },
    { name: 'ct2', shape: ['N', 6, 8, 8] },
  );
  const f = b.flatten(b.globalAvgPool(b.relu(ct2)));
  b.output(
    b.op(
      'Gemm',
      [f, b.weight('fc.w', [6, 5], 'normal'), b.weight('fc.c', [1, 5], 'normal')],
      {},
      { name: 'fc', shape: ['N', 5] },
    ),
  );
  return scramble(b.build());
}

function netC() {
  const b = new GraphBuilder({ name: 'c', seed: 6, opset: 18 });
  const x = b.input('x', ['N', 3, 6, 6]);
  const c1 = b.relu(b.conv(x, { out: 7, kernel: 3, pad: 1, name: 'c1' }));
  const node = b.graph.addNode('Split', [c1], ['p0', 'p1'], {
    name: 'split',
    attrs: { axis: 1, num_outputs: 2 },
  });
  const p0 = b.op('Identity', [node.output(0)], {}, { shape: ['N', 4, 6, 6] });
  const p1 = b.op('Identity', [node.output(1)], {}, { shape: ['N', 3, 6, 6] });
  const y = b.op(
    'Concat',
    [b.conv(p0, { out: 5, kernel: 1, name: 'c2' }), b.conv(p1, { out: 2, kernel: 1, name: 'c3' })],
    { axis: 1 },
    { shape: ['N', 7, 6, 6] },
  );
  const m = b.op(
    'ReduceMean',
    [y, b.ints('axes', [2, 3])],
    { keepdims: 1 },
    { name: 'mean', shape: ['N', 7, 1, 1] },
  );
  const f = b.op('Reshape', [m, b.ints('flat', [0, 7])], {}, { name: 'flat', shape: ['N', 7] });
  b.output(b.gemm(f, 3, { name: 'fc' }));
  return scramble(b.build());
}

describe('applyPlan per op', () => {
  it('PRelu, InstanceNorm, Pad, Resize(sizes), Gather, spatial Concat, Softmax, Reduce/Squeeze, MatMul', async () => {
    const g = netA();
    expect(summarize(analyzeChannels(g)).slice(1, 4)).toEqual([
      'c1@0 ×4: out c1, param prelu, param inorm, in c2, in c3',
      'c1@1 ×2: out c1, param prelu, param inorm',
      'c2 ×4: out c2, out c3, in head',
    ]);
    const fp = modelFingerprint(g);
    const weights = g.initializers.map((v) => v.const);
    const pruned = applyPlan(g, createPlan(g, { 'c1@0': [1, 3], 'c1@1': [0], c2: [0, 2, 3] }));
    expect(pruned.node('resize')!.input(3)!.const!.toNumbers()).toEqual([2, 3, 20, 20]);
    expect(pruned.node('gather')!.input(1)!.const!.toNumbers()).toEqual([2, 1]);
    expect(pruned.node('prelu')!.input(1)!.const!.dims).toEqual([3, 1, 1]);
    expect(pruned.value('head_1')!.producer!.input(1)!.const!.dims).toEqual([3, 3]);
    expect(modelFingerprint(g)).toBe(fp);
    expect(g.initializers.map((v) => v.const)).toEqual(weights);
    const proof = await prove(g, 0.5, 2);
    expect(proof.verify.passed).toBe(true);
    expect(proof.actual).toEqual(proof.predicted);
  });

  it('ConvTranspose (plain and grouped), equal Split, Gemm with transB = 0 and a [1, N] bias', async () => {
    const g = netB();
    expect(summarize(analyzeChannels(g)).slice(1, 4)).toEqual([
      'ct1@0 ×3: out ct1, in c2',
      'ct1@3 ×3: out ct1, in c3',
      'c2 ×2: out c2[2], out c3[2], out ct2[2], in fc[3]',
    ]);
    const pruned = applyPlan(g, createPlan(g, { 'ct1@0': [2], c2: [1] }));
    expect(pruned.node('split')!.input(1)!.const!.toNumbers()).toEqual([1, 3]);
    expect(pruned.node('ct2')!.attrInt('group')).toBe(1);
    expect(pruned.node('ct2')!.input(1)!.const!.dims).toEqual([2, 3, 1, 1]);
    expect(pruned.node('fc')!.input(1)!.const!.dims).toEqual([3, 5]);
    const proof = await prove(g, 0.5, 2);
    expect(proof.verify.passed).toBe(true);
    expect(proof.actual).toEqual(proof.predicted);
  });

  it('opset 18: Split by num_outputs gets explicit sizes, ReduceMean axes input, constant Reshape target', async () => {
    const g = netC();
    const pruned = applyPlan(g, createPlan(g, { 'c1@0': [0, 3], c2: [4] }));
    const split = pruned.node('split')!;
    expect(split.attr('num_outputs')).toBeUndefined();
    expect(split.input(1)!.const!.toNumbers()).toEqual([2, 3]);
    expect(pruned.node('flat')!.input(1)!.const!.toNumbers()).toEqual([0, -1]);
    const proof = await prove(g, 0.5, 3);
    expect(proof.verify.passed).toBe(true);
    expect(proof.actual).toEqual(proof.predicted);
  });
});

describe('tied weights', () => {
  it('two convs tied through Identity and sliced alike keep one weight', async () => {
    const b = new GraphBuilder({ name: 'tied', seed: 8 });
    const x = b.input('x', ['N', 3, 6, 6]);
    const h = b.relu(b.conv(x, { out: 6, kernel: 3, pad: 1, name: 'c1' }));
    const w = b.weight('shared', [4, 6, 3, 3], 'kaiming-fan-out');
    const conv = (n: string) =>
      b.op(
        'Conv',
        [h, b.op('Identity', [w], {}, { name: `${n}.w` })],
        { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
        { name: n, shape: ['N', 4, 6, 6] },
      );
    b.output(b.gemm(b.flatten(b.globalAvgPool(b.add(conv('a'), conv('b')))), 2, { name: 'fc' }));
    const g = scramble(b.build());
    const pruned = applyPlan(g, createPlan(g, { c1: [0, 1, 4], a: [1, 3] }));
    const [wa, wb] = ['a', 'b'].map((n) => pruned.node(n)!.input(1)!);
    expect(wa).toBe(wb);
    expect(wa!.const!.dims).toEqual([2, 3, 3, 3]);
    expect(pruned.nodes.filter((n) => n.opType === 'Identity')).toEqual([]);
    const proof = await prove(g, 0.5, 4);
    expect(proof.verify.passed).toBe(true);
    expect(proof.actual).toEqual(proof.predicted);
  });
});

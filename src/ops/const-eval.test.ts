// Build-time data: constants, Identity aliases, and the Shape chains exporters use for Reshape.

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { Graph } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { constValue, symbolicValue } from './const-eval.js';
import { inferShapes } from './infer-shapes.js';

const i64 = (v: number) => Tensor.int64([], [v]);

/** x.view(x.size(0), -1) as torch.onnx exports it: Shape → Gather(0) → Unsqueeze → Concat(−1) → Reshape. */
function flattenChain(opset: number) {
  const b = new GraphBuilder({ opset });
  const x = b.input('x', ['N', 3, 8, 8]);
  const y = b.conv(x, { out: 4, kernel: 3, stride: 2, pad: 1 }); // [N, 4, 4, 4]
  const g = b.graph;
  const shape = g.addNode('Shape', [y], ['shape']).output();
  const idx = g.addNode('Constant', [], ['idx'], { attrs: { value: i64(0) } }).output();
  const batch = g.addNode('Gather', [shape, idx], ['batch'], { attrs: { axis: 0 } }).output();
  const unsq =
    opset < 13
      ? g.addNode('Unsqueeze', [batch], ['batch1'], { attrs: { axes: [0] } })
      : g.addNode('Unsqueeze', [batch, b.ints('axes', [0])], ['batch1']);
  const minus = g.addNode('Constant', [], ['minus1'], { attrs: { value_ints: [-1] } }).output();
  const target = g.addNode('Concat', [unsq.output(), minus], ['target'], { attrs: { axis: 0 } }).output();
  const out = g.addNode('Reshape', [y, target], ['flat']).output();
  g.addOutput(out);
  return { g, target, out };
}

describe('constValue / symbolicValue', () => {
  it('the exporter flatten chain resolves to [N, C·H·W] with N symbolic (opset 9 and 13)', () => {
    for (const opset of [9, 13]) {
      const { g, target, out } = flattenChain(opset);
      expect(inferShapes(g)).toEqual([]);
      expect(out.type?.shape).toEqual(['N', 64]);
      expect(symbolicValue(g, target)?.data).toEqual(['N', -1]);
      expect(constValue(g, target)).toBeUndefined(); // not fully known: N is a symbol
    }
  });

  it('x.view(-1, C·H·W) computed with Gather·Mul chains is a constant once shapes are static', () => {
    const b = new GraphBuilder({ opset: 13 });
    const x = b.input('x', ['N', 4, 3, 5]);
    const g = b.graph;
    const s = g.addNode('Shape', [x], ['s']).output();
    const pick = (i: number) =>
      g.addNode('Gather', [s, g.addInitializer(`i${i}`, i64(i))], [`d${i}`], { attrs: { axis: 0 } }).output();
    const chw = g
      .addNode('Mul', [g.addNode('Mul', [pick(1), pick(2)], ['m1']).output(), pick(3)], ['chw'])
      .output();
    const u = g.addNode('Unsqueeze', [chw, b.ints('ax', [0])], ['u']).output();
    const t = g.addNode('Concat', [b.ints('m', [-1]), u], ['t'], { attrs: { axis: 0 } }).output();
    const r = g.addNode('Reshape', [x, t], ['r']).output();
    g.addOutput(r);
    inferShapes(g);
    expect(r.type?.shape).toEqual(['N', 60]);
    expect(constValue(g, t)?.toNumbers()).toEqual([-1, 60]);
    expect(constValue(g, t)?.dtype).toBe('int64');
  });

  it('initializers, Constant attributes and Identity aliases', () => {
    const g = new Graph();
    g.opsets.set('', 13);
    const w = g.addInitializer('w', Tensor.float32([2], [1, 2]));
    const alias = g.addNode('Identity', [w], ['alias']).output();
    expect(constValue(g, alias)).toBe(w.const); // the same Tensor, not a copy (size is no limit)
    const mk = (attrs: Record<string, number | number[] | Tensor>): Value =>
      g.addNode('Constant', [], 1, { attrs }).output();
    expect(constValue(g, mk({ value_float: 0.5 }))?.toNumbers()).toEqual([0.5]);
    expect(constValue(g, mk({ value_floats: [1.5, 2] }))?.dtype).toBe('float32');
    expect(constValue(g, mk({ value_int: 7 }))?.toNumbers()).toEqual([7]);
    expect(constValue(g, mk({ value_ints: [3, 4] }))?.dims).toEqual([2]);
    expect(constValue(g, mk({ value: Tensor.int64([2, 1], [5, 6]) }))?.dims).toEqual([2, 1]);
    expect(constValue(g, g.addInput('x', [2]))).toBeUndefined();
  });

  it('evaluates Slice, Squeeze, Cast, Sub, Div, Add, ConstantOfShape and Range', () => {
    const b = new GraphBuilder({ opset: 13 });
    const g = b.graph;
    const x = b.input('x', [1, 6, 10, 'W']);
    const s = g.addNode('Shape', [x], ['s']).output();
    const hw = g.addNode('Slice', [s, b.ints('st', [2]), b.ints('en', [3])], ['hw']).output(); // [10]
    const h = g.addNode('Squeeze', [hw, b.ints('ax', [0])], ['h']).output(); // 10
    const f = g.addNode('Cast', [h], ['hf'], { attrs: { to: 1 } }).output();
    const half = g
      .addNode('Div', [f, b.graph.addInitializer('two', Tensor.float32([], [4]))], ['half'])
      .output();
    const back = g.addNode('Cast', [half], ['hi'], { attrs: { to: 7 } }).output(); // trunc(2.5) = 2
    const diff = g.addNode('Sub', [back, g.addInitializer('one', i64(1))], ['diff']).output(); // 1
    const sum = g.addNode('Add', [diff, g.addInitializer('five', i64(5))], ['sum']).output(); // 6
    const us = g.addNode('Unsqueeze', [sum, b.ints('ax0', [0])], ['us']).output();
    const zeros = g
      .addNode('ConstantOfShape', [us], ['zeros'], { attrs: { value: Tensor.int64([1], [3]) } })
      .output();
    const rng = g
      .addNode('Range', [g.addInitializer('r0', i64(1)), sum, g.addInitializer('r2', i64(2))], ['rng'])
      .output();
    const whole = g.addNode('Slice', [s, b.ints('a0', [0]), b.ints('a1', [4])], ['whole']).output();
    for (const v of [zeros, rng, whole]) g.addOutput(v);
    inferShapes(g);
    expect(constValue(g, hw)?.toNumbers()).toEqual([10]);
    expect(constValue(g, back)?.toNumbers()).toEqual([2]);
    expect(constValue(g, sum)?.toNumbers()).toEqual([6]);
    expect(constValue(g, zeros)?.toNumbers()).toEqual([3, 3, 3, 3, 3, 3]);
    expect(constValue(g, rng)?.toNumbers()).toEqual([1, 3, 5]);
    expect(zeros.type?.shape).toEqual([6]);
    expect(symbolicValue(g, whole)?.data).toEqual([1, 6, 10, 'W']);
  });

  it('evaluates Equal and Where over symbols (exporters guard Reshape targets this way)', () => {
    const b = new GraphBuilder({ opset: 13 });
    const g = b.graph;
    const x = b.input('x', ['N', 3, 4]);
    const s = g.addNode('Shape', [x], ['s']).output();
    const sevens = b.ints('sevens', [7, 7, 7]);
    const eq = g.addNode('Equal', [s, b.ints('probe', [1, 3, 1])], ['eq']).output();
    const w = g.addNode('Where', [eq, s, sevens], ['w']).output();
    const same = g.addNode('Equal', [s, s], ['same']).output();
    const w2 = g.addNode('Where', [same, s, sevens], ['w2']).output();
    for (const v of [w, w2]) g.addOutput(v);
    inferShapes(g);
    expect(symbolicValue(g, eq)?.data).toEqual([null, 1, 0]); // N = 1 is not known
    expect(symbolicValue(g, w)?.data).toEqual([null, 3, 7]);
    expect(symbolicValue(g, w2)?.data).toEqual(['N', 3, 4]);
  });
});

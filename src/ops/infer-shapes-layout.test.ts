// Hand-derived shapes for layout, elementwise, linear-algebra, reduction and shape-computing ops,
// including the opset variants (attributes vs inputs).

import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '../ir/attribute.js';
import { Tensor } from '../ir/tensor.js';
import type { Dim } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import { inferShapes } from './infer-shapes.js';
import { floats, ints, type OpInput, singleOpGraph } from './op-graph.js';

function shapes(
  op: string,
  inputs: readonly OpInput[],
  attrs: Record<string, AttributeValue> = {},
  options: { opset?: number; outputs?: number } = {},
): (readonly Dim[] | undefined)[] {
  const { graph, node } = singleOpGraph(op, inputs, attrs, options);
  expect(inferShapes(graph)).toEqual([]);
  return node.outputs.map((o) => o.type?.shape);
}

/** INT64_MAX, as exporters write 'to the end'. */
const toEnd = Tensor.from('int64', [1], BigInt64Array.of(9223372036854775807n));
const x4: Dim[] = ['N', 3, 4, 5];

describe('elementwise broadcasting', () => {
  it('Add/Sub/Mul/Div broadcast numpy-style', () => {
    expect(shapes('Add', [x4, [3, 1, 1]])).toEqual([x4]);
    expect(shapes('Sub', [[4], [2, 1]])).toEqual([[2, 4]]);
    expect(
      shapes('Mul', [
        [1, 'N'],
        [7, 1],
      ]),
    ).toEqual([[7, 'N']]);
    expect(shapes('Div', [[], [2, 3]])).toEqual([[2, 3]]);
  });
  it('comparisons give bool, Where takes the value type', () => {
    const { graph, node } = singleOpGraph('Equal', [[2, 1], [3]]);
    inferShapes(graph);
    expect(node.output().type).toEqual({ elemType: 9, shape: [2, 3] });
  });
});

describe('Concat / Split / Slice', () => {
  it('Concat sums the axis (negative axis too) and checks the others', () => {
    expect(shapes('Concat', [x4, ['N', 5, 4, 5]], { axis: 1 })).toEqual([['N', 8, 4, 5]]);
    expect(
      shapes(
        'Concat',
        [
          [2, 3],
          [2, 4],
        ],
        { axis: -1 },
      ),
    ).toEqual([[2, 7]]);
    expect(() =>
      shapes(
        'Concat',
        [
          [2, 3],
          [4, 3],
        ],
        { axis: 1 },
      ),
    ).toThrow(
      "Concat 'concat' input 1 ('x1'): dim 0 must match input 0 (concat axis is 1): expected 2, got 4",
    );
  });
  it('Split: attribute sizes (< 13), input sizes (≥ 13), equal parts, num_outputs (18)', () => {
    expect(shapes('Split', [[1, 6, 2]], { axis: 1, split: [2, 4] }, { opset: 11, outputs: 2 })).toEqual([
      [1, 2, 2],
      [1, 4, 2],
    ]);
    expect(shapes('Split', [[1, 6, 2], ints([1, 5])], { axis: 1 }, { opset: 13, outputs: 2 })).toEqual([
      [1, 1, 2],
      [1, 5, 2],
    ]);
    expect(shapes('Split', [[6, 2]], {}, { opset: 13, outputs: 3 })).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    expect(shapes('Split', [[7]], { num_outputs: 3 }, { opset: 18, outputs: 3 })).toEqual([[3], [3], [1]]);
  });
  it('Slice: attributes (< 10), inputs with steps (≥ 10), clamping and negative indices', () => {
    expect(shapes('Slice', [[4, 10]], { starts: [1], ends: [3], axes: [1] }, { opset: 9 })).toEqual([[4, 2]]);
    expect(shapes('Slice', [[4, 10], ints([1]), toEnd, ints([1])], {}, { opset: 13 })).toEqual([[4, 9]]);
    // start −1 → 9, end −11 → clamped to −1, step −2: ceil((−1 − 9) / −2) = 5
    expect(
      shapes('Slice', [[4, 10], ints([-1]), ints([-11]), ints([1]), ints([-2])], {}, { opset: 13 }),
    ).toEqual([[4, 5]]);
    expect(
      shapes(
        'Slice',
        [['N', 10], ints([0, 2]), Tensor.from('int64', [2], BigInt64Array.of(9223372036854775807n, 100n))],
        {},
        { opset: 13 },
      ),
    ).toEqual([['N', 8]]);
  });
});

describe('Flatten / Reshape / Transpose / Squeeze / Unsqueeze', () => {
  it('Flatten at 1, 0, −1 and with a symbolic batch', () => {
    expect(shapes('Flatten', [[2, 3, 4, 5]])).toEqual([[2, 60]]);
    expect(shapes('Flatten', [[2, 3, 4, 5]], { axis: 0 })).toEqual([[1, 120]]);
    expect(shapes('Flatten', [[2, 3, 4, 5]], { axis: -1 })).toEqual([[24, 5]]);
    expect(shapes('Flatten', [x4])).toEqual([['N', 60]]);
  });
  it('Reshape with 0 (copy) and −1 (infer); symbols cancel', () => {
    expect(shapes('Reshape', [[2, 3, 4], ints([0, -1])])).toEqual([[2, 12]]);
    expect(shapes('Reshape', [[2, 3, 4], ints([4, 0, -1])])).toEqual([[4, 3, 2]]);
    expect(shapes('Reshape', [['N', 512, 1, 1], ints([-1, 512])])).toEqual([['N', 512]]);
    expect(shapes('Reshape', [x4, ints([0, 0, -1])])).toEqual([['N', 3, 20]]);
  });
  it('Reshape allowzero = 1 takes 0 literally (a zero-size result is an error)', () => {
    const { graph } = singleOpGraph(
      'Reshape',
      [[2, 3, 4], ints([4, 0, -1])],
      { allowzero: 1 },
      { opset: 14 },
    );
    expect(() => inferShapes(graph)).toThrow(PareError);
  });
  it('Reshape rejects element-count mismatches and two −1', () => {
    expect(() => shapes('Reshape', [[2, 3], ints([4, 2])])).toThrow(
      "Reshape 'reshape' input 1 ('c1'): cannot reshape [2, 3] (6 elements) into [4, 2] (8 elements)",
    );
    expect(() => shapes('Reshape', [[2, 3], ints([-1, -1])])).toThrow('has more than one -1');
  });
  it('Transpose with perm and the default reversal', () => {
    expect(shapes('Transpose', [x4], { perm: [0, 2, 3, 1] })).toEqual([['N', 4, 5, 3]]);
    expect(shapes('Transpose', [[2, 3, 4]])).toEqual([[4, 3, 2]]);
  });
  it('Squeeze / Unsqueeze: axes attribute (< 13) and input (≥ 13), negative axes', () => {
    expect(shapes('Squeeze', [['N', 1, 3, 1]], { axes: [1, -1] }, { opset: 11 })).toEqual([['N', 3]]);
    expect(shapes('Squeeze', [['N', 1, 3, 1], ints([3])], {}, { opset: 13 })).toEqual([['N', 1, 3]]);
    expect(shapes('Squeeze', [[1, 3, 1]], {}, { opset: 13 })).toEqual([[3]]);
    expect(shapes('Unsqueeze', [['N', 3]], { axes: [0, 3] }, { opset: 11 })).toEqual([[1, 'N', 3, 1]]);
    expect(shapes('Unsqueeze', [['N', 3], ints([-1])], {}, { opset: 13 })).toEqual([['N', 3, 1]]);
  });
});

describe('Pad / Resize / Upsample', () => {
  it('Pad: attribute (< 11), input (≥ 11), axes input (18)', () => {
    const pads = [0, 0, 1, 2, 0, 0, 3, 4];
    expect(shapes('Pad', [[1, 3, 4, 4]], { pads }, { opset: 10 })).toEqual([[1, 3, 8, 10]]);
    expect(shapes('Pad', [[1, 3, 4, 4], ints(pads)], {}, { opset: 13 })).toEqual([[1, 3, 8, 10]]);
    expect(shapes('Pad', [[1, 3, 4, 4], ints([1, 0, 2, 1]), null, ints([2, 3])], {}, { opset: 18 })).toEqual([
      [1, 3, 7, 5],
    ]);
  });
  it('Resize: scales (10), roi + scales (11), sizes (13), axes (18), aspect-ratio policy', () => {
    expect(shapes('Resize', [[1, 3, 5, 5], floats([1, 1, 2, 2])], {}, { opset: 10 })).toEqual([
      [1, 3, 10, 10],
    ]);
    expect(shapes('Resize', [['N', 3, 5, 5], floats([]), floats([1, 1, 0.5, 2])], {}, { opset: 11 })).toEqual(
      [['N', 3, 2, 10]],
    );
    expect(shapes('Resize', [[1, 3, 5, 5], null, null, ints([1, 3, 7, 9])], {}, { opset: 13 })).toEqual([
      [1, 3, 7, 9],
    ]);
    expect(
      shapes('Resize', [[1, 3, 5, 5], null, null, ints([7, 9])], { axes: [2, 3] }, { opset: 18 }),
    ).toEqual([[1, 3, 7, 9]]);
    expect(
      shapes(
        'Resize',
        [[1, 3, 4, 4], null, null, ints([8, 12])],
        { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' },
        { opset: 18 },
      ),
    ).toEqual([[1, 3, 8, 8]]);
  });
  it('Upsample: scales attribute (7–8), input (9)', () => {
    expect(shapes('Upsample', [[1, 3, 5, 5]], { scales: [1, 1, 2, 2] }, { opset: 7 })).toEqual([
      [1, 3, 10, 10],
    ]);
    expect(shapes('Upsample', [[1, 3, 5, 5], floats([1, 1, 3, 3])], {}, { opset: 9 })).toEqual([
      [1, 3, 15, 15],
    ]);
  });
});

describe('Gemm / MatMul', () => {
  it('Gemm with transA / transB and a broadcast C', () => {
    const f = (...d: number[]) => Tensor.float32(d, new Float32Array(d.reduce((a, b) => a * b, 1)));
    expect(shapes('Gemm', [['N', 512], f(1000, 512), f(1000)], { transB: 1 })).toEqual([['N', 1000]]);
    expect(shapes('Gemm', [[512, 'N'], f(512, 10)], { transA: 1 })).toEqual([['N', 10]]);
    expect(() => shapes('Gemm', [[2, 512], f(10, 256)], { transB: 1 })).toThrow(
      "Gemm 'gemm' input 1 ('c1'): expected K = 512 (from A [2, 512]), got 256 (B [10, 256], transB)",
    );
  });
  it('MatMul: 1-D promotion, N-D broadcasting', () => {
    expect(shapes('MatMul', [[3], [3, 4]])).toEqual([[4]]);
    expect(shapes('MatMul', [[2, 3], [3]])).toEqual([[2]]);
    expect(shapes('MatMul', [[3], [3]])).toEqual([[]]);
    expect(
      shapes('MatMul', [
        [2, 1, 3, 4],
        [5, 4, 6],
      ]),
    ).toEqual([[2, 5, 3, 6]]);
    expect(
      shapes('MatMul', [
        ['N', 7, 4],
        [4, 6],
      ]),
    ).toEqual([['N', 7, 6]]);
  });
});

describe('reductions and shape computation', () => {
  it('ReduceMean: axes attribute (< 18) or input (18), keepdims, noop_with_empty_axes', () => {
    expect(shapes('ReduceMean', [x4], { axes: [2, 3] }, { opset: 13 })).toEqual([['N', 3, 1, 1]]);
    expect(shapes('ReduceMean', [x4], { axes: [-1], keepdims: 0 }, { opset: 13 })).toEqual([['N', 3, 4]]);
    expect(shapes('ReduceMean', [x4, ints([2, 3])], { keepdims: 0 }, { opset: 18 })).toEqual([['N', 3]]);
    expect(shapes('ReduceMean', [x4], {}, { opset: 13 })).toEqual([[1, 1, 1, 1]]);
    expect(shapes('ReduceMean', [x4], { noop_with_empty_axes: 1 }, { opset: 18 })).toEqual([x4]);
    expect(shapes('ReduceSum', [x4, ints([1])], {}, { opset: 13 })).toEqual([['N', 1, 4, 5]]);
  });
  it('Shape (start/end), Gather, Cast, Constant, ConstantOfShape, Range, Expand, Tile', () => {
    const typeOf = (
      op: string,
      inputs: OpInput[],
      attrs: Record<string, AttributeValue> = {},
      opset = 15,
    ) => {
      const { graph, node } = singleOpGraph(op, inputs, attrs, { opset });
      inferShapes(graph);
      return node.output().type;
    };
    expect(typeOf('Shape', [x4])).toEqual({ elemType: 7, shape: [4] });
    expect(typeOf('Shape', [x4], { start: 1, end: -1 })).toEqual({ elemType: 7, shape: [2] });
    expect(typeOf('Gather', [[5, 6, 7], ints([0, 2])], { axis: 1 })).toEqual({
      elemType: 1,
      shape: [5, 2, 7],
    });
    expect(typeOf('Gather', [[5, 6], Tensor.int64([], [1])])).toEqual({ elemType: 1, shape: [6] });
    expect(typeOf('Cast', [x4], { to: 6 })).toEqual({ elemType: 6, shape: x4 });
    expect(typeOf('Constant', [], { value_ints: [1, 2, 3] })).toEqual({ elemType: 7, shape: [3] });
    expect(typeOf('Constant', [], { value_float: 0.5 })).toEqual({ elemType: 1, shape: [] });
    expect(typeOf('ConstantOfShape', [ints([2, 3])])).toEqual({ elemType: 1, shape: [2, 3] });
    expect(typeOf('Range', [Tensor.int64([], [2]), Tensor.int64([], [11]), Tensor.int64([], [3])])).toEqual({
      elemType: 7,
      shape: [3],
    });
    expect(typeOf('Expand', [[3, 1], ints([2, 1, 4])])).toEqual({ elemType: 1, shape: [2, 3, 4] });
    expect(typeOf('Tile', [[3, 2], ints([2, 3])])).toEqual({ elemType: 1, shape: [6, 6] });
    expect(typeOf('Softmax', [x4], { axis: 1 })).toEqual({ elemType: 1, shape: x4 });
  });
});

describe('Gemm C', () => {
  it('accepts C that broadcasts one way, rejects the rest', () => {
    const f = (...d: number[]) => Tensor.float32(d, new Float32Array(d.reduce((a, b) => a * b, 1)));
    expect(shapes('Gemm', [[2, 3], f(3, 4), f(1, 4)])).toEqual([[2, 4]]);
    expect(shapes('Gemm', [[2, 3], f(3, 4), f(2, 1)])).toEqual([[2, 4]]);
    expect(() => shapes('Gemm', [[2, 3], f(3, 4), f(3)])).toThrow(
      "Gemm 'gemm' input 2 ('c2'): C [3] does not broadcast to [2, 4]",
    );
  });
});

// Hand-derived output shapes for the conv / pool / norm / activation families, opset variants,
// symbolic batch propagation and the typed errors.

import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '../ir/attribute.js';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import type { Dim } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import { inferShapes } from './infer-shapes.js';
import { floats, type OpInput, scalar, singleOpGraph } from './op-graph.js';

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

const w = (...dims: number[]) => Tensor.float32(dims, new Float32Array(dims.reduce((a, b) => a * b, 1)));

function shapeError(f: () => unknown): PareError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PareError);
    expect((e as PareError).code).toBe('PARE_SHAPE');
    return e as PareError;
  }
  throw new Error('expected a PARE_SHAPE error');
}

describe('Conv', () => {
  it('strided stem with explicit pads', () => {
    expect(
      shapes('Conv', [[1, 3, 224, 224], w(64, 3, 7, 7)], { strides: [2, 2], pads: [3, 3, 3, 3] }),
    ).toEqual([[1, 64, 112, 112]]);
  });
  it('grouped and depthwise, kernel from W', () => {
    expect(shapes('Conv', [['N', 8, 10, 10], w(16, 2, 3, 3)], { group: 4 })).toEqual([['N', 16, 8, 8]]);
    expect(
      shapes('Conv', [['N', 32, 14, 14], w(32, 1, 3, 3), w(32)], {
        group: 32,
        pads: [1, 1, 1, 1],
        strides: [2, 2],
      }),
    ).toEqual([['N', 32, 7, 7]]);
  });
  it('dilated, asymmetric pads and strides, 1-D', () => {
    expect(shapes('Conv', [[1, 4, 10, 10], w(4, 4, 3, 3)], { dilations: [2, 2] })).toEqual([[1, 4, 6, 6]]);
    // H: (7 + 0 + 2 − 3) / 2 + 1 = 4; W: (8 + 1 + 0 − 3) / 3 + 1 = 3
    expect(shapes('Conv', [[1, 1, 7, 8], w(1, 1, 3, 3)], { pads: [0, 1, 2, 0], strides: [2, 3] })).toEqual([
      [1, 1, 4, 3],
    ]);
    expect(shapes('Conv', [[1, 2, 10], w(4, 2, 3)])).toEqual([[1, 4, 8]]);
  });
  it('auto_pad SAME_UPPER / SAME_LOWER give ceil(in / stride), VALID drops the remainder', () => {
    for (const autoPad of ['SAME_UPPER', 'SAME_LOWER']) {
      expect(shapes('Conv', [[1, 1, 7, 7], w(2, 1, 3, 3)], { auto_pad: autoPad, strides: [2, 2] })).toEqual([
        [1, 2, 4, 4],
      ]);
    }
    expect(shapes('Conv', [[1, 1, 7, 7], w(2, 1, 3, 3)], { auto_pad: 'VALID', strides: [2, 2] })).toEqual([
      [1, 2, 3, 3],
    ]);
  });
  it('a symbolic spatial dim becomes unknown, the batch symbol survives', () => {
    expect(shapes('Conv', [['N', 3, 'H', 8], w(4, 3, 3, 3)])).toEqual([['N', 4, null, 6]]);
  });
  it('names the node and W on a channel mismatch', () => {
    const e = shapeError(() => shapes('Conv', [[1, 6, 8, 8], w(4, 4, 3, 3)], { group: 2 }));
    expect(e.message).toBe(
      "Conv 'conv' input 1 ('c1'): expected 3 input channels per group (X has 6, group 2), got 4",
    );
    expect(e.node?.name).toBe('conv');
  });
});

describe('ConvTranspose', () => {
  it('stride, pads, output_padding; groups multiply W dim 1', () => {
    // 2·(4 − 1) + 1 + 3 − 2 = 8
    expect(
      shapes('ConvTranspose', [[1, 8, 4, 4], w(8, 4, 3, 3)], {
        strides: [2, 2],
        pads: [1, 1, 1, 1],
        output_padding: [1, 1],
      }),
    ).toEqual([[1, 4, 8, 8]]);
    expect(
      shapes('ConvTranspose', [['N', 8, 4, 4], w(8, 2, 4, 4)], {
        group: 2,
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      }),
    ).toEqual([['N', 4, 8, 8]]);
  });
  it('output_shape and auto_pad SAME', () => {
    expect(
      shapes('ConvTranspose', [[1, 8, 4, 4], w(8, 4, 3, 3)], { strides: [2, 2], output_shape: [9, 9] }),
    ).toEqual([[1, 4, 9, 9]]);
    expect(
      shapes('ConvTranspose', [[1, 8, 4, 4], w(8, 4, 3, 3)], { strides: [2, 2], auto_pad: 'SAME_UPPER' }),
    ).toEqual([[1, 4, 8, 8]]);
  });
});

describe('pooling', () => {
  it('MaxPool with pads, dilations and the Indices output', () => {
    expect(
      shapes('MaxPool', [['N', 64, 112, 112]], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
    ).toEqual([['N', 64, 56, 56]]);
    expect(shapes('MaxPool', [[1, 2, 10, 10]], { kernel_shape: [3, 3], dilations: [2, 2] })).toEqual([
      [1, 2, 6, 6],
    ]);
    const { graph, node } = singleOpGraph(
      'MaxPool',
      [[1, 2, 4, 4]],
      { kernel_shape: [2, 2], strides: [2, 2] },
      { outputs: 2 },
    );
    inferShapes(graph);
    expect(node.outputs.map((o) => o.type)).toEqual([
      { elemType: 1, shape: [1, 2, 2, 2] },
      { elemType: 7, shape: [1, 2, 2, 2] },
    ]);
  });
  it('ceil_mode rounds up but drops a window that starts in the end padding', () => {
    const pool = { kernel_shape: [3, 3], strides: [2, 2] };
    expect(shapes('MaxPool', [[1, 1, 6, 6]], pool)).toEqual([[1, 1, 2, 2]]);
    expect(shapes('MaxPool', [[1, 1, 6, 6]], { ...pool, ceil_mode: 1 })).toEqual([[1, 1, 3, 3]]);
    // k2 s2 p1 on 5: ceil((7 − 2) / 2) + 1 = 4, but window 4 starts at 6 ≥ 5 + 1 → 3.
    expect(
      shapes('AveragePool', [[1, 1, 5, 5]], {
        kernel_shape: [2, 2],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
        ceil_mode: 1,
      }),
    ).toEqual([[1, 1, 3, 3]]);
  });
  it('AveragePool auto_pad and the global pools', () => {
    expect(
      shapes('AveragePool', [[1, 3, 7, 7]], {
        kernel_shape: [2, 2],
        strides: [2, 2],
        auto_pad: 'SAME_UPPER',
      }),
    ).toEqual([[1, 3, 4, 4]]);
    for (const op of ['GlobalAveragePool', 'GlobalMaxPool']) {
      expect(shapes(op, [['N', 512, 7, 7]])).toEqual([['N', 512, 1, 1]]);
    }
  });
  it('requires kernel_shape', () => {
    expect(shapeError(() => shapes('MaxPool', [[1, 1, 4, 4]])).message).toBe(
      "MaxPool 'maxpool': attribute kernel_shape is required",
    );
  });
});

describe('normalisation and activations', () => {
  it('BatchNormalization keeps the shape and checks per-channel vectors', () => {
    const c = w(16);
    expect(shapes('BatchNormalization', [['N', 16, 8, 8], c, c, c, c])).toEqual([['N', 16, 8, 8]]);
    const e = shapeError(() => shapes('BatchNormalization', [['N', 16, 8, 8], c, w(8), c, c]));
    expect(e.message).toBe(
      "BatchNormalization 'batchnormalization' input 2 ('c2'): expected shape [16] (one value per channel of X), got [8]",
    );
  });
  it('every activation keeps shape and element type', () => {
    const x: Dim[] = ['N', 8, 5, 5];
    for (const op of [
      'Relu',
      'Sigmoid',
      'Tanh',
      'HardSigmoid',
      'HardSwish',
      'LeakyRelu',
      'Elu',
      'Softplus',
      'Softmax',
      'Identity',
    ]) {
      expect(shapes(op, [x]), op).toEqual([x]);
    }
    expect(shapes('PRelu', [x, w(8, 1, 1)])).toEqual([x]);
  });
  it('Clip: min/max attributes before opset 11, optional inputs after', () => {
    expect(shapes('Clip', [[2, 3]], { min: 0, max: 6 }, { opset: 9 })).toEqual([[2, 3]]);
    expect(shapes('Clip', [[2, 3], scalar(0), scalar(6)], {}, { opset: 13 })).toEqual([[2, 3]]);
    expect(shapes('Clip', [[2, 3], null, scalar(6)], {}, { opset: 13 })).toEqual([[2, 3]]);
  });
  it('Dropout: Y and a bool mask', () => {
    const { graph, node } = singleOpGraph('Dropout', [['N', 4]], {}, { outputs: 2 });
    inferShapes(graph);
    expect(node.outputs.map((o) => o.type)).toEqual([
      { elemType: 1, shape: ['N', 4] },
      { elemType: 9, shape: ['N', 4] },
    ]);
  });
  it('LayerNormalization stats keep the leading axes', () => {
    const { graph, node } = singleOpGraph(
      'LayerNormalization',
      [[2, 5, 8], floats(new Array(8).fill(1))],
      { axis: -1 },
      { opset: 17, outputs: 3 },
    );
    inferShapes(graph);
    expect(node.outputs.map((o) => o.type?.shape)).toEqual([
      [2, 5, 8],
      [2, 5, 1],
      [2, 5, 1],
    ]);
  });
});

describe('graph-level behaviour', () => {
  it('propagates a symbolic batch and fixes dynamic H/W from inputShapes', () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['batch', 3, 'H', 'W']);
    const y = b.relu(b.conv(x, { out: 8, kernel: 3, stride: 2, pad: 1 }));
    b.output(b.gemm(b.flatten(b.globalAvgPool(y)), 4));
    const g = b.build();
    inferShapes(g);
    expect(g.outputs[0]!.type?.shape).toEqual(['batch', 4]);
    expect(y.type?.shape).toEqual(['batch', 8, null, null]);
    inferShapes(g, { inputShapes: { x: [-1, 3, 32, 30] } });
    expect(y.type?.shape).toEqual(['batch', 8, 16, 15]);
    inferShapes(g, { batch: 2 });
    expect(g.outputs[0]!.type?.shape).toEqual([2, 4]);
  });
  it('names an unnamed dynamic batch N', () => {
    const { graph, node } = singleOpGraph('Relu', [[null, 3]]);
    inferShapes(graph);
    expect(node.output().type?.shape).toEqual(['N', 3]);
  });
  it('rejects inputShapes that contradict the model or name no input', () => {
    const { graph } = singleOpGraph('Relu', [[1, 3, 8, 8]]);
    expect(shapeError(() => inferShapes(graph, { inputShapes: { x0: [1, 3, 16, 16] } })).message).toBe(
      "input 'x0' dim 2: the model fixes it to 8, got 16",
    );
    expect(shapeError(() => inferShapes(graph, { inputShapes: { image: [1, 3, 8, 8] } })).notes).toEqual([
      "graph inputs: 'x0'",
    ]);
  });
  it('a zero-size dim is a PARE_SHAPE error naming the node, with a hint', () => {
    const e = shapeError(() => shapes('Conv', [[1, 3, 2, 2], w(4, 3, 3, 3)], {}, {}));
    expect(e.message).toBe(
      "Conv 'conv' output 'y0': dim 2 is 0 (shape [1, 4, 0, 0]; inputs x0 [1, 3, 2, 2], c1 [4, 3, 3, 3])",
    );
    expect(e.notes[0]).toContain('--input-shape');
  });
  it('contradictory Add shapes name the node, the input and both dims', () => {
    const e = shapeError(() =>
      shapes(
        'Add',
        [
          ['N', 3, 4],
          [5, 4],
        ],
        {},
        {},
      ),
    );
    expect(e.message).toBe(
      "Add 'add' input 1 ('x1'): shape [5, 4] does not broadcast with [N, 3, 4]: output axis 1 expected 3 (or 1), got 5",
    );
  });
  it('an op without a rule is a warning; what depends on it stays untyped', () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 8, 4, 4]);
    const y = b.op('DepthToSpace', [x], { blocksize: 2 }, { name: 'd2s' });
    const z = b.relu(y);
    b.graph.addOutput(z); // b.output would declare the builder's guess as its type
    const diags = inferShapes(b.build());
    expect(diags).toHaveLength(1);
    expect(diags[0]).toMatchObject({ code: 'PARE_UNSUPPORTED_OP', severity: 'warning' });
    expect(diags[0]!.text).toBe("DepthToSpace 'd2s': no shape rule; its outputs stay untyped");
    expect(y.type).toBeUndefined();
    expect(z.type).toBeUndefined();
  });
});

describe('declared types', () => {
  it('keeps a graph output type it cannot derive, recomputes intermediate ones', () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 8, 4, 4]);
    const mid = b.relu(x);
    mid.type = { elemType: 1, shape: [7, 7] }; // stale value_info
    const y = b.op('DepthToSpace', [mid], { blocksize: 2 }, { name: 'd2s' });
    b.graph.addOutput(y);
    y.type = { elemType: 1, shape: ['N', 2, 8, 8] };
    expect(inferShapes(b.build())).toEqual([]);
    expect(mid.type?.shape).toEqual(['N', 8, 4, 4]);
    expect(y.type?.shape).toEqual(['N', 2, 8, 8]);
  });
});

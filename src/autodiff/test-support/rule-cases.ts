// Finite-difference cases for every gradient rule, keyed by op type like the registry itself, so a
// rule without a case does not compile. float64 where ORT has a double kernel; float32 otherwise,
// with inputs kept away from kinks and ε chosen so central differences are exact for (piecewise)
// linear and quadratic ops.

import { Tensor } from '../../ir/tensor.js';
import type { GradOpType } from '../registry.js';
import { avoiding, away, f32, ints, linear32, positive, scalar, x } from './case-helpers.js';
import type { OpCase } from './grad-check.js';
import { windowCases } from './window-cases.js';

export const ruleCases = {
  Add: [
    { name: 'add same shape', op: 'Add', inputs: [x(2, 3), x(2, 3)] },
    { name: 'add broadcast channel', op: 'Add', inputs: [x(2, 3, 4, 2), x(3, 1, 1)] },
    { name: 'add scalar', op: 'Add', inputs: [x(2, 3), x()] },
  ],
  Sub: [{ name: 'sub two-way broadcast', op: 'Sub', inputs: [x(2, 1, 4), x(3, 1)] }],
  Mul: [
    { name: 'mul broadcast', op: 'Mul', inputs: [x(2, 3, 4), x(1, 3, 1)] },
    { name: 'mul by itself', op: 'Mul', inputs: [x(3, 2), x(3, 2)] },
  ],
  Div: [{ name: 'div broadcast', op: 'Div', inputs: [x(2, 3, 2), away(0.5, 3, 1)] }],
  Sum: [{ name: 'sum three with broadcast', op: 'Sum', inputs: [x(2, 3), x(3), x(2, 1)] }],
  Neg: [{ name: 'neg', op: 'Neg', inputs: [x(2, 3)] }],
  Identity: [{ name: 'identity', op: 'Identity', inputs: [x(2, 3)] }],
  Relu: [{ name: 'relu', op: 'Relu', inputs: [away(0.1, 2, 3, 4)] }],
  LeakyRelu: [
    { name: 'leaky relu', op: 'LeakyRelu', inputs: [away(0.2, 2, 3, 4)], attrs: { alpha: 0.1 }, ...f32 },
  ],
  PRelu: [
    { name: 'prelu channel slope', op: 'PRelu', inputs: [away(0.2, 2, 3, 2, 2), x(3, 1, 1)], ...f32 },
    { name: 'prelu scalar-like slope', op: 'PRelu', inputs: [away(0.2, 2, 4), x(1)], ...f32 },
  ],
  Clip: [
    {
      name: 'clip min max',
      op: 'Clip',
      inputs: [avoiding([-0.5, 0.5], 0.05, -1.5, 1.5, 3, 4), scalar(-0.5), scalar(0.5)],
    },
    { name: 'clip min only', op: 'Clip', inputs: [avoiding([0], 0.05, -1, 1, 3, 4), scalar(0)] },
  ],
  Sigmoid: [{ name: 'sigmoid', op: 'Sigmoid', inputs: [x(2, 5)] }],
  HardSigmoid: [
    {
      name: 'hard sigmoid',
      op: 'HardSigmoid',
      inputs: [avoiding([-2.5, 2.5], 0.2, -4, 4, 3, 5)],
      ...f32,
    },
    {
      name: 'hard sigmoid alpha beta',
      op: 'HardSigmoid',
      inputs: [avoiding([-2, 3], 0.2, -4, 5, 20)],
      attrs: { alpha: 0.2, beta: 0.4 },
      ...f32,
    },
  ],
  HardSwish: [{ name: 'hard swish', op: 'HardSwish', inputs: [avoiding([-3, 3], 0.2, -5, 5, 4, 6)], ...f32 }],
  Tanh: [{ name: 'tanh', op: 'Tanh', inputs: [x(2, 5)] }],
  Exp: [{ name: 'exp', op: 'Exp', inputs: [x(2, 5)] }],
  Log: [{ name: 'log', op: 'Log', inputs: [positive(2, 5)] }],
  Sqrt: [{ name: 'sqrt', op: 'Sqrt', inputs: [positive(2, 5)] }],
  Reciprocal: [{ name: 'reciprocal', op: 'Reciprocal', inputs: [away(0.5, 2, 5)] }],
  Where: [
    {
      name: 'where broadcast',
      op: 'Where',
      inputs: [
        {
          shape: [2, 3],
          kind: 'const',
          data: Tensor.from('bool', [2, 3], Uint8Array.from([1, 0, 1, 1, 0, 0])),
        },
        x(2, 3),
        x(3),
      ],
    },
  ],
  Softmax: [
    { name: 'softmax axis 1', op: 'Softmax', inputs: [x(2, 5, 3)], attrs: { axis: 1 } },
    { name: 'softmax opset 11 flattens', op: 'Softmax', inputs: [x(2, 3, 4)], attrs: { axis: 1 }, opset: 11 },
  ],
  LogSoftmax: [
    { name: 'log softmax last axis', op: 'LogSoftmax', inputs: [x(3, 6)] },
    { name: 'log softmax opset 11', op: 'LogSoftmax', inputs: [x(2, 3, 4)], attrs: { axis: 1 }, opset: 11 },
  ],
  ReduceSum: [
    { name: 'reduce sum axis 1', op: 'ReduceSum', inputs: [x(2, 3, 4), ints(1)], attrs: { keepdims: 0 } },
    { name: 'reduce sum keepdims', op: 'ReduceSum', inputs: [x(2, 3, 4), ints(0, -1)] },
    { name: 'reduce sum all', op: 'ReduceSum', inputs: [x(2, 3)], attrs: { keepdims: 0 } },
    {
      name: 'reduce sum opset 11',
      op: 'ReduceSum',
      inputs: [x(2, 3, 4)],
      attrs: { axes: [2], keepdims: 0 },
      opset: 11,
    },
  ],
  ReduceMean: [
    { name: 'reduce mean bn axes', op: 'ReduceMean', inputs: [x(2, 3, 4, 2)], attrs: { axes: [0, 2, 3] } },
    {
      name: 'reduce mean opset 18',
      op: 'ReduceMean',
      inputs: [x(2, 3, 4), ints(1)],
      attrs: { keepdims: 0 },
      opset: 18,
    },
    {
      name: 'reduce mean symbolic batch',
      op: 'ReduceMean',
      inputs: [x(3, 4)],
      attrs: { axes: [0], keepdims: 0 },
      symbolicBatch: true,
    },
  ],
  ReduceSumSquare: [
    {
      name: 'reduce sum square bn axes',
      op: 'ReduceSumSquare',
      inputs: [x(2, 3, 2, 2)],
      attrs: { axes: [0, 2, 3], keepdims: 0 },
    },
    { name: 'reduce sum square opset 18', op: 'ReduceSumSquare', inputs: [x(2, 3), ints(1)], opset: 18 },
  ],
  Flatten: [
    { name: 'flatten', op: 'Flatten', inputs: [x(2, 3, 2, 2)], attrs: { axis: 1 }, symbolicBatch: true },
  ],
  Reshape: [{ name: 'reshape', op: 'Reshape', inputs: [x(2, 3, 4), ints(4, 6)] }],
  Squeeze: [{ name: 'squeeze', op: 'Squeeze', inputs: [x(2, 1, 3), ints(1)] }],
  Unsqueeze: [{ name: 'unsqueeze', op: 'Unsqueeze', inputs: [x(2, 3), ints(0, 3)] }],
  Transpose: [
    { name: 'transpose perm', op: 'Transpose', inputs: [x(2, 3, 4)], attrs: { perm: [2, 0, 1] } },
    { name: 'transpose default', op: 'Transpose', inputs: [x(2, 3, 4)] },
  ],
  Concat: [
    {
      name: 'concat channels',
      op: 'Concat',
      inputs: [x(2, 1, 3), x(2, 2, 3), x(2, 3, 3)],
      attrs: { axis: 1 },
    },
    {
      name: 'concat last axis opset 11',
      op: 'Concat',
      inputs: [x(2, 2), x(2, 3)],
      attrs: { axis: -1 },
      opset: 11,
    },
  ],
  Split: [
    { name: 'split sizes', op: 'Split', inputs: [x(2, 3, 2), ints(1, 2)], attrs: { axis: 1 }, outputs: 2 },
    {
      name: 'split one output unused',
      op: 'Split',
      inputs: [x(4, 3), ints(1, 3)],
      attrs: { axis: 0 },
      outputs: 2,
      lossOutputs: [1],
    },
  ],
  Slice: [
    { name: 'slice step 1', op: 'Slice', inputs: [x(4, 5), ints(1, 0), ints(3, 4), ints(0, 1)] },
    {
      name: 'slice step 2 negative start',
      op: 'Slice',
      inputs: [x(3, 7), ints(-6), ints(100), ints(1), ints(2)],
    },
    { name: 'slice step -1', op: 'Slice', inputs: [x(3, 5), ints(-1), ints(-100), ints(1), ints(-1)] },
    { name: 'slice step -2', op: 'Slice', inputs: [x(6, 2), ints(4), ints(0), ints(0), ints(-2)] },
    {
      name: 'slice step 3 both axes',
      op: 'Slice',
      inputs: [x(7, 8), ints(1, 2), ints(7, 8), ints(0, 1), ints(3, 2)],
    },
  ],
  Resize: [
    {
      name: 'resize nearest 2 × 3 by scales',
      op: 'Resize',
      inputs: [x(2, 3, 2, 2), null, { shape: [4], kind: 'const', data: Tensor.float32([4], [1, 1, 2, 3]) }],
      opset: 13,
      ...linear32,
    },
    {
      name: 'resize nearest asymmetric floor by sizes',
      op: 'Resize',
      inputs: [x(1, 2, 3, 2), null, null, ints(1, 2, 6, 4)],
      attrs: { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
      opset: 13,
      ...linear32,
    },
  ],
  Pad: [
    { name: 'pad constant', op: 'Pad', inputs: [x(2, 3, 3), ints(0, 1, 2, 0, 2, 1)] },
    { name: 'pad negative crops', op: 'Pad', inputs: [x(2, 5), ints(1, -1, -1, 2)] },
  ],
  Dropout: [
    { name: 'dropout inference', op: 'Dropout', inputs: [x(2, 3)] },
    {
      name: 'dropout explicit training off',
      op: 'Dropout',
      inputs: [
        x(2, 3),
        scalar(0.3, 'float32'),
        { shape: [], kind: 'const', data: Tensor.from('bool', [], Uint8Array.from([0])) },
      ],
      ...f32,
    },
  ],
  ...windowCases,
} satisfies Record<GradOpType, readonly OpCase[]>;

// Finite-difference cases for every gradient rule, keyed by op type like the registry itself, so a
// rule without a case does not compile. float64 where ORT has a double kernel; float32 otherwise,
// with inputs kept away from kinks and ε chosen so central differences are exact for (piecewise)
// linear and quadratic ops.

import { Tensor } from '../../ir/tensor.js';
import type { Rng } from '../../util/rng.js';
import type { GradOpType } from '../registry.js';
import type { InputSpec, OpCase } from './grad-check.js';

const x = (...shape: number[]): InputSpec => ({ shape });
const away = (a: number, ...shape: number[]): InputSpec => ({ shape, away: a });
const positive = (...shape: number[]): InputSpec => ({ shape, sample: (r, n) => uniform(r, n, 0.5, 2) });
const ints = (...values: number[]): InputSpec => ({
  shape: [values.length],
  kind: 'const',
  data: Tensor.int64([values.length], values),
});
const scalar = (v: number, dtype: 'float32' | 'float64' = 'float64'): InputSpec => ({
  shape: [],
  kind: 'const',
  data: Tensor.scalar(dtype, v),
});
const uniform = (r: Rng, n: number, lo: number, hi: number) =>
  Array.from({ length: n }, () => r.uniform(lo, hi));
/** Distinct values 0.05 apart in random order: no ties inside pooling windows. */
const distinct = (...shape: number[]): InputSpec => ({
  shape,
  sample: (r, n) => Array.from(r.permutation(n), (p) => (p - n / 2) * 0.05),
});
/** Uniform in [lo, hi] but never within `gap` of the kinks. */
const avoiding = (
  kinks: readonly number[],
  gap: number,
  lo: number,
  hi: number,
  ...shape: number[]
): InputSpec => ({
  shape,
  sample: (r, n) =>
    Array.from({ length: n }, () => {
      for (;;) {
        const v = r.uniform(lo, hi);
        if (kinks.every((k) => Math.abs(v - k) > gap)) return v;
      }
    }),
});
const f32 = { dtype: 'float32', eps: 0.05, rtol: 1e-3, atol: 1e-3 } as const;
/** Linear in each input: central differences are exact, so a large ε keeps float32 rounding small. */
const linear32 = { dtype: 'float32', eps: 0.5, rtol: 1e-3, atol: 1e-3 } as const;
const conv = (
  name: string,
  xs: number[],
  ws: number[],
  attrs: OpCase['attrs'],
  extra: Partial<OpCase> = {},
): OpCase => {
  const { inputs: more = [], ...rest } = extra;
  return {
    name,
    op: 'Conv',
    inputs: [x(...xs), x(...ws), ...more],
    attrs: attrs ?? {},
    ...linear32,
    ...rest,
  };
};

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
  MaxPool: [
    {
      name: 'max pool 2x2',
      op: 'MaxPool',
      inputs: [distinct(2, 2, 4, 4)],
      attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    },
    {
      name: 'max pool 3x3 s2 p1 overlap',
      op: 'MaxPool',
      inputs: [distinct(1, 2, 5, 5)],
      attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    },
    {
      name: 'max pool dilated ceil',
      op: 'MaxPool',
      inputs: [distinct(1, 2, 7, 6)],
      attrs: { kernel_shape: [2, 2], strides: [2, 1], dilations: [2, 2], ceil_mode: 1 },
    },
    {
      name: 'max pool opset 12',
      op: 'MaxPool',
      inputs: [distinct(2, 1, 4, 6)],
      attrs: { kernel_shape: [2, 3], strides: [2, 3] },
      opset: 12,
    },
    {
      name: 'max pool symbolic batch',
      op: 'MaxPool',
      inputs: [distinct(2, 2, 4, 4)],
      attrs: { kernel_shape: [3, 3], strides: [1, 1] },
      symbolicBatch: true,
    },
  ],
  AveragePool: [
    {
      name: 'avg pool 2x2',
      op: 'AveragePool',
      inputs: [x(2, 2, 4, 4)],
      attrs: { kernel_shape: [2, 2], strides: [2, 2] },
      ...linear32,
    },
    {
      name: 'avg pool pad exclude',
      op: 'AveragePool',
      inputs: [x(1, 2, 5, 5)],
      attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
      ...linear32,
    },
    {
      name: 'avg pool pad include',
      op: 'AveragePool',
      inputs: [x(1, 2, 5, 5)],
      attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 2], count_include_pad: 1 },
      ...linear32,
    },
    {
      name: 'avg pool ceil mode',
      op: 'AveragePool',
      inputs: [x(1, 1, 6, 6)],
      attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 },
      ...linear32,
    },
  ],
  GlobalAveragePool: [
    { name: 'global avg pool', op: 'GlobalAveragePool', inputs: [x(2, 3, 4, 5)], ...linear32 },
    {
      name: 'global avg pool symbolic batch',
      op: 'GlobalAveragePool',
      inputs: [x(2, 3, 2, 2)],
      symbolicBatch: true,
      ...linear32,
    },
  ],
  Gemm: [
    { name: 'gemm plain', op: 'Gemm', inputs: [x(3, 4), x(4, 5), x(5)] },
    {
      name: 'gemm transB alpha beta',
      op: 'Gemm',
      inputs: [x(3, 4), x(5, 4), x(1, 5)],
      attrs: { transB: 1, alpha: 0.5, beta: 2 },
    },
    { name: 'gemm transA', op: 'Gemm', inputs: [x(4, 3), x(4, 5), x(3, 5)], attrs: { transA: 1 } },
    {
      name: 'gemm both transposed no C',
      op: 'Gemm',
      inputs: [x(4, 3), x(5, 4)],
      attrs: { transA: 1, transB: 1, alpha: 1.5 },
    },
  ],
  MatMul: [
    { name: 'matmul 2d', op: 'MatMul', inputs: [x(3, 4), x(4, 2)] },
    { name: 'matmul batched broadcast', op: 'MatMul', inputs: [x(2, 1, 3, 4), x(3, 4, 2)] },
  ],
  Conv: [
    conv('conv 3x3 pad 1 bias', [2, 3, 5, 5], [4, 3, 3, 3], { pads: [1, 1, 1, 1] }, { inputs: [x(4)] }),
    conv('conv stride 2 odd', [1, 2, 7, 7], [3, 2, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }),
    conv('conv stride 2 remainder', [1, 2, 6, 6], [3, 2, 3, 3], { strides: [2, 2] }),
    conv('conv dilation 2 asym pads', [1, 2, 7, 6], [2, 2, 3, 2], { dilations: [2, 2], pads: [0, 1, 2, 0] }),
    conv('conv groups 2', [2, 4, 5, 5], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] }),
    conv('conv depthwise stride 2', [2, 4, 6, 6], [4, 1, 3, 3], {
      group: 4,
      strides: [2, 2],
      pads: [1, 1, 1, 1],
    }),
    conv('conv 1x1 stride 2', [2, 3, 5, 5], [2, 3, 1, 1], { strides: [2, 2] }),
    conv('conv same upper stride 2', [1, 2, 5, 6], [2, 2, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }),
    conv('conv 1d', [2, 2, 9], [3, 2, 3], { strides: [2], pads: [1, 0] }),
    conv(
      'conv symbolic batch',
      [2, 2, 5, 5],
      [4, 1, 3, 3],
      { pads: [1, 1, 1, 1], group: 2 },
      { symbolicBatch: true },
    ),
  ],
  ConvTranspose: [
    {
      name: 'conv transpose 3x3',
      op: 'ConvTranspose',
      inputs: [x(2, 3, 4, 4), x(3, 2, 3, 3), x(2)],
      attrs: { pads: [1, 1, 1, 1] },
      ...linear32,
    },
    {
      name: 'conv transpose stride 2 output padding',
      op: 'ConvTranspose',
      inputs: [x(1, 2, 3, 3), x(2, 3, 3, 3)],
      attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
      ...linear32,
    },
    {
      name: 'conv transpose groups dilation',
      op: 'ConvTranspose',
      inputs: [x(1, 4, 4, 4), x(4, 1, 2, 2)],
      attrs: { group: 2, dilations: [2, 2], strides: [2, 2] },
      ...linear32,
    },
  ],
  BatchNormalization: [
    {
      name: 'batch norm inference',
      op: 'BatchNormalization',
      inputs: [
        x(2, 3, 3, 2),
        x(3),
        x(3),
        { shape: [3], kind: 'const', data: Tensor.from('float64', [3], Float64Array.from([0.1, -0.2, 0.3])) },
        { shape: [3], kind: 'const', data: Tensor.from('float64', [3], Float64Array.from([0.5, 1.5, 2])) },
      ],
      attrs: { epsilon: 1e-3 },
    },
    {
      name: 'batch norm with batch statistics as inputs',
      op: 'BatchNormalization',
      inputs: [x(3, 2, 2, 2), x(2), x(2), x(2), positive(2)],
      attrs: { epsilon: 1e-2 },
    },
  ],
} satisfies Record<GradOpType, readonly OpCase[]>;

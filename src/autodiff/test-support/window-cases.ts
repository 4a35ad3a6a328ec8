// Finite-difference cases of the window, matrix and normalisation rules: strides, paddings,
// dilations, groups (depthwise too), ceil mode, count_include_pad and a symbolic batch.

import { Tensor } from '../../ir/tensor.js';
import { conv, distinct, linear32, positive, x } from './case-helpers.js';
import type { OpCase } from './grad-check.js';

export const windowCases = {
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
} satisfies Record<string, readonly OpCase[]>;

// Finite-difference checks (through ONNX Runtime) of convolution, pooling, matrix and norm rules:
// strides, paddings, dilations, groups (depthwise too), ceil mode and a symbolic batch.

import { describe } from 'vitest';
import { finiteDifferenceTests } from './test-support/run-cases.js';

describe('window and matrix gradient rules', () => {
  finiteDifferenceTests([
    'Conv',
    'ConvTranspose',
    'MaxPool',
    'AveragePool',
    'GlobalAveragePool',
    'Gemm',
    'MatMul',
    'BatchNormalization',
  ]);
});

// Finite-difference checks (through ONNX Runtime) of convolution, pooling, matrix and norm rules:
// strides, paddings, dilations, groups (depthwise too), ceil mode and a symbolic batch.

import { describe } from 'vitest';
import type { Model } from '../ir/model.js';
import { Session } from '../runtime/session.js';
import { finiteDifferenceTests } from './test-support/run-cases.js';

const open = (m: Model) => Session.create(m, { threads: 1 });

describe('window and matrix gradient rules', () => {
  finiteDifferenceTests(
    [
      'Conv',
      'ConvTranspose',
      'MaxPool',
      'AveragePool',
      'GlobalAveragePool',
      'Gemm',
      'MatMul',
      'BatchNormalization',
    ],
    open,
  );
});

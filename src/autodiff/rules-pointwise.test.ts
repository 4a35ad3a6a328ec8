// Finite-difference checks (through ONNX Runtime) of the elementwise, activation and reduction rules.

import { describe } from 'vitest';
import type { Model } from '../ir/model.js';
import { Session } from '../runtime/session.js';
import { finiteDifferenceTests } from './test-support/run-cases.js';

const open = (m: Model) => Session.create(m, { threads: 1 });

describe('pointwise gradient rules', () => {
  finiteDifferenceTests(
    [
      'Add',
      'Sub',
      'Mul',
      'Div',
      'Sum',
      'Neg',
      'Identity',
      'Relu',
      'LeakyRelu',
      'PRelu',
      'Clip',
      'Sigmoid',
      'HardSigmoid',
      'HardSwish',
      'Tanh',
      'Exp',
      'Log',
      'Sqrt',
      'Reciprocal',
      'Where',
      'Softmax',
      'LogSoftmax',
      'ReduceSum',
      'ReduceMean',
      'Dropout',
    ],
    open,
  );
});

// Finite-difference checks (through ONNX Runtime) of the rules that move data around.

import { describe } from 'vitest';
import { finiteDifferenceTests } from './test-support/run-cases.js';

describe('layout gradient rules', () => {
  finiteDifferenceTests([
    'Flatten',
    'Reshape',
    'Squeeze',
    'Unsqueeze',
    'Transpose',
    'Concat',
    'Split',
    'Slice',
    'Pad',
  ]);
});

// Finite-difference checks (through ONNX Runtime) of the rules that move data around.

import { describe } from 'vitest';
import type { Model } from '../ir/model.js';
import { Session } from '../runtime/session.js';
import { finiteDifferenceTests } from './test-support/run-cases.js';

const open = (m: Model) => Session.create(m, { threads: 1 });

describe('layout gradient rules', () => {
  finiteDifferenceTests(
    ['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Transpose', 'Concat', 'Split', 'Slice', 'Pad', 'Resize'],
    open,
  );
});

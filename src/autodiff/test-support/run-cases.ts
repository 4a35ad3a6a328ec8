// Test support: one vitest case per finite-difference case of the given ops.

import { expect, it } from 'vitest';
import type { Open } from '../executor.js';
import type { GradOpType } from '../registry.js';
import { checkGradient } from './grad-check.js';
import { ruleCases } from './rule-cases.js';

export function finiteDifferenceTests(ops: readonly GradOpType[], open: Open): void {
  for (const op of ops) {
    for (const c of ruleCases[op]) {
      it(`${op}: ${c.name}`, async () => {
        const results = await checkGradient(c, open);
        expect(results.length).toBeGreaterThan(0);
      });
    }
  }
}

// Reciprocal: y = 1/x, dx = −dy·y².

import type { GradRule } from '../grad-rule.js';

export const reciprocalGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, y }) => [e.op('Neg', [e.op('Mul', [dy(), e.op('Mul', [y(), y()])])])],
};

// Sum (variadic add): every input receives dy, reduced to its own shape by the driver.

import type { GradRule } from '../grad-rule.js';

export const sumGrad: GradRule = {
  differentiable: Array.from({ length: 64 }, (_, i) => i),
  broadcastDy: true,
  backward: (ctx) => ctx.node.inputs.map((_, i) => (ctx.needs(i) ? ctx.dy() : undefined)),
};

// Sub: a − b, so da = dy and db = −dy.

import type { GradRule } from '../grad-rule.js';

export const subGrad: GradRule = {
  differentiable: [0, 1],
  broadcastDy: true,
  backward: (ctx) => [ctx.dy(), ctx.needs(1) ? ctx.e.op('Neg', [ctx.dy()]) : undefined],
};

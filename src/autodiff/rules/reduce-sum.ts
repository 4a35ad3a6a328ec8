// ReduceSum: dy with the reduced axes restored (extent 1); it broadcasts to the input's shape.

import type { GradRule } from '../grad-rule.js';
import { reduceAxes } from './reduce-axes.js';

export const reduceSumGrad: GradRule = {
  differentiable: [0],
  backward: (ctx) => {
    const { e, dy, x, node, shape } = ctx;
    const axes = reduceAxes(ctx, shape(x(0)).length);
    const kept = node.attrInt('keepdims', 1) === 1 || axes.length === 0 ? dy() : e.unsqueeze(dy(), axes);
    // Unexpanded: the driver broadcasts it where it is consumed.
    return [kept];
  },
};

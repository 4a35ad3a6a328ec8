// ReduceSumSquare: dx = 2·x·dy, dy with the reduced axes restored (one full-size pass).

import type { GradRule } from '../grad-rule.js';
import { reduceAxes } from './reduce-axes.js';

export const reduceSumSquareGrad: GradRule = {
  differentiable: [0],
  backward: (ctx) => {
    const { e, dy, x, node, shape } = ctx;
    const axes = reduceAxes(ctx, shape(x(0)).length);
    const kept = node.attrInt('keepdims', 1) === 1 || axes.length === 0 ? dy() : e.unsqueeze(dy(), axes);
    return [e.op('Mul', [e.op('Mul', [kept, e.scalarLike(2, dy())]), x(0)])];
  },
};

// HardSigmoid: y = clamp(alpha·x + beta, 0, 1); dx = alpha·dy strictly inside the linear part.

import type { GradRule } from '../grad-rule.js';

export const hardSigmoidGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, y, node }) => {
    const alpha = e.scalarLike(node.attrFloat('alpha', 0.2), y());
    const zero = e.scalarLike(0, y());
    const inside = e.op('And', [e.op('Greater', [y(), zero]), e.op('Less', [y(), e.scalarLike(1, y())])]);
    return [e.op('Where', [inside, e.op('Mul', [dy(), alpha]), zero])];
  },
};

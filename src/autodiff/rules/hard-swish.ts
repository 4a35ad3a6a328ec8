// HardSwish: y = x·clamp(x/6 + 1/2, 0, 1). dy/dx is 0 below −3, x/3 + 1/2 up to 3, 1 above
// (PyTorch's hardswish_backward convention at the kinks).

import type { GradRule } from '../grad-rule.js';

export const hardSwishGrad: GradRule = {
  differentiable: [0],
  broadcastDy: true,
  backward: ({ e, dy, x }) => {
    const v = x(0);
    const c = (k: number) => e.scalarLike(k, v);
    const ramp = e.op('Add', [e.op('Mul', [v, c(1 / 3)]), c(0.5)]);
    const slope = e.op('Where', [
      e.op('Less', [v, c(-3)]),
      c(0),
      e.op('Where', [e.op('Greater', [v, c(3)]), c(1), ramp]),
    ]);
    return [e.op('Mul', [dy(), slope])];
  },
};

// Softmax: dx = y·(dy − Σ dy·y) over the softmax axes (opset < 13 flattens from `axis` on).

import type { GradRule } from '../grad-rule.js';
import { softmaxAxes } from './softmax-axes.js';

export const softmaxGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, y, node, shape }) => {
    const axes = softmaxAxes(node, shape(y()).length, e.opset);
    const dot = e.reduceSum(e.op('Mul', [dy(), y()]), axes, true);
    return [e.op('Mul', [y(), e.op('Sub', [dy(), dot])])];
  },
};

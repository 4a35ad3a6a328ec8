// LogSoftmax: dx = dy − exp(y)·Σ dy over the softmax axes.

import type { GradRule } from '../grad-rule.js';
import { softmaxAxes } from './softmax-axes.js';

export const logSoftmaxGrad: GradRule = {
  differentiable: [0],
  backward: ({ e, dy, y, node, shape }) => {
    const axes = softmaxAxes(node, shape(y()).length, e.opset);
    const total = e.reduceSum(dy(), axes, true);
    return [e.op('Sub', [dy(), e.op('Mul', [e.op('Exp', [y()]), total])])];
  },
};

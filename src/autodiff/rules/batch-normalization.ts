// BatchNormalization in inference mode (fixed statistics): dx = dy·scale/√(var+ε),
// dscale = Σ dy·x̂, dbias = Σ dy. Training mode is trained through its primitive expansion
// (expandBatchNorm), whose gradient the driver builds from the primitives' rules.

import type { Value } from '../../ir/value.js';
import type { GradRule } from '../grad-rule.js';

export const batchNormalizationGrad: GradRule = {
  differentiable: [0, 1, 2],
  backward: ({ e, dy, x, node, shape, needs, fail }) => {
    if (node.attrInt('training_mode', 0) === 1 || node.outputs.length > 1) {
      throw fail(
        'training mode has no direct rule',
        'expand it to primitives with expandBatchNorm (training graphs do this)',
      );
    }
    const rank = shape(x(0)).length;
    const perChannel = (v: Value) =>
      e.unsqueeze(
        v,
        Array.from({ length: rank - 2 }, (_, i) => i + 1),
      );
    const eps = e.scalarLike(node.attrFloat('epsilon', 1e-5), x(0));
    const invStd = e.op('Div', [e.scalarLike(1, x(0)), e.op('Sqrt', [e.op('Add', [x(4), eps])])]);
    const axes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
    const xHat = () => e.op('Mul', [e.op('Sub', [x(0), perChannel(x(3))]), perChannel(invStd)]);
    return [
      needs(0) ? e.op('Mul', [dy(), perChannel(e.op('Mul', [x(1), invStd]))]) : undefined,
      needs(1) ? e.reduceSum(e.op('Mul', [dy(), xHat()]), axes, false) : undefined,
      needs(2) ? e.reduceSum(dy(), axes, false) : undefined,
    ];
  },
};

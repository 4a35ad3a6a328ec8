// BatchNormalization (inference form): y = (x − mean)·scale/√(var+ε) + bias. Besides x, scale and
// bias, mean and var are differentiable: training mode feeds the batch statistics in as computed
// values (expandBatchNorm), so their gradients carry on into the reductions that made them.
// Per channel, with S1 = Σdy and Sx = Σdy·x: dscale = (Sx − mean·S1)/σ, dbias = S1,
// dmean = −a·S1, dvar = −½·scale·(Sx − mean·S1)/σ³, dx = a·dy, where a = scale/σ.

import type { Value } from '../../ir/value.js';
import type { GradRule } from '../grad-rule.js';

export const batchNormalizationGrad: GradRule = {
  differentiable: [0, 1, 2, 3, 4],
  backward: ({ e, dy, x, node, shape, needs, fail }) => {
    if (node.attrInt('training_mode', 0) === 1 || node.outputs.length > 1) {
      throw fail(
        'training mode has no direct rule',
        'expand it with expandBatchNorm (training graphs do this)',
      );
    }
    const rank = shape(x(0)).length;
    const perChannel = (v: Value) =>
      e.unsqueeze(
        v,
        Array.from({ length: rank - 2 }, (_, i) => i + 1),
      );
    const [scale, mean, variance] = [x(1), x(3), x(4)];
    const c = (k: number) => e.scalarLike(k, scale);
    const invStd = e.op('Div', [
      c(1),
      e.op('Sqrt', [e.op('Add', [variance, c(node.attrFloat('epsilon', 1e-5))])]),
    ]);
    const a = e.op('Mul', [scale, invStd]);
    const axes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
    const s1 = () => e.reduceSum(dy(), axes, false);
    // Σ dy·(x − mean) without materialising x − mean: Σdy·x − mean·Σdy.
    const centred = () =>
      e.op('Sub', [e.reduceSum(e.op('Mul', [dy(), x(0)]), axes, false), e.op('Mul', [mean, s1()])]);
    return [
      needs(0) ? e.op('Mul', [dy(), perChannel(a)]) : undefined,
      needs(1) ? e.op('Mul', [centred(), invStd]) : undefined,
      needs(2) ? s1() : undefined,
      needs(3) ? e.op('Neg', [e.op('Mul', [a, s1()])]) : undefined,
      needs(4)
        ? e.op('Mul', [centred(), e.op('Mul', [e.op('Mul', [a, e.op('Mul', [invStd, invStd])]), c(-0.5)])])
        : undefined,
    ];
  },
};

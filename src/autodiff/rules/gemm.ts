// Gemm: y = alpha·op(A)·op(B) + beta·C. Each case of transA/transB maps to one Gemm per gradient;
// dC = beta·dy, summed to C's broadcast shape by the driver.

import type { GradRule } from '../grad-rule.js';

export const gemmGrad: GradRule = {
  differentiable: [0, 1, 2],
  backward: ({ e, dy, x, node, shape, needs }) => {
    const alpha = node.attrFloat('alpha', 1);
    const beta = node.attrFloat('beta', 1);
    const ta = node.attrInt('transA', 0) === 1;
    const tb = node.attrInt('transB', 0) === 1;
    const [a, b, g] = [x(0), x(1), dy()];
    const gemm = (p: typeof a, q: typeof a, transA: boolean, transB: boolean, like: typeof a) =>
      e.op('Gemm', [p, q], { alpha, transA: transA ? 1 : 0, transB: transB ? 1 : 0 }, { shape: shape(like) });
    // dA = alpha·dy·op(B)ᵀ (transposed back when transA), dB likewise.
    const da = () => (ta ? gemm(b, g, tb, true, a) : gemm(g, b, false, !tb, a));
    const db = () => (tb ? gemm(g, a, true, ta, b) : gemm(a, g, !ta, false, b));
    return [
      needs(0) ? da() : undefined,
      needs(1) ? db() : undefined,
      needs(2) ? (beta === 1 ? g : e.op('Mul', [g, e.scalarLike(beta, g)])) : undefined,
    ];
  },
};

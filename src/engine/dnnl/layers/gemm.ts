// Gemm (transA 0, alpha = beta = 1, B a 2-D initializer, C a bias) as a 1×1 convolution on [N, F, 1, 1].
// transB = 0 keeps W as [F, K] in ONNX; the engine holds it as [K, F] (params.ts transposes).

import type { Node } from '../../../ir/node.js';
import { convLayer } from './conv.js';
import type { Layer, LowerContext } from './layer.js';

export function lowerGemm(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  if (node.attrInt('transA', 0) !== 0 || node.attrFloat('alpha', 1) !== 1 || node.attrFloat('beta', 1) !== 1)
    return `${ctx.where}: only transA = 0, alpha = beta = 1`;
  const transB = node.attrInt('transB', 0) === 1;
  const wd = node.input(1)?.const?.dims;
  if (wd?.length !== 2) return `${ctx.where}: B is not a 2-D initializer`;
  const k = wd[transB ? 0 : 1]!;
  const f = wd[transB ? 1 : 0]!;
  const c = node.input(2)?.const;
  if (c && c.size !== k) return `${ctx.where}: C is not a bias of ${k}`;
  const xs = ctx.shape(x);
  if (!xs || xs.reduce((a, v) => a * v, 1) !== f) return `${ctx.where}: the input is not [N, ${f}]`;
  const w = ctx.param(node, 1, { blocked: true, transposed: !transB });
  const b = c ? ctx.param(node, 2) : undefined;
  if (!w || (c && !b)) return `${ctx.where}: weights are not float initializers used once`;
  return convLayer({
    x,
    y: node.output(0).name,
    w,
    b,
    kernel: [1, 1],
    strides: [1, 1],
    pads: [0, 0, 0, 0],
    dilations: [1, 1],
    group: 1,
    gemm: true,
  });
}

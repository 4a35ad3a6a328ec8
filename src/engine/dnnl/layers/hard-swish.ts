// HardSwish x·clamp(x/6 + 1/2, 0, 1) as oneDNN's eltwise hardswish (the same function as ONNX's, whose
// alpha and beta are fixed at 1/6 and 1/2). Its slope, 0 below −3, x/3 + 1/2 up to 3, 1 above, is the
// ORT rule's except exactly at ±3.

import type { Node } from '../../../ir/node.js';
import type { Layer, LowerContext } from './layer.js';
import { eltwise } from './relu.js';

export function lowerHardSwish(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  return eltwise(x, node.output(0).name, { algorithm: 'hardswish' }, { inPlace: false, useDst: false });
}

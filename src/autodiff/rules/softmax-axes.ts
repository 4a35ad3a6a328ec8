// The axes a Softmax/LogSoftmax normalises over: one axis since opset 13, all axes from `axis` on before.

import type { Node } from '../../ir/node.js';

export function softmaxAxes(node: Node, rank: number, opset: number): number[] {
  const axis = node.attrInt('axis', opset >= 13 ? -1 : 1);
  const a = axis < 0 ? axis + rank : axis;
  if (opset >= 13) return [a];
  return Array.from({ length: rank - a }, (_, i) => a + i);
}

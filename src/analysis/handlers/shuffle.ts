// Channel shuffle as exporters write it: Reshape [N,C,H,W]→[N,g,C/g,H,W], Transpose [0,2,1,3,4],
// Reshape back to [N,C,H,W]. Output channel b·g+a is input channel a·(C/g)+b; keeping the
// pattern expressible after pruning means channel b of every one of the g groups goes together.

import type { Graph } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import type { Dim } from '../../ir/value.js';

export interface Shuffle {
  readonly transpose: Node;
  readonly tail: Node;
  readonly groups: number;
}

export function matchShuffle(
  graph: Graph,
  head: Node,
  shapeOf: (v: Node['outputs'][number]) => readonly Dim[] | undefined,
): Shuffle | undefined {
  const x = shapeOf(head.input(0)!);
  const mid = shapeOf(head.output(0));
  if (x?.length !== 4 || mid?.length !== 5) return undefined;
  const [g, m] = [mid[1], mid[2]];
  if (typeof g !== 'number' || typeof m !== 'number' || typeof x[1] !== 'number' || g * m !== x[1])
    return undefined;
  if (mid[0] !== x[0] || mid[3] !== x[2] || mid[4] !== x[3]) return undefined;
  const transpose = soleUser(graph, head);
  if (transpose?.opType !== 'Transpose') return undefined;
  if ((transpose.attrInts('perm') ?? []).join(',') !== '0,2,1,3,4') return undefined;
  const tail = soleUser(graph, transpose);
  if (tail?.opType !== 'Reshape' || tail.input(0) !== transpose.output(0)) return undefined;
  const y = shapeOf(tail.output(0));
  if (y?.length !== 4 || y.some((d, i) => d !== x[i])) return undefined;
  return { transpose, tail, groups: g };
}

function soleUser(graph: Graph, node: Node): Node | undefined {
  const out = node.output(0);
  if (out.uses.length !== 1 || graph.outputs.includes(out)) return undefined;
  return out.uses[0]!.node;
}

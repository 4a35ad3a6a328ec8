// Channel shuffle as exporters write it: Reshape [N,C,H,W]→[N,g,C/g,H,W], Transpose [0,2,1,3,4],
// Reshape back to [N,C,H,W]. Output channel b·g+a is input channel a·(C/g)+b; keeping the
// pattern expressible after pruning means channel b of every one of the g groups goes together.

import type { Graph } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import type { Dim } from '../../ir/value.js';
import { describeNode } from '../../util/errors.js';
import type { LinkContext, PruneContext } from '../handler.js';

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

/** Output channel b·g+a is input channel a·m+b; channel b of every shuffle group is one channel. */
export function linkShuffle(head: Node, ctx: LinkContext, { transpose, tail, groups: g }: Shuffle): void {
  const x = ctx.slot(head.input(0))!;
  ctx.claim(transpose, head);
  ctx.claim(tail, head);
  const m = x.size / g;
  const y = ctx.define(tail.output(0), 1, x.size);
  for (let a = 0; a < g; a++)
    for (let b = 0; b < m; b++) {
      ctx.tie(x, a * m + b, y, b * g + a);
      ctx.tie(x, a * m + b, x, b);
    }
  const input = ctx.shape(head.input(0))!;
  if (typeof input[2] !== 'number' || typeof input[3] !== 'number')
    ctx.block(y, `channel shuffle at ${describeNode(head)} has dynamic spatial dims pare cannot rewrite`);
}

/** Both targets with -1 for the shrunk group width; a dynamic batch is copied (0). */
export function pruneShuffle(head: Node, ctx: PruneContext, { tail, groups }: Shuffle): void {
  const mid = ctx.shape(head.output(0))!;
  const n = typeof mid[0] === 'number' ? mid[0] : 0;
  const [h, w] = [mid[3] as number, mid[4] as number];
  ctx.setConstant(head, 1, Tensor.int64([5], [n, groups, -1, h, w]));
  ctx.setConstant(tail, 1, Tensor.int64([4], [n, -1, h, w]));
}

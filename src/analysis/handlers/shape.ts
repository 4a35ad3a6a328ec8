// Shape: reading a tensor's shape is harmless unless the channel count flows somewhere. Into a
// Reshape target it is fine when that Reshape's output carries the same channels (a PyTorch
// `view(b, c, 1, 1)` in an SE block: surgery rewrites the target); anywhere else it blocks.

import type { Node } from '../../ir/node.js';
import type { Value } from '../../ir/value.js';
import { describeNode } from '../../util/errors.js';
import type { ChannelHandler, LinkContext } from '../handler.js';
import { normAxis } from './axes.js';

type Positions = ReadonlySet<number> | 'any';

export const shapeHandler: ChannelHandler = {
  link(node, ctx) {
    const x = ctx.slot(node.input(0));
    const rank = ctx.shape(node.input(0))?.length;
    if (!x || rank === undefined) return;
    const clamp = (a: number) => Math.min(Math.max(normAxis(a, rank), 0), rank);
    const start = clamp(node.attrInt('start', 0));
    const end = clamp(node.attrInt('end', rank));
    if (x.axis < start || x.axis >= end) return;
    const reshapes: Node[] = [];
    const other = trace(ctx, node.output(0), new Set([x.axis - start]), reshapes, 0);
    const what = `${describeNode(node)} reads the channel count of '${x.value.name}'`;
    if (other) ctx.block(x, `${what} and ${describeNode(other)} uses it`);
    for (const r of reshapes)
      ctx.sameChannels(x, r.output(0), `${what} for the target of ${describeNode(r)}`);
  },
};

/** Follow the channel count through shape arithmetic; returns the first node that uses it otherwise. */
function trace(
  ctx: LinkContext,
  v: Value,
  pos: Positions,
  reshapes: Node[],
  depth: number,
): Node | undefined {
  for (const { node: n, index } of v.uses) {
    if (depth > 32) return n;
    const next = follow(ctx, n, index, pos);
    if (next === 'reshape') reshapes.push(n);
    else if (next === 'use') return n;
    else if (next !== 'none') {
      const found = trace(ctx, n.output(0), next, reshapes, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

const passOps = new Set(['Identity', 'Cast', 'Unsqueeze', 'Squeeze', 'Reshape', 'Flatten']);
const arithmetic = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Floor', 'Ceil', 'Neg', 'Abs']);

function follow(
  ctx: LinkContext,
  n: Node,
  index: number,
  pos: Positions,
): Positions | 'reshape' | 'use' | 'none' {
  if (n.opType === 'Reshape' && index === 1) return 'reshape';
  if (n.opType === 'Gather' && index === 0) {
    const len = ctx.shape(n.input(0))?.[0];
    const idx = ctx.constant(n.input(1))?.toNumbers();
    if (!idx || pos === 'any' || typeof len !== 'number') return 'any';
    const picked = idx.flatMap((p, i) => (pos.has(p < 0 ? p + len : p) ? [i] : []));
    if (picked.length === 0) return 'none';
    return ctx.constant(n.input(1))!.dims.length === 0 ? 'any' : new Set(picked);
  }
  if (n.opType === 'Slice' && index === 0 && pos !== 'any') {
    const [s, e] = [ctx.ints(n.input(1))?.[0], ctx.ints(n.input(2))?.[0]];
    if (s === undefined || e === undefined || s < 0 || (n.input(4) && ctx.ints(n.input(4))?.[0] !== 1))
      return 'any';
    const kept = [...pos].filter((p) => p >= s && p < e).map((p) => p - s);
    return kept.length === 0 ? 'none' : new Set(kept);
  }
  if (n.opType === 'Concat' && pos !== 'any') {
    let offset = 0;
    for (let k = 0; k < index; k++) {
      const len = ctx.shape(n.input(k))?.[0];
      if (typeof len !== 'number') return 'any';
      offset += len;
    }
    return new Set([...pos].map((p) => p + offset));
  }
  if (n.opType === 'Concat' || passOps.has(n.opType) || arithmetic.has(n.opType)) return 'any';
  return 'use';
}

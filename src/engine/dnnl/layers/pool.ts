// MaxPool, AveragePool (count_include_pad either way) and GlobalAveragePool as oneDNN pooling; max
// pooling keeps its workspace (the argmax) for the backward pass.

import type { Node } from '../../../ir/node.js';
import { type BuildContext, chw, ints, type Layer, type LowerContext } from './layer.js';

type Mode = 'max' | 'avg' | 'avg_include_pad';

export function lowerPool(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  if (node.attrString('auto_pad', 'NOTSET') !== 'NOTSET')
    return `${ctx.where}: auto_pad ${node.attrString('auto_pad')}`;
  if (node.attrInt('ceil_mode', 0) !== 0) return `${ctx.where}: ceil_mode 1`;
  if (node.outputs.length > 1) return `${ctx.where}: indices output`;
  if ((node.attrInts('dilations') ?? []).some((v) => v !== 1)) return `${ctx.where}: dilations`;
  if (node.attrInt('storage_order', 0) !== 0) return `${ctx.where}: storage_order 1`;
  const kernel = ints(node, 'kernel_shape', 2, 1);
  const strides = ints(node, 'strides', 2, 1);
  const pads = ints(node, 'pads', 4, 0);
  if (!kernel || !strides || !pads) return `${ctx.where}: not a 2-D pool`;
  if (ctx.shape(x)?.length !== 3) return `${ctx.where}: the input is not [N, C, H, W] with static C, H, W`;
  const mode: Mode =
    node.opType === 'MaxPool' ? 'max' : node.attrInt('count_include_pad', 0) ? 'avg_include_pad' : 'avg';
  return pool(
    x,
    node.output(0).name,
    mode,
    kernel as [number, number],
    strides as [number, number],
    pads as [number, number, number, number],
  );
}

export function lowerGlobalAveragePool(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  if (ctx.shape(x)?.length !== 3) return `${ctx.where}: the input is not [N, C, H, W] with static C, H, W`;
  return pool(x, node.output(0).name, 'avg', undefined, [1, 1], [0, 0, 0, 0]);
}

/** `kernel` undefined: global (the whole map). */
function pool(
  x: string,
  y: string,
  mode: Mode,
  kernel: [number, number] | undefined,
  strides: [number, number],
  pads: [number, number, number, number],
): Layer {
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(x);
      const [c, h, w] = chw(xa.t);
      const hp = d.poolCreate({
        n: b.n,
        c,
        h,
        w,
        kernel: kernel ?? [h, w],
        strides,
        pads,
        mode,
        layout: xa.t,
      });
      b.record('pool', hp, xa.grad ? ['fwd', 'bwd'] : ['fwd']);
      const out = d.alloc(d.layout(hp, 'dst'));
      const ws = mode === 'max' ? d.alloc(d.layout(hp, 'workspace')) : null;
      b.define(y, out, xa.grad);
      b.forward(() => d.poolForwardAsync(hp, xa.t, out, ws));
      if (xa.grad)
        b.backward(async () => {
          const dx = b.target(x);
          await d.poolBackwardAsync(hp, b.gradOf(y), dx, ws);
          b.contribute(x, dx);
        });
    },
  };
}

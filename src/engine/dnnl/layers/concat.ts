// Concat of computed activations along the channels (axis 1) as oneDNN concat; each input's gradient is
// its part of dy reordered into that input's layout (concat.backward in the addon).

import type { Node } from '../../../ir/node.js';
import type { BuildContext, Layer, LowerContext } from './layer.js';

export function lowerConcat(node: Node, ctx: LowerContext): Layer | string {
  const xs = node.inputs.map((_, i) => ctx.act(node, i));
  if (xs.length < 2 || xs.some((x) => !x)) return `${ctx.where}: only computed activations`;
  const names = xs as string[];
  if (new Set(names).size !== names.length) return `${ctx.where}: one value concatenated twice`;
  const rank = ctx.shape(names[0]!)?.length;
  if (rank !== 3 || names.some((x) => ctx.shape(x)?.length !== 3))
    return `${ctx.where}: inputs are not [N, C, H, W] with static C, H, W`;
  const axis = node.attrInt('axis', 1);
  if (axis !== 1 && axis !== -3) return `${ctx.where}: axis ${axis} (channels only)`;
  const y = node.output(0).name;
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const acts = names.map((x) => b.act(x));
      const h = d.concatCreate({ inputs: acts.map((a) => a.t), axis: 1 });
      b.record('concat', h, ['fwd']);
      const out = d.alloc(d.layout(h, 'dst'));
      const grad = acts.some((a) => a.grad);
      b.define(y, out, grad);
      const ts = acts.map((a) => a.t);
      b.forward(() => d.concat(h, ts, out));
      if (grad)
        b.backward(() => {
          // one input at a time: two inputs in one layout may share the temporary target() gives
          const dy = b.gradOf(y);
          names.forEach((x, i) => {
            if (!acts[i]!.grad) return;
            const dx = b.target(x);
            d.concatBackward(
              h,
              dy,
              names.map((_, j) => (j === i ? dx : null)),
            );
            b.contribute(x, dx);
          });
        });
    },
  };
}

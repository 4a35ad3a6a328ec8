// Dropout in training mode (the training graph switches every Dropout on unless `dropout: 'off'`):
// y = x·m/(1 − ratio), m ~ Bernoulli(1 − ratio) drawn on the host for every element of the buffer
// (blocked padding included: its zeros stay zero), dx = dy·m/(1 − ratio). The mask comes from the
// engine's own generator, seeded by the node's `seed` attribute (0 when absent) and advanced every step:
// runs repeat, but the masks are not ONNX Runtime's, so the engines agree exactly at ratio 0 (and with
// dropout off) and statistically otherwise (docs/engine.md). Off or ratio 0: the identity, no copy.

import type { Node } from '../../../ir/node.js';
import { Rng } from '../../../util/rng.js';
import type { BuildContext, Layer, LowerContext } from './layer.js';

export function lowerDropout(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  if (node.outputs[1] && ctx.used(node.outputs[1])) return `${ctx.where}: its mask output is used`;
  const ratio = node.input(1) ? ctx.constant(node, 1) : [0.5];
  if (ratio?.length !== 1 || !(ratio[0]! >= 0 && ratio[0]! < 1))
    return `${ctx.where}: ratio is not a constant scalar in [0, 1)`;
  const mode = node.input(2) ? ctx.constant(node, 2) : [0];
  if (mode?.length !== 1) return `${ctx.where}: training_mode is not a constant`;
  const on = ctx.dropout || mode[0] !== 0;
  const y = node.output(0).name;
  const p = ratio[0]!;
  if (!on || p === 0) return identity(x, y);
  const rng = new Rng(node.attrInt('seed', 0));
  const scale = Math.fround(1 / (1 - p));
  return {
    output: y,
    build(b: BuildContext) {
      const xa = b.act(x);
      const out = b.d.alloc(xa.t);
      const mask = new Uint8Array(out.data.length);
      b.define(y, out, xa.grad);
      b.forward(() => {
        const xd = xa.t.data;
        const yd = out.data;
        for (let i = 0; i < yd.length; i++) {
          const keep = rng.next() >= p ? 1 : 0;
          mask[i] = keep;
          yd[i] = keep ? xd[i]! * scale : 0;
        }
      });
      if (xa.grad)
        b.backward(() => {
          const dy = b.gradOf(y).data;
          const dx = b.target(x);
          const g = dx.data;
          for (let i = 0; i < g.length; i++) g[i] = mask[i] ? dy[i]! * scale : 0;
          b.contribute(x, dx);
        });
    },
  };
}

/** The output is the input's tensor; its gradient passes through unchanged. */
function identity(x: string, y: string): Layer {
  return {
    output: y,
    build(b: BuildContext) {
      const xa = b.act(x);
      b.define(y, xa.t, xa.grad);
      if (xa.grad) b.backward(() => b.contribute(x, b.gradOf(y)));
    },
  };
}

// BatchNormalization in training mode, as the ORT training graph runs it (batch-norm-training.ts):
// batch statistics normalise; the running statistics blend as momentum·old + (1 − momentum)·batch with
// the unbiased batch variance. oneDNN's BN on its own thread count (default 1: engine-dnnl.md, finding 4).

import type { Node } from '../../../ir/node.js';
import { data, live } from '../params.js';
import { type BuildContext, chw, type Layer, type LowerContext } from './layer.js';

export function lowerBatchNorm(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  if (node.outputs.slice(1).some((v) => ctx.used(v))) return `${ctx.where}: training-mode outputs are used`;
  const scale = ctx.param(node, 1);
  const bias = ctx.param(node, 2);
  const running = ctx.running(node, 3, 4);
  if (!scale || !bias || !running)
    return `${ctx.where}: scale, bias and statistics must be float initializers used once`;
  const y = node.output(0).name;
  const epsilon = node.attrFloat('epsilon', 1e-5);
  const momentum = node.attrFloat('momentum', 0.9);
  return {
    output: y,
    build(b: BuildContext) {
      const d = b.d;
      const xa = b.act(x);
      const [c, h, w] = chw(xa.t);
      const hb = d.bnCreate({ n: b.n, c, h, w, epsilon, layout: xa.t, threads: b.bnThreads });
      b.record('bn', hb, ['fwd', 'bwd']);
      const sp = b.param(scale);
      const bp = b.param(bias);
      const mean = new Float32Array(c);
      const vr = new Float32Array(c);
      const run = b.running(running);
      const count = b.n * h * w;
      const m = Math.fround(momentum);
      const k = Math.fround(1 - momentum);
      const unbias = count / Math.max(count - 1, 1);
      const out = d.alloc(xa.t);
      b.define(y, out, true);
      b.forward(async () => {
        await d.bnForwardAsync(hb, xa.t, data(live(sp)), data(live(bp)), out, mean, vr);
        for (let i = 0; i < c; i++) {
          run.mean[i] = m * run.mean[i]! + k * mean[i]!;
          run.var[i] = m * run.var[i]! + k * vr[i]! * unbias;
        }
      });
      b.backward(async () => {
        const dy = b.gradOf(y);
        const dx = b.target(x);
        await d.bnBackwardAsync(
          hb,
          dy,
          xa.t,
          data(live(sp)),
          data(live(bp)),
          mean,
          vr,
          dx,
          data(sp.g),
          data(bp.g),
        );
        if (xa.grad) b.contribute(x, dx);
      });
    },
  };
}

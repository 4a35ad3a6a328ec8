// ConvTranspose (2-D, constant weights, optional bias) as a oneDNN deconvolution. ONNX's weight
// [C_in, C_out/g, kh, kw] is held with its first two axes swapped per group (params.ts). output_padding
// extends the bottom/right edge: oneDNN gets it as that much less end padding (negative where the pad
// is smaller). output_shape is refused (give pads).

import type { Node } from '../../../ir/node.js';
import { data, live } from '../params.js';
import { type BuildContext, chw, ints, type Layer, type LowerContext } from './layer.js';

export function lowerConvTranspose(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  if (node.attrString('auto_pad', 'NOTSET') !== 'NOTSET')
    return `${ctx.where}: auto_pad ${node.attrString('auto_pad')}`;
  if (node.attrInts('output_shape')) return `${ctx.where}: output_shape (give pads instead)`;
  const wv = node.input(1);
  if (wv?.const?.dims.length !== 4)
    return `${ctx.where}: only 2-D transposed convolutions with constant weights`;
  const [cin, ocPerGroup, kh, kw] = wv.const.dims as [number, number, number, number];
  const group = node.attrInt('group', 1);
  const strides = ints(node, 'strides', 2, 1);
  const pads = ints(node, 'pads', 4, 0);
  const dilations = ints(node, 'dilations', 2, 1);
  const outPad = ints(node, 'output_padding', 2, 0);
  if (!strides || !pads || !dilations || !outPad) return `${ctx.where}: attributes are not 2-D`;
  const si = ctx.shape(x);
  const so = ctx.shape(node.output(0).name);
  if (si?.length !== 3 || so?.length !== 3)
    return `${ctx.where}: the input or output is not [N, C, H, W] with static C, H, W`;
  if (si[0] !== cin || so[0] !== ocPerGroup * group) return `${ctx.where}: channels do not match the weight`;
  const w = ctx.param(node, 1, { blocked: true, transposed: true, groups: group });
  const b = node.input(2) ? ctx.param(node, 2) : undefined;
  if (!w || (node.input(2) && !b)) return `${ctx.where}: weights are not float initializers used once`;
  // output_padding as less padding at the end (oneDNN checks the sizes against the pads)
  const endPads: [number, number, number, number] = [
    pads[0]!,
    pads[1]!,
    pads[2]! - outPad[0]!,
    pads[3]! - outPad[1]!,
  ];
  const y = node.output(0).name;
  return {
    output: y,
    build(bc: BuildContext) {
      const d = bc.d;
      const xa = bc.act(x);
      const [c, h, ww] = chw(xa.t);
      const hd = d.deconvCreate({
        n: bc.n,
        c,
        h,
        w: ww,
        oc: so[0]!,
        oh: so[1]!,
        ow: so[2]!,
        kernel: [kh, kw],
        strides: strides as [number, number],
        pads: endPads,
        dilations: dilations as [number, number],
        group,
        bias: b !== undefined,
        layout: xa.t.format === 'abcd' ? 'any' : xa.t,
      });
      const p = bc.param(w);
      bc.placeWeights(p, hd);
      bc.record('deconv', hd, xa.grad ? ['fwd', 'bwd_weights', 'bwd_data'] : ['fwd', 'bwd_weights']);
      const bias = b ? bc.param(b) : undefined;
      const out = d.alloc(d.layout(hd, 'dst'));
      bc.define(y, out, true);
      bc.forward(() => d.deconvForward(hd, xa.t, live(p), bias ? data(live(bias)) : null, out));
      bc.backward(() => {
        const dy = bc.gradOf(y);
        d.deconvBackwardWeights(hd, xa.t, dy, p.g, bias ? data(bias.g) : null);
        if (xa.grad) {
          const dx = bc.target(x);
          d.deconvBackwardData(hd, dy, live(p), dx);
          bc.contribute(x, dx);
        }
      });
    },
  };
}

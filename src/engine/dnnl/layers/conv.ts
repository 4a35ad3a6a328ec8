// Conv (2-D, constant weights, optional bias) as a oneDNN convolution; Gemm lowers onto it too (a 1×1
// convolution on [N, F, 1, 1]). Backward: the weight (and bias) gradient always, the data gradient
// when something upstream needs it.

import type { Node } from '../../../ir/node.js';
import { data, live } from '../params.js';
import { type BuildContext, chw, ints, type Layer, type LowerContext } from './layer.js';

export interface ConvSpec {
  readonly x: string;
  readonly y: string;
  readonly w: string;
  readonly b: string | undefined;
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly pads: [number, number, number, number];
  readonly dilations: [number, number];
  readonly group: number;
  /** the input is [N, F] (Gemm): run as 1×1 on [N, F, 1, 1], from plain data */
  readonly gemm: boolean;
}

export function lowerConv(node: Node, ctx: LowerContext): Layer | string {
  const x = ctx.act(node, 0);
  if (!x) return `${ctx.where}: its first input is not computed by a supported layer`;
  if (node.attrString('auto_pad', 'NOTSET') !== 'NOTSET')
    return `${ctx.where}: auto_pad ${node.attrString('auto_pad')}`;
  const wv = node.input(1);
  if (wv?.const?.dims.length !== 4) return `${ctx.where}: only 2-D convolutions with constant weights`;
  const [, , kh, kw] = wv.const.dims as [number, number, number, number];
  const kernel = ints(node, 'kernel_shape', 2, 1) ?? [kh, kw];
  const strides = ints(node, 'strides', 2, 1);
  const pads = ints(node, 'pads', 4, 0);
  const dilations = ints(node, 'dilations', 2, 1);
  if (!strides || !pads || !dilations) return `${ctx.where}: attributes are not 2-D`;
  if (kernel[0] !== kh || kernel[1] !== kw) return `${ctx.where}: kernel_shape differs from the weight`;
  if (ctx.shape(x)?.length !== 3 || ctx.shape(node.output(0).name)?.length !== 3)
    return `${ctx.where}: the input or output is not [N, C, H, W] with static C, H, W`;
  const w = ctx.param(node, 1, { blocked: true });
  const b = node.input(2) ? ctx.param(node, 2) : undefined;
  if (!w || (node.input(2) && !b)) return `${ctx.where}: weights are not float initializers used once`;
  return convLayer({
    x,
    y: node.output(0).name,
    w,
    b,
    kernel: [kh, kw],
    strides: strides as [number, number],
    pads: pads as [number, number, number, number],
    dilations: dilations as [number, number],
    group: node.attrInt('group', 1),
    gemm: false,
  });
}

export function convLayer(s: ConvSpec): Layer {
  return {
    output: s.y,
    build(b: BuildContext) {
      const d = b.d;
      const x = b.act(s.x);
      const [c, h, w] = chw(x.t);
      const p = b.param(s.w);
      const oc = p.transposed ? p.dims[1]! : p.dims[0]!;
      const hc = d.convCreate({
        n: b.n,
        c,
        h,
        w,
        oc,
        kernel: s.kernel,
        strides: s.strides,
        pads: s.pads,
        dilations: s.dilations,
        group: s.group,
        bias: s.b !== undefined,
        algorithm: s.gemm || s.kernel[0] * s.kernel[1] === 1 ? 'direct' : b.convAlgorithm,
        layout: x.t.format === 'abcd' || s.gemm ? 'any' : x.t,
      });
      b.placeWeights(p, hc);
      b.record('conv', hc, x.grad ? ['fwd', 'bwd_weights', 'bwd_data'] : ['fwd', 'bwd_weights']);
      const bias = s.b ? b.param(s.b) : undefined;
      const y = d.alloc(d.layout(hc, 'dst'));
      b.define(s.y, y, true);
      b.forward(() => d.convForwardAsync(hc, x.t, live(p), bias ? data(live(bias)) : null, y));
      b.backward(async () => {
        const dy = b.gradOf(s.y);
        await d.convBackwardWeightsAsync(hc, x.t, dy, p.g, bias ? data(bias.g) : null);
        if (x.grad) {
          const dx = b.target(s.x);
          await d.convBackwardDataAsync(hc, dy, live(p), dx);
          b.contribute(s.x, dx);
        }
      });
    },
  };
}

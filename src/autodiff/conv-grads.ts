// The two gradients of a convolution in standard ops: the data gradient is a ConvTranspose with the
// same filter; the filter gradient is a Conv of x (batch and channels swapped) with dy as the filter,
// strides and dilations exchanged. Grouped convs fold the groups into the channel axis so one
// grouped Conv computes every group's filter gradient.

import type { Dim, Value } from '../ir/value.js';
import { transposedPads, type WindowGeometry } from './conv-geometry.js';
import type { GradEmitter } from './emitter.js';

/** dL/dx of y = conv(x, w): shape of x. */
export function convDataGrad(
  e: GradEmitter,
  dy: Value,
  w: Value,
  g: WindowGeometry,
  group: number,
  xShape: readonly Dim[],
  ySpatial: readonly number[],
): Value {
  const xSpatial = xShape.slice(2) as number[];
  const { pads, outputPadding } = transposedPads(g, xSpatial, ySpatial);
  return e.op(
    'ConvTranspose',
    [dy, w],
    {
      kernel_shape: g.kernel,
      strides: g.strides,
      dilations: g.dilations,
      pads,
      output_padding: outputPadding,
      group,
    },
    { shape: xShape },
  );
}

/** dL/dw of y = conv(x, w) with w of shape [O, C/group, ...kernel]. */
export function convFilterGrad(
  e: GradEmitter,
  x: Value,
  dy: Value,
  g: WindowGeometry,
  group: number,
  xShape: readonly Dim[],
  yShape: readonly Dim[],
): Value {
  const r = g.kernel.length;
  const spatial = xShape.slice(2) as number[];
  const ySpatial = yShape.slice(2) as number[];
  const c = xShape[1] as number;
  const o = yShape[1] as number;
  const perm = [1, 0, ...Array.from({ length: r }, (_, i) => i + 2)];
  let xt: Value;
  if (group === 1) xt = e.transpose(x, perm);
  else {
    const split = e.reshape(x, [0, group, c / group, ...spatial], [xShape[0]!, group, c / group, ...spatial]);
    const moved = e.transpose(split, [2, 1, 0, ...Array.from({ length: r }, (_, i) => i + 3)]);
    xt = e.reshape(moved, [c / group, -1, ...spatial], [c / group, null, ...spatial]);
  }
  const dyt = e.transpose(dy, perm);
  const full = spatial.map(
    (h, i) =>
      Math.floor(
        (h + g.padBegin[i]! + g.padEnd[i]! - g.strides[i]! * (ySpatial[i]! - 1) - 1) / g.dilations[i]!,
      ) + 1,
  );
  let dw = e.op(
    'Conv',
    [xt, dyt],
    {
      kernel_shape: ySpatial,
      strides: g.dilations,
      dilations: g.strides,
      pads: [...g.padBegin, ...g.padEnd],
      group,
    },
    { shape: [c / group, o, ...full] },
  );
  if (full.some((k, i) => k !== g.kernel[i])) {
    const axes = Array.from({ length: r }, (_, i) => i + 2);
    dw = e.op(
      'Slice',
      [dw, e.ints(axes.map(() => 0)), e.ints([...g.kernel]), e.ints(axes)],
      {},
      { shape: [c / group, o, ...g.kernel] },
    );
  }
  return e.transpose(dw, perm);
}

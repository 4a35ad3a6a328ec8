// Shared by the elementwise families: the broadcast output shape (PARE_SHAPE on a conflict, naming
// the input) and build-time evaluation of an elementwise function over broadcast operands.

import type { Node } from '../../ir/node.js';
import { broadcastShapes, type Dim, formatShape } from '../dims.js';
import type { ShapeContext } from '../op-spec.js';
import { maxEvalElements, type SymElem, type SymTensor } from '../sym-tensor.js';
import { broadcastIndex, sizeOf } from './tensor-index.js';

export function broadcastInputs(node: Node, ctx: ShapeContext, inputs: readonly number[]): Dim[] {
  const shapes = inputs.map((i) => ctx.shape(i));
  const r = broadcastShapes(shapes);
  if ('shape' in r) return r.shape;
  const { input, axis, got, expected } = r.conflict;
  const rank = Math.max(...shapes.map((s) => s.length));
  return ctx.fail(
    `shape ${formatShape(shapes[input])} does not broadcast with ${formatShape(shapes[0])}: output axis ${axis} expected ${expected} (or 1), got ${got}`,
    {
      input: inputs[input]!,
      notes: [`${node.opType} broadcasts numpy-style from the right over ${rank} axes`],
    },
  );
}

/** Every input index of a variadic node. */
export function allInputs(node: Node): number[] {
  return node.inputs.map((_, i) => i);
}

/** `fn` over the broadcast elements of inputs `inputs`, when all their data is known and small. */
export function evalBroadcast(
  ctx: ShapeContext,
  inputs: readonly number[],
  out: readonly Dim[],
  elemType: number,
  fn: (xs: SymElem[]) => SymElem,
): SymTensor | undefined {
  const data = inputs.map((i) => ctx.data(i));
  if (data.some((d) => d === undefined) || out.some((d) => typeof d !== 'number')) return undefined;
  const dims = out as number[];
  const size = sizeOf(dims);
  if (size > maxEvalElements) return undefined;
  const values: SymElem[] = [];
  for (let k = 0; k < size; k++) values.push(fn(data.map((d) => d!.data[broadcastIndex(k, dims, d!.dims)]!)));
  return { elemType, dims, data: values };
}

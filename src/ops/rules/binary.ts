// Elementwise ops with multidirectional broadcasting: arithmetic (Add, Sub, Mul, Div, Pow, Max,
// Min, Sum, Mean, Mod), comparisons (bool output) and Where. All evaluate at build time on small
// data; symbols survive identities (N·1, N+0, N/1, max(N, 1)... only where exact).

import type { Node } from '../../ir/node.js';
import { broadcastShapes, type Dim, formatShape } from '../dims.js';
import type { OpSpec, ShapeContext } from '../op-spec.js';
import { BOOL, maxEvalElements, type SymElem, type SymTensor } from '../sym-tensor.js';
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

type Fn = (a: number, b: number) => number;

function evalBroadcast(
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

/** Binary arithmetic; `sym` handles a symbolic operand exactly where it can (else null). */
export function arithmeticSpec(fn: Fn, sym?: (a: SymElem, b: SymElem) => SymElem, paramMinSize = 2): OpSpec {
  return {
    shape: (node, ctx) => [
      {
        elemType: ctx.elemType(0),
        shape: broadcastInputs(
          node,
          ctx,
          node.inputs.map((_, i) => i),
        ),
      },
    ],
    evaluate(node, ctx, outs) {
      const isInt = outs[0]!.elemType !== 1 && outs[0]!.elemType !== 11 && outs[0]!.elemType !== 10;
      const f = (xs: SymElem[]): SymElem =>
        xs.reduce((a, b) => {
          if (typeof a === 'number' && typeof b === 'number') {
            const r = fn(a, b);
            return isInt ? Math.trunc(r) : r;
          }
          return sym ? sym(a, b) : null;
        });
      return [
        evalBroadcast(
          ctx,
          node.inputs.map((_, i) => i),
          outs[0]!.shape!,
          outs[0]!.elemType,
          f,
        ),
      ];
    },
    paramInputs: [0, 1],
    paramMinSize,
  };
}

/** Comparisons and logic: broadcast, bool output. */
export function compareSpec(fn: (a: number, b: number) => boolean): OpSpec {
  return {
    shape: (node, ctx) => [{ elemType: BOOL, shape: broadcastInputs(node, ctx, [0, 1]) }],
    evaluate(_node, ctx, outs) {
      const f = ([a, b]: SymElem[]): SymElem =>
        typeof a === 'number' && typeof b === 'number'
          ? fn(a, b)
            ? 1
            : 0
          : a === b && a !== null
            ? fn(0, 0)
              ? 1
              : 0
            : null;
      return [evalBroadcast(ctx, [0, 1], outs[0]!.shape!, BOOL, f)];
    },
  };
}

/** Where(cond, x, y): three-way broadcast, type of x. */
export const whereSpec: OpSpec = {
  shape: (node, ctx) => [{ elemType: ctx.elemType(1), shape: broadcastInputs(node, ctx, [0, 1, 2]) }],
  evaluate(_node, ctx, outs) {
    const f = ([c, x, y]: SymElem[]): SymElem => (c === null || typeof c === 'string' ? null : c ? x! : y!);
    return [evalBroadcast(ctx, [0, 1, 2], outs[0]!.shape!, outs[0]!.elemType, f)];
  },
};

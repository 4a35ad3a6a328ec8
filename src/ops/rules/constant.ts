// Constant (value / value_float(s) / value_int(s)) and ConstantOfShape: data known at build time.

import type { Node } from '../../ir/node.js';
import type { ValueType } from '../../ir/value.js';
import type { OpSpec } from '../op-spec.js';
import { FLOAT, INT64, maxEvalElements, type SymTensor, symFromTensor } from '../sym-tensor.js';

function constantData(node: Node): { type: ValueType; data: SymTensor | undefined } | undefined {
  const t = node.attrTensor('value');
  if (t) return { type: { elemType: t.dataType, shape: [...t.dims] }, data: symFromTensor(t) };
  const f = node.attr('value_float');
  if (f?.kind === 'float')
    return { type: { elemType: FLOAT, shape: [] }, data: { elemType: FLOAT, dims: [], data: [f.value] } };
  const fs = node.attrFloats('value_floats');
  if (fs)
    return {
      type: { elemType: FLOAT, shape: [fs.length] },
      data: { elemType: FLOAT, dims: [fs.length], data: fs },
    };
  const i = node.attr('value_int');
  if (i?.kind === 'int')
    return { type: { elemType: INT64, shape: [] }, data: { elemType: INT64, dims: [], data: [i.value] } };
  const is = node.attrInts('value_ints');
  if (is)
    return {
      type: { elemType: INT64, shape: [is.length] },
      data: { elemType: INT64, dims: [is.length], data: is },
    };
  return undefined;
}

export const constantSpec: OpSpec = {
  shape(node, ctx) {
    const c = constantData(node);
    if (!c) return ctx.fail('has no value attribute pare can read (value, value_float(s), value_int(s))');
    return [c.type];
  },
  evaluate: (node) => [constantData(node)?.data],
};

export const constantOfShapeSpec: OpSpec = {
  shape(node, ctx) {
    const value = node.attrTensor('value');
    const elemType = value?.dataType ?? FLOAT;
    const dims = ctx.ints(0);
    if (dims) return [{ elemType, shape: dims }];
    const d = ctx.data(0);
    if (d) return [{ elemType, shape: d.data }];
    const len = ctx.shape(0)[0];
    return [{ elemType, shape: typeof len === 'number' ? new Array(len).fill(null) : undefined }];
  },
  evaluate(node, _ctx, outs) {
    const shape = outs[0]!.shape;
    if (!shape || shape.some((d) => typeof d !== 'number')) return undefined;
    const dims = shape as number[];
    const size = dims.reduce((a, b) => a * b, 1);
    if (size > maxEvalElements) return undefined;
    const v = node.attrTensor('value');
    const fill = v ? (symFromTensor(v)?.data[0] ?? null) : 0;
    return [{ elemType: outs[0]!.elemType, dims, data: new Array(size).fill(fill) }];
  },
};

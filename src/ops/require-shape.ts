// requireShape: the shape of a value that a caller cannot do without (pruning a Reshape, sizing a
// gradient). When it is unknown, the error names the consumer, the value, and the node upstream
// where knowledge stopped (an op without a rule, a dynamic input dim), with what to do about it.

import type { Node } from '../ir/node.js';
import type { Dim, Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';
import { opSpecOf } from './registry.js';

/** Static shape of `v` (numbers or symbols; nulls allowed only when `allowUnknownDims`). */
export function requireShape(
  v: Value,
  consumer?: { node: Node; input: number },
  options: { allowUnknownDims?: boolean } = {},
): readonly Dim[] {
  const shape = v.const ? v.const.dims : v.type?.shape;
  if (shape && (options.allowUnknownDims || !shape.includes(null))) return shape;
  const where = consumer
    ? `${consumer.node.opType} '${consumer.node.name}' input ${consumer.input} ('${v.name}')`
    : `value '${v.name}'`;
  const cause = unknownCause(v);
  throw new PareError(
    'PARE_SHAPE',
    `${where}: shape ${shape ? 'has unknown dims' : 'is unknown'}; ${cause.text}`,
    {
      ...(consumer ? { node: consumer.node } : cause.node ? { node: cause.node } : {}),
      tensor: v.name,
      notes: cause.notes,
    },
  );
}

export interface UnknownShapeCause {
  readonly text: string;
  readonly node?: Node;
  readonly notes: string[];
}

/** Why `v` has no full shape: walks up to where knowledge stopped (no rule, dynamic input, data). */
export function unknownCause(v: Value): UnknownShapeCause {
  const seen = new Set<Value>();
  let cur: Value | undefined = v;
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    const p: Node | null = cur.producer;
    if (!p) {
      return {
        text: `graph input '${cur.name}' has dynamic dims`,
        notes: ['fix them with --input-shape (e.g. x:1x3x224x224)'],
      };
    }
    if (!opSpecOf(p)) {
      return {
        text: `${p.opType} '${p.name}' upstream has no shape rule`,
        node: p,
        notes: [
          'pare can ask ONNX Runtime for the shapes (inferShapesWithRuntime); if the op is a custom one, ORT must know it too',
        ],
      };
    }
    // Unknown dims come from an input with unknown dims, or from symbolic spatial dims of a graph input.
    cur =
      p.inputs.find((x): x is Value => !!x && !x.const && (!x.type?.shape || x.type.shape.includes(null))) ??
      p.inputs.find(
        (x): x is Value =>
          !!x && !x.producer && !x.const && !!x.type?.shape?.slice(1).some((d) => typeof d === 'string'),
      );
    if (!cur) {
      return {
        text: `${p.opType} '${p.name}' has a data-dependent output shape`,
        node: p,
        notes: [
          'run inferShapesWithRuntime to take the shape from a sample run, or fix inputs with --input-shape',
        ],
      };
    }
  }
  return { text: 'no upstream cause found', notes: ['run inferShapes first'] };
}

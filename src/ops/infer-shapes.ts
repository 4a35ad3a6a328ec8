// inferShapes: static shape inference over the whole graph. Sets value.type on every value it can
// (symbolic dims kept as strings), throws PARE_SHAPE for contradictions and zero-size dims, and
// returns warnings for ops without a rule (their outputs stay untyped: see inferShapesWithRuntime).

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Dim, Value, ValueType } from '../ir/value.js';
import type { Diagnostic } from '../util/diagnostics.js';
import { PareError } from '../util/errors.js';
import { formatShape } from './dims.js';
import { Evaluator } from './evaluator.js';
import { applyInputShapes } from './input-shapes.js';
import { opSpecOf } from './registry.js';
import { UnknownInput } from './shape-context.js';

export interface InferShapesOptions {
  /** Fixed shapes for graph inputs (by name); -1 keeps the model's dim (e.g. a symbolic batch). */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Fix every non-numeric leading dim of the graph inputs to this batch size. */
  readonly batch?: number;
  /**
   * Keep a value's existing type where the static pass cannot derive one (default false: every
   * intermediate type is recomputed, so stale value_info never leaks in). The runtime fallback sets it.
   */
  readonly keepUnresolved?: boolean;
}

export function inferShapes(graph: Graph, options: InferShapesOptions = {}): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  applyInputShapes(graph, options);
  const ev = new Evaluator(graph);
  const outputs = new Set(graph.outputs);
  for (const node of graph.nodes) {
    const previous = node.outputs.map((o) => o.type);
    const spec = opSpecOf(node);
    let outs: readonly (ValueType | undefined)[] = [];
    if (spec) {
      try {
        outs = spec.shape(node, ev.context(node));
      } catch (e) {
        if (!(e instanceof UnknownInput)) throw e;
      }
    }
    node.outputs.forEach((o, i) => {
      if (o.name === '') return;
      const t = outs[i];
      // A graph output's declared type is part of the model's interface: keep what we cannot derive.
      o.type = options.keepUnresolved || outputs.has(o) ? merge(previous[i], t) : t;
    });
    if (!spec && node.outputs.some((o) => o.name !== '' && !o.type?.shape))
      diagnostics.push(unsupported(node));
    for (const o of node.outputs) {
      checkIntegerDims(node, o);
      checkNonEmpty(node, o, ev);
    }
  }
  return diagnostics;
}

function unsupported(node: Node): Diagnostic {
  const domain = node.domain === '' ? '' : ` (domain '${node.domain}')`;
  return {
    code: 'PARE_UNSUPPORTED_OP',
    severity: 'warning',
    text: `${node.opType} '${node.name}'${domain}: no shape rule; its outputs stay untyped`,
    node,
    notes: ['inferShapesWithRuntime asks ONNX Runtime for these shapes by running one sample'],
  };
}

/** Static result where it knows a dim, else what was there before. */
function merge(prev: ValueType | undefined, next: ValueType | undefined): ValueType | undefined {
  if (!prev?.shape) return next ?? prev;
  if (!next?.shape) return { elemType: next?.elemType ?? prev.elemType, shape: prev.shape };
  if (next.shape.length !== prev.shape.length) return next;
  const shape: Dim[] = next.shape.map((d, i) => (d === null ? prev.shape![i]! : d));
  return { elemType: next.elemType, shape };
}

/**
 * A dim that is not a whole number ≥ 0 (a stride or dilation of 0 divides by zero, a negative pad
 * overshoots) comes from attributes no runtime accepts: refuse it here, naming the node, instead of
 * failing later where the shape is used.
 */
function checkIntegerDims(node: Node, v: Value): void {
  const shape = v.type?.shape;
  const at = shape?.findIndex((d) => typeof d === 'number' && !(Number.isSafeInteger(d) && d >= 0)) ?? -1;
  if (at < 0) return;
  throw new PareError(
    'PARE_SHAPE',
    `${node.opType} '${node.name}' output '${v.name}': dim ${at} would be ${shape![at]} (shape ${formatShape(shape)})`,
    {
      node,
      tensor: v.name,
      notes: [
        "the node's attributes are invalid (a stride or dilation of 0, negative pads?); the file is damaged or the export broken",
      ],
    },
  );
}

/** A zero-size activation means the model cannot run at this input size. */
function checkNonEmpty(node: Node, v: Value, ev: Evaluator): void {
  const shape = v.type?.shape;
  const at = shape?.indexOf(0) ?? -1;
  if (at < 0 || ev.data(v)) return; // empty constants ([] roi of Resize) are fine
  const inputs = node.inputs
    .map((x) => (x ? `${x.name} ${formatShape(ev.typeOf(x)?.shape)}` : '-'))
    .join(', ');
  throw new PareError(
    'PARE_SHAPE',
    `${node.opType} '${node.name}' output '${v.name}': dim ${at} is 0 (shape ${formatShape(shape)}; inputs ${inputs})`,
    {
      node,
      tensor: v.name,
      notes: [
        'the input is too small for the kernels and strides on the way, or a Slice/Split leaves nothing; check --input-shape',
      ],
    },
  );
}

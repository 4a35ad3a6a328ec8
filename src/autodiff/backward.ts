// The reverse-mode driver: walks the forward nodes between the parameters and the loss backwards,
// asks each op's rule for its input gradients and does the shared work once: fan-out accumulation,
// unbroadcasting, post-condition checks, and a named error when an op has no rule.

import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { describeNode, PareError } from '../util/errors.js';
import { broadcastShapes, GradEmitter } from './emitter.js';
import type { GradContext, GradRule } from './grad-rule.js';
import { gradRules } from './registry.js';
import { isSmaller, unbroadcast, unbroadcastAxes } from './unbroadcast.js';

export interface BackwardOptions {
  /** dL/d(loss); default ones of the loss's shape. */
  readonly seed?: Value;
  /** Rules by op type (default: the registry). */
  readonly rules?: Readonly<Record<string, GradRule>>;
  /** Prefix of emitted node names (default 'grad'). */
  readonly prefix?: string;
}

export interface Backward {
  /** dL/dv for every requested value; zeros for values the loss does not depend on. */
  readonly grads: ReadonlyMap<Value, Value>;
  /** Requested values the loss does not depend on. */
  readonly unreached: readonly Value[];
  /** The nodes the backward pass appended, in order. */
  readonly nodes: readonly Node[];
}

const floatTypes = new Set([1, 10, 11, 16]);
const isFloat = (v: Value): boolean => v.type === undefined || floatTypes.has(v.type.elemType);

/** Append nodes computing dL/dv for each v in `wrt` to `graph` (standard ai.onnx ops only). */
export function buildBackward(
  graph: Graph,
  loss: Value,
  wrt: readonly Value[],
  options: BackwardOptions = {},
): Backward {
  const rules: Readonly<Record<string, GradRule>> = options.rules ?? gradRules;
  const root = new GradEmitter(graph, options.prefix ?? 'grad');
  const forward = [...graph.nodes];

  // Values that depend on a requested value through float edges, then those the loss depends on.
  const active = new Set<Value>(wrt);
  for (const n of forward) {
    if (n.inputs.some((v) => v && active.has(v))) for (const o of n.outputs) if (isFloat(o)) active.add(o);
  }
  const onPath = new Set<Value>();
  if (active.has(loss)) onPath.add(loss);
  for (let i = forward.length - 1; i >= 0; i--) {
    const n = forward[i]!;
    if (!n.outputs.some((o) => onPath.has(o))) continue;
    for (const v of n.inputs) if (v && active.has(v)) onPath.add(v);
  }

  // Contributions to each value's gradient; some may be smaller than the value (see unbroadcast.ts).
  const parts = new Map<Value, Value[]>();
  const gradOf = (v: Value, allowSmaller: boolean): Value | undefined => {
    const list = parts.get(v);
    if (!list || list.length === 0) return undefined;
    const e = root.scope(`${root.prefix}/${v.name}`);
    let g = list[0]!;
    if (list.length > 1) {
      const shape = broadcastShapes(list.map((p) => p.type?.shape));
      g = e.op('Sum', list, {}, { shape });
      parts.set(v, [g]);
    }
    const gs = g.type?.shape;
    const vs = v.type?.shape;
    if (!allowSmaller && gs && vs && isSmaller(gs, vs)) {
      g = e.expandLike(g, v);
      parts.set(v, [g]);
    }
    return g;
  };
  if (onPath.has(loss)) {
    parts.set(loss, [options.seed ?? root.scalarLike(1, loss)]);
  }

  for (let i = forward.length - 1; i >= 0; i--) {
    const n = forward[i]!;
    if (!n.outputs.some((o) => onPath.has(o))) continue;
    const wants = n.inputs.map((v) => v !== null && onPath.has(v));
    if (!wants.some(Boolean)) continue;
    const standard = (n.domain === '' || n.domain === 'ai.onnx') && Object.hasOwn(rules, n.opType);
    const rule = standard ? rules[n.opType] : undefined;
    const dys = n.outputs.map((o) => (onPath.has(o) ? gradOf(o, rule?.broadcastDy === true) : undefined));
    if (dys.every((d) => d === undefined)) continue;
    if (!rule) {
      throw new PareError(
        'PARE_GRADIENT',
        `no gradient rule for ${describeNode(n)}${n.domain ? ` (domain '${n.domain}')` : ''}`,
        {
          node: n,
          notes: [
            `it lies between the parameters and the loss '${loss.name}'`,
            `ops with rules: ${Object.keys(rules).sort().join(', ')}`,
            'freeze the parameters before this node, or rewrite the op with supported ones',
          ],
        },
      );
    }
    wants.forEach((w, k) => {
      if (w && !rule.differentiable.includes(k)) {
        throw new PareError(
          'PARE_GRADIENT',
          `${describeNode(n)} input ${k} ('${n.input(k)!.name}'): no gradient flows through this input`,
          {
            node: n,
            tensor: n.input(k)!.name,
            notes: ['it depends on a trained parameter; freeze the parameters that feed it'],
          },
        );
      }
    });
    const e = root.scope(`${root.prefix}/${n.name}`);
    const grads = rule.backward(makeContext(n, dys, wants, e));
    if (grads.some((g, k) => g !== undefined && k >= n.inputs.length)) {
      throw postCondition(n, `returned a gradient for an input beyond its ${n.inputs.length} inputs`);
    }
    wants.forEach((w, k) => {
      if (!w) return;
      const x = n.input(k)!;
      const g = grads[k];
      if (!g) throw postCondition(n, `returned no gradient for input ${k} ('${x.name}')`);
      if (g.type && x.type && g.type.elemType !== x.type.elemType) {
        throw postCondition(
          n,
          `gradient of input ${k} ('${x.name}') has element type ${g.type.elemType}, expected ${x.type.elemType}`,
        );
      }
      let out = g;
      if (g.type?.shape && x.type?.shape) {
        const u = unbroadcastAxes(g.type.shape, x.type.shape);
        if (typeof u === 'string') {
          throw postCondition(
            n,
            `gradient of input ${k} ('${x.name}') has shape [${g.type.shape.join(', ')}], expected [${x.type.shape.join(', ')}]: ${u}`,
          );
        }
        out = unbroadcast(e, g, u);
      }
      const list = parts.get(x) ?? [];
      list.push(out);
      parts.set(x, list);
    });
  }

  const result = new Map<Value, Value>();
  const unreached: Value[] = [];
  for (const w of wrt) {
    let g = gradOf(w, false);
    if (!g) {
      unreached.push(w);
      g = root.scope(`${root.prefix}/${w.name}`).zerosLike(w);
    }
    result.set(w, g);
  }
  return { grads: result, unreached, nodes: root.nodes };
}

function makeContext(
  n: Node,
  dys: readonly (Value | undefined)[],
  wants: readonly boolean[],
  e: GradEmitter,
): GradContext {
  const zeros = new Map<number, Value>();
  const fail = (message: string, hint?: string): Error =>
    new PareError('PARE_GRADIENT', `${describeNode(n)}: ${message}`, {
      node: n,
      ...(hint ? { notes: [hint] } : {}),
    });
  const ctx: GradContext = {
    node: n,
    e,
    dy(i = 0) {
      const d = dys[i];
      if (d) return d;
      let z = zeros.get(i);
      if (!z) {
        z = e.zerosLike(n.output(i));
        zeros.set(i, z);
      }
      return z;
    },
    hasDy: (i) => dys[i] !== undefined,
    needs: (i) => wants[i] === true,
    x(i) {
      const v = n.input(i);
      if (!v) throw fail(`input ${i} is missing`);
      return v;
    },
    y: (i = 0) => n.output(i),
    shape(v) {
      const s = v.type?.shape;
      if (!s) {
        throw new PareError('PARE_SHAPE', `${describeNode(n)}: the shape of '${v.name}' is unknown`, {
          node: n,
          tensor: v.name,
          notes: ['gradient rules need shapes: run shape inference on the graph first'],
        });
      }
      return s;
    },
    dims(v) {
      const s = ctx.shape(v);
      if (s.some((d) => typeof d !== 'number')) {
        throw new PareError(
          'PARE_SHAPE',
          `${describeNode(n)}: '${v.name}' has shape [${s.join(', ')}]; this gradient needs static dims`,
          {
            node: n,
            tensor: v.name,
            notes: ['only the batch dim may be symbolic where a rule reads shapes at run time'],
          },
        );
      }
      return s as number[];
    },
    dimsAfterBatch(v) {
      const s = ctx.shape(v).slice(1);
      if (s.some((d) => typeof d !== 'number')) {
        throw new PareError(
          'PARE_SHAPE',
          `${describeNode(n)}: '${v.name}' has shape [${ctx.shape(v).join(', ')}]; this gradient needs static dims after the batch`,
          {
            node: n,
            tensor: v.name,
          },
        );
      }
      return s as number[];
    },
    constInts(i) {
      const v = n.input(i);
      if (!v) return undefined;
      if (!v.const) throw fail(`input ${i} ('${v.name}') must be a constant to differentiate this op`);
      return v.const.toNumbers();
    },
    fail,
  };
  return ctx;
}

function postCondition(n: Node, what: string): PareError {
  return new PareError('PARE_GRADIENT', `gradient rule for ${describeNode(n)} ${what}`, {
    node: n,
    notes: ['This is a bug in the gradient rule; please report it with the model.'],
  });
}

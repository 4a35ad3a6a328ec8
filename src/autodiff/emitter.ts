// GradEmitter: appends the nodes that gradient rules (and losses, optimizers) ask for. It names them
// after the forward node, shares constants, tracks the shapes it can know (elementwise broadcasting,
// reductions, transposes) and hides the opset differences of Reduce*, Squeeze and Unsqueeze.

import type { AttributeValue } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Dim, Value } from '../ir/value.js';
import { PareError } from '../util/errors.js';

export interface EmitOptions {
  /** Output shape when the emitter cannot infer it. */
  readonly shape?: readonly Dim[] | undefined;
  /** Output element type (default: the first input's). */
  readonly elemType?: number;
  readonly domain?: string;
}

const BOOL = 9;
const INT64 = 7;
const unary = new Set(['Relu', 'Neg', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Abs', 'Sign']);
const broadcasting = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Where', 'PRelu']);
const comparisons = new Set([
  'Greater',
  'Less',
  'GreaterOrEqual',
  'LessOrEqual',
  'Equal',
  'And',
  'Or',
  'Not',
]);

export class GradEmitter {
  /** Every node this emitter (and its scopes) added, in order. */
  readonly nodes: Node[];
  private readonly consts: Map<string, Value>;

  constructor(
    readonly graph: Graph,
    readonly prefix: string,
    shared?: { nodes: Node[]; consts: Map<string, Value> },
  ) {
    this.nodes = shared?.nodes ?? [];
    this.consts = shared?.consts ?? new Map();
  }

  /** An emitter that names its nodes `prefix/...` and shares constants and the node list. */
  scope(prefix: string): GradEmitter {
    return new GradEmitter(this.graph, prefix, { nodes: this.nodes, consts: this.consts });
  }

  get opset(): number {
    return this.graph.opset;
  }

  op(
    opType: string,
    inputs: readonly (Value | null)[],
    attrs: Record<string, AttributeValue> = {},
    options: EmitOptions = {},
  ): Value {
    return this.multi(opType, inputs, 1, attrs, options)[0]!;
  }

  multi(
    opType: string,
    inputs: readonly (Value | null)[],
    count: number,
    attrs: Record<string, AttributeValue> = {},
    options: EmitOptions = {},
  ): Value[] {
    const name = this.graph.uniqueName(`${this.prefix}/${opType}`);
    const outs = Array.from({ length: count }, (_, i) =>
      i === 0 ? name : this.graph.uniqueName(`${name}:${i}`),
    );
    const node = this.graph.addNode(opType, inputs, outs, {
      name,
      attrs,
      ...(options.domain === undefined ? {} : { domain: options.domain }),
    });
    this.nodes.push(node);
    const first = inputs.find((v) => v)?.type;
    const elemType =
      options.elemType ??
      (comparisons.has(opType) ? BOOL : opType === 'Where' ? inputs[1]?.type?.elemType : first?.elemType) ??
      1;
    const shape = options.shape ?? inferShape(opType, inputs);
    for (const o of node.outputs) o.type = { elemType, shape };
    return [...node.outputs];
  }

  /** A scalar constant of the given element type (shared across the graph). */
  scalar(value: number, elemType: number): Value {
    const key = `s${elemType}:${value}`;
    let v = this.consts.get(key);
    if (!v) {
      const dtype = elemType === 11 ? 'float64' : elemType === INT64 ? 'int64' : 'float32';
      const t = Tensor.scalar(dtype, value);
      v = this.graph.addInitializer(this.graph.uniqueName(`grad.const.${value}`), t);
      this.consts.set(key, v);
    }
    return v;
  }

  /** A scalar of the same element type as `like`. */
  scalarLike(value: number, like: Value): Value {
    return this.scalar(value, like.type?.elemType ?? 1);
  }

  /** A 1-D int64 constant (shapes, axes, pads). */
  ints(values: readonly number[]): Value {
    const key = `i:${values.join(',')}`;
    let v = this.consts.get(key);
    if (!v) {
      v = this.graph.addInitializer(
        this.graph.uniqueName('grad.ints'),
        Tensor.int64([values.length], values),
      );
      this.consts.set(key, v);
    }
    return v;
  }

  /** A float constant tensor of the element type of `like` (not shared). */
  tensor(dims: readonly number[], values: ArrayLike<number>, like: Value): Value {
    const t =
      like.type?.elemType === 11
        ? Tensor.from('float64', dims, Float64Array.from(values))
        : Tensor.float32(dims, values);
    return this.graph.addInitializer(this.graph.uniqueName(`${this.prefix}/const`), t);
  }

  reduceSum(x: Value, axes: readonly number[], keepdims: boolean): Value {
    return this.reduce('ReduceSum', x, axes, keepdims, 13);
  }

  reduceMean(x: Value, axes: readonly number[], keepdims: boolean): Value {
    return this.reduce('ReduceMean', x, axes, keepdims, 18);
  }

  reduceSumSquare(x: Value, axes: readonly number[], keepdims: boolean): Value {
    return this.reduce('ReduceSumSquare', x, axes, keepdims, 18);
  }

  unsqueeze(x: Value, axes: readonly number[]): Value {
    const s = x.type?.shape;
    let shape: Dim[] | undefined;
    if (s) {
      const rank = s.length + axes.length;
      const norm = axes.map((a) => (a < 0 ? a + rank : a));
      shape = [];
      let k = 0;
      for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : s[k++]!);
    }
    return this.opset >= 13
      ? this.op('Unsqueeze', [x, this.ints(axes)], {}, { shape })
      : this.op('Unsqueeze', [x], { axes }, { shape });
  }

  squeeze(x: Value, axes: readonly number[]): Value {
    const s = x.type?.shape;
    const norm = s ? axes.map((a) => (a < 0 ? a + s.length : a)) : [];
    const shape = s?.filter((_, i) => !norm.includes(i));
    return this.opset >= 13
      ? this.op('Squeeze', [x, this.ints(axes)], {}, { shape })
      : this.op('Squeeze', [x], { axes }, { shape });
  }

  transpose(x: Value, perm: readonly number[]): Value {
    const s = x.type?.shape;
    return this.op('Transpose', [x], { perm }, { shape: s ? perm.map((p) => s[p]!) : undefined });
  }

  /** Reshape to static dims (0 and -1 allowed as in ONNX Reshape). */
  reshape(x: Value, dims: readonly number[], shape?: readonly Dim[]): Value {
    const known = shape ?? (dims.every((d) => d > 0) ? dims : undefined);
    return this.op('Reshape', [x, this.ints(dims)], {}, { shape: known });
  }

  /** Reshape `x` to the shape of `like` (a Shape node when `like` has symbolic dims). */
  reshapeLike(x: Value, like: Value): Value {
    const s = like.staticShape;
    if (s) return this.reshape(x, s);
    return this.op('Reshape', [x, this.shapeOf(like)], {}, { shape: like.type?.shape });
  }

  /** Broadcast `x` to the shape of `like`. */
  expandLike(x: Value, like: Value): Value {
    const s = like.staticShape;
    const target = s ? this.ints(s) : this.shapeOf(like);
    return this.op('Expand', [x, target], {}, { shape: like.type?.shape });
  }

  shapeOf(v: Value): Value {
    return this.op('Shape', [v], {}, { elemType: INT64, shape: [v.type?.shape?.length ?? null] });
  }

  /** Zeros with the shape and element type of `like`. */
  zerosLike(like: Value): Value {
    return this.expandLike(this.scalarLike(0, like), like);
  }

  private reduce(
    op: string,
    x: Value,
    axes: readonly number[],
    keepdims: boolean,
    inputSince: number,
  ): Value {
    const s = x.type?.shape;
    const norm = s ? axes.map((a) => (a < 0 ? a + s.length : a)) : axes;
    const shape = s
      ? keepdims
        ? s.map((d, i) => (norm.includes(i) ? 1 : d))
        : s.filter((_, i) => !norm.includes(i))
      : undefined;
    const k = keepdims ? 1 : 0;
    return this.opset >= inputSince
      ? this.op(op, [x, this.ints(axes)], { keepdims: k }, { shape })
      : this.op(op, [x], { axes, keepdims: k }, { shape });
  }
}

/** NumPy broadcasting of known shapes; undefined when a rank is unknown. */
export function broadcastShapes(shapes: readonly (readonly Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const rank = Math.max(...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s!.length - rank + i;
      const e = k < 0 ? 1 : s![k]!;
      if (e === 1) continue;
      if (d === 1 || d === null) d = e;
      else if (typeof d === 'number' && typeof e === 'number' && d !== e) {
        throw new PareError(
          'PARE_SHAPE',
          `shapes [${shapes.map((x) => x!.join(',')).join('] and [')}] do not broadcast`,
        );
      }
    }
    out.push(d);
  }
  return out;
}

function inferShape(opType: string, inputs: readonly (Value | null)[]): readonly Dim[] | undefined {
  if (unary.has(opType) || opType === 'Identity' || opType === 'Cast' || opType === 'Not')
    return inputs[0]?.type?.shape;
  if (broadcasting.has(opType) || comparisons.has(opType)) {
    return broadcastShapes(inputs.filter((v): v is Value => v !== null).map((v) => v.type?.shape));
  }
  return undefined;
}

// Graph: nodes in topological order, named values with producers and uses, initializers as constant
// values. Mutating verbs keep uses exact; removal is all or nothing.

import { PareError } from '../util/errors.js';
import { type Attribute, type AttributeValue, attrFromValue } from './attribute.js';
import { Node } from './node.js';
import type { Tensor } from './tensor.js';
import { type Dim, Value, type ValueType } from './value.js';

export interface AddNodeOptions {
  readonly name?: string;
  readonly domain?: string;
  readonly attrs?: Readonly<Record<string, AttributeValue | Attribute>>;
  /** Insert before this node instead of at the end (keeps topological order when rewriting). */
  readonly before?: Node;
}

export class Graph {
  name: string;
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  /** Constant values (initializers) in file order. */
  readonly initializers: Value[] = [];
  /** Operator set versions by domain ('' = ai.onnx). */
  readonly opsets = new Map<string, number>();
  docString: string | undefined;
  /** GraphProto fields pare does not model (sparse initializers, annotations, metadata), encoded. */
  extra: Uint8Array | undefined;
  /** Names of initializers that old exporters (IR < 4) also list as graph inputs. */
  readonly initializerInputs = new Set<string>();
  private readonly values = new Map<string, Value>();
  private nameCounter = 0;

  constructor(name = 'graph') {
    this.name = name;
  }

  get opset(): number {
    return this.opsets.get('') ?? this.opsets.get('ai.onnx') ?? 0;
  }

  value(name: string): Value | undefined {
    return this.values.get(name);
  }

  /** The value with this name; throws a clear error when absent. */
  mustValue(name: string): Value {
    const v = this.values.get(name);
    if (!v)
      throw new PareError('PARE_GRAPH_INVALID', `graph '${this.name}' has no value '${name}'`, {
        tensor: name,
      });
    return v;
  }

  allValues(): IterableIterator<Value> {
    return this.values.values();
  }

  /** A name not yet used in this graph, derived from `base`. */
  uniqueName(base: string): string {
    if (!this.values.has(base) && !this.nodes.some((n) => n.name === base)) return base;
    for (;;) {
      const candidate = `${base}_${++this.nameCounter}`;
      if (!this.values.has(candidate)) return candidate;
    }
  }

  /** Register a new value; the name must be free. */
  createValue(name: string, type?: ValueType): Value {
    if (this.values.has(name)) {
      throw new PareError('PARE_GRAPH_INVALID', `value '${name}' already exists in graph '${this.name}'`, {
        tensor: name,
      });
    }
    const v = new Value(name, type);
    this.values.set(name, v);
    return v;
  }

  /** Get or create a value by name (used by readers, where uses may precede producers). */
  ensureValue(name: string): Value {
    return this.values.get(name) ?? this.createValue(name);
  }

  addInput(name: string, shape: readonly Dim[], elemType = 1): Value {
    const v = this.createValue(name, { elemType, shape });
    this.inputs.push(v);
    return v;
  }

  /** Make `value` a graph output unless it is one already; returns whether it was added. */
  addOutput(value: Value): boolean {
    if (this.outputs.includes(value)) return false;
    this.outputs.push(value);
    return true;
  }

  /** Make the initializer `value` a graph input, fed at run time; returns the data it held. */
  initializerToInput(value: Value): Tensor {
    const t = value.const;
    if (!t)
      throw new PareError('PARE_INTERNAL', `'${value.name}' is not an initializer`, { tensor: value.name });
    const i = this.initializers.indexOf(value);
    if (i >= 0) this.initializers.splice(i, 1);
    this.initializerInputs.delete(value.name);
    value.const = undefined;
    value.type = { elemType: t.dataType, shape: [...t.dims] };
    if (!this.inputs.includes(value)) this.inputs.push(value);
    return t;
  }

  addInitializer(name: string, tensor: Tensor): Value {
    const v = this.createValue(name, { elemType: tensor.dataType, shape: [...tensor.dims] });
    v.const = tensor;
    this.initializers.push(v);
    return v;
  }

  /** Replace a constant's data (copy on write: the old Tensor is left untouched). */
  setConst(value: Value, tensor: Tensor): void {
    if (!value.const) throw new PareError('PARE_INTERNAL', `value '${value.name}' is not an initializer`);
    value.const = tensor;
    value.type = { elemType: tensor.dataType, shape: [...tensor.dims] };
  }

  /**
   * Add a node. Inputs are values, names of existing values, or null for an omitted optional input.
   * Outputs are names (created here) or a count (named after the node).
   */
  addNode(
    opType: string,
    inputs: readonly (Value | string | null)[],
    outputs: readonly string[] | number = 1,
    options: AddNodeOptions = {},
  ): Node {
    const name = options.name ?? this.uniqueName(`${opType}_${this.nodes.length}`);
    const node = new Node(opType, name, options.domain ?? '');
    for (const [key, val] of Object.entries(options.attrs ?? {})) {
      node.setAttr(key, isAttribute(val) ? val : attrFromValue(val, key));
    }
    inputs.forEach((inp, i) => {
      node.setInput(i, typeof inp === 'string' ? this.mustValue(inp) : inp);
    });
    const outNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}:${i}`))
        : outputs;
    for (const o of outNames)
      node.addOutput(
        o === '' ? new Value('') : this.createValue(this.values.has(o) ? this.uniqueName(o) : o),
      );
    if (options.before) {
      const at = this.nodes.indexOf(options.before);
      this.nodes.splice(at < 0 ? this.nodes.length : at, 0, node);
    } else {
      this.nodes.push(node);
    }
    return node;
  }

  /** Attach an already built node (readers); its outputs must be registered values. */
  pushNode(node: Node): void {
    this.nodes.push(node);
  }

  /** Remove a node whose outputs are unused (all or nothing: throws if any output is still used). */
  removeNode(node: Node): void {
    for (const out of node.outputs) {
      if (out.uses.length > 0 || this.outputs.includes(out)) {
        throw new PareError(
          'PARE_GRAPH_INVALID',
          `cannot remove ${node.opType} '${node.name}': output '${out.name}' is still used`,
          { node },
        );
      }
    }
    const i = this.nodes.indexOf(node);
    if (i < 0) throw new PareError('PARE_INTERNAL', `node '${node.name}' is not in graph '${this.name}'`);
    this.nodes.splice(i, 1);
    node.detach();
    for (const out of node.outputs) if (out.name !== '') this.values.delete(out.name);
  }

  /** Point every consumer of `from` (and graph outputs) at `to`. */
  replaceAllUses(from: Value, to: Value): void {
    for (const u of [...from.uses]) {
      if (u.index >= 0) u.node.setInput(u.index, to);
    }
    for (let i = 0; i < this.outputs.length; i++) if (this.outputs[i] === from) this.outputs[i] = to;
  }

  /** Remove an initializer that nothing uses. */
  removeInitializer(value: Value): void {
    if (value.uses.length > 0)
      throw new PareError('PARE_INTERNAL', `initializer '${value.name}' is still used`);
    const i = this.initializers.indexOf(value);
    if (i >= 0) this.initializers.splice(i, 1);
    const j = this.inputs.indexOf(value);
    if (j >= 0) this.inputs.splice(j, 1);
    this.initializerInputs.delete(value.name);
    this.values.delete(value.name);
  }

  /** Rename a value, keeping the name index right. */
  renameValue(value: Value, name: string): void {
    if (value.name === name) return;
    if (this.values.has(name)) throw new PareError('PARE_GRAPH_INVALID', `value '${name}' already exists`);
    this.values.delete(value.name);
    value.name = name;
    this.values.set(name, value);
  }

  /** Nodes by name (first match). */
  node(name: string): Node | undefined {
    return this.nodes.find((n) => n.name === name);
  }

  /** Re-order nodes topologically (stable). Returns whether the order changed. Throws on a cycle. */
  toposort(): boolean {
    const placed = new Set<Node>();
    const order: Node[] = [];
    const pending = new Map<Node, number>();
    const ready: Node[] = [];
    const producersOf = (n: Node): Node[] => {
      const ps: Node[] = [];
      for (const v of [...n.inputs, ...n.implicitInputs]) {
        const p = v?.producer;
        if (p && !ps.includes(p) && p !== n) ps.push(p);
      }
      return ps;
    };
    const index = new Map(this.nodes.map((n, i) => [n, i]));
    for (const n of this.nodes) {
      const count = producersOf(n).filter((p) => index.has(p)).length;
      pending.set(n, count);
      if (count === 0) ready.push(n);
    }
    // Process in original order where possible (stable).
    const heap = ready.sort((a, b) => index.get(a)! - index.get(b)!);
    while (heap.length > 0) {
      const n = heap.shift()!;
      placed.add(n);
      order.push(n);
      const next: Node[] = [];
      for (const out of n.outputs) {
        for (const u of out.uses) {
          if (placed.has(u.node) || !pending.has(u.node)) continue;
          next.push(u.node);
        }
      }
      for (const c of new Set(next)) {
        const left = pending.get(c)! - 1;
        pending.set(c, left);
        if (left === 0) {
          const ci = index.get(c)!;
          let k = 0;
          while (k < heap.length && index.get(heap[k]!)! < ci) k++;
          heap.splice(k, 0, c);
        }
      }
    }
    if (order.length !== this.nodes.length) {
      const stuck = this.nodes.find((n) => !placed.has(n))!;
      throw new PareError(
        'PARE_GRAPH_INVALID',
        `graph '${this.name}' has a cycle through ${stuck.opType} '${stuck.name}'`,
        {
          node: stuck,
        },
      );
    }
    const changed = order.some((n, i) => n !== this.nodes[i]);
    this.nodes.splice(0, this.nodes.length, ...order);
    return changed;
  }

  /**
   * Remove nodes and initializers that do not contribute to the graph outputs.
   * Returns whether anything was removed. Idempotent.
   */
  cleanup(): boolean {
    const live = new Set<Value>(this.outputs);
    const liveNodes = new Set<Node>();
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (!n.outputs.some((o) => live.has(o))) continue;
      liveNodes.add(n);
      for (const v of [...n.inputs, ...n.implicitInputs]) if (v) live.add(v);
    }
    let changed = false;
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (liveNodes.has(n)) continue;
      this.nodes.splice(i, 1);
      n.detach();
      for (const o of n.outputs) if (o.name !== '') this.values.delete(o.name);
      changed = true;
    }
    for (const init of [...this.initializers]) {
      if (init.uses.length === 0 && !this.outputs.includes(init) && !this.isRealInput(init)) {
        this.removeInitializer(init);
        changed = true;
      }
    }
    return changed;
  }

  /** A graph input the caller must feed (not an initializer listed as input). */
  isRealInput(v: Value): boolean {
    return this.inputs.includes(v) && !v.isConst;
  }

  /** Graph inputs that must be fed at run time. */
  get feedInputs(): Value[] {
    return this.inputs.filter((v) => !v.isConst);
  }

  /** Deep copy of the structure; tensors (immutable) are shared, so clones are cheap. */
  clone(): Graph {
    const g = new Graph(this.name);
    for (const [k, v] of this.opsets) g.opsets.set(k, v);
    g.docString = this.docString;
    g.extra = this.extra;
    g.nameCounter = this.nameCounter;
    for (const n of this.initializerInputs) g.initializerInputs.add(n);
    const map = new Map<Value, Value>();
    const copy = (v: Value): Value => {
      let c = map.get(v);
      if (!c) {
        c = v.name === '' ? new Value('') : g.ensureValue(v.name);
        c.type = v.type;
        c.const = v.const;
        c.infoExtra = v.infoExtra;
        map.set(v, c);
      }
      return c;
    };
    for (const v of this.inputs) g.inputs.push(copy(v));
    for (const v of this.initializers) g.initializers.push(copy(v));
    for (const n of this.nodes) {
      const m = new Node(n.opType, n.name, n.domain);
      m.overload = n.overload;
      m.docString = n.docString;
      m.extra = n.extra;
      for (const [k, a] of n.attributes) m.setAttr(k, a);
      n.inputs.forEach((v, i) => {
        m.setInput(i, v ? copy(v) : null);
      });
      for (const o of n.outputs) m.addOutput(copy(o));
      for (const v of n.implicitInputs) m.addImplicitInput(copy(v));
      g.nodes.push(m);
    }
    for (const v of this.outputs) g.outputs.push(copy(v));
    for (const v of this.values.values()) copy(v);
    return g;
  }
}

function isAttribute(v: unknown): v is Attribute {
  return typeof v === 'object' && v !== null && 'kind' in v && 'value' in v && !Array.isArray(v);
}

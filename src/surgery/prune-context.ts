// The PruneContext handlers rewrite nodes through: kept positions per value, and copy-on-write
// constant replacement (a shared initializer is never changed in place; dead producers go away).

import { constantReader, resolveConstant } from '../analysis/constants.js';
import type { PruneContext } from '../analysis/handler.js';
import type { ValueKeep } from '../analysis/value-keeps.js';
import { attr } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import { sliceAxis } from '../ir/tensor-axis.js';
import type { Value } from '../ir/value.js';
import { throughIdentity } from '../ops/const-eval.js';
import { describeNode, type NodeRef, PareError } from '../util/errors.js';

export class Pruner implements PruneContext {
  private readonly replaced = new Set<Value>();
  private readonly copies = new Map<Value, Value[]>();

  constructor(
    readonly graph: Graph,
    private readonly values: ReadonlyMap<string, ValueKeep>,
  ) {}

  keep(v: Value | null | undefined): Int32Array | undefined {
    return v ? this.values.get(v.name)?.keep : undefined;
  }

  slotOf(v: Value | null | undefined): { axis: number; size: number } | undefined {
    return v ? this.values.get(v.name) : undefined;
  }

  readonly shape = constantReader.shape;
  readonly constant = constantReader.constant;
  readonly ints = constantReader.ints;

  setConstant(node: Node, input: number, tensor: Tensor): void {
    const g = this.graph;
    const old = node.input(input);
    const sole =
      old !== undefined && old.uses.length === 1 && !g.outputs.includes(old) && !g.inputs.includes(old);
    const producer = old?.producer;
    // Keep the exporter's form: an initializer stays one, a Constant node stays a Constant node.
    if (producer?.opType === 'Constant' && producer.domain === '') {
      if (sole) {
        producer.attributes.clear();
        producer.setAttr('value', attr('tensor', tensor));
        old.type = { elemType: tensor.dataType, shape: [...tensor.dims] };
        return;
      }
      const name = g.uniqueName(old!.name);
      const made = g.addNode('Constant', [], [name], { name, attrs: { value: tensor }, before: node });
      made.output().type = { elemType: tensor.dataType, shape: [...tensor.dims] };
      this.replace(node, input, made.output());
      return;
    }
    if (sole && old.const) {
      g.setConst(old, tensor);
      return;
    }
    const base = old?.name || `${node.name || node.opType}_input${input}`;
    this.replace(node, input, g.addInitializer(g.uniqueName(base), tensor));
  }

  private replace(node: Node, input: number, value: Value): void {
    const old = node.input(input);
    node.setInput(input, value);
    if (!old) return;
    this.replaced.add(old);
    // Copies of one shared weight: merged again at the end when they come out equal.
    const origin = throughIdentity(old);
    const list = this.copies.get(origin) ?? [];
    list.push(value);
    this.copies.set(origin, list);
  }

  /** Tied weights sliced the same way by every user stay one tensor. */
  reshare(): void {
    for (const list of this.copies.values()) {
      const distinct: Value[] = [];
      for (const v of list) {
        const t = resolveConstant(v);
        const same = t && distinct.find((d) => resolveConstant(d)?.equals(t));
        if (!same) {
          distinct.push(v);
          continue;
        }
        for (const u of [...v.uses]) u.node.setInput(u.index, same);
        this.replaced.add(v);
      }
    }
  }

  slice(node: Node, input: number, axis: number, keep: Int32Array | undefined): void {
    if (!keep) return;
    const v = node.input(input);
    const t = resolveConstant(v);
    const what = `${describeNode(node)} input ${input} ('${v?.name ?? ''}')`;
    if (!t) throw new PareError('PARE_SURGERY', `${what} is not a constant`, { node: refOf(node) });
    this.setConstant(node, input, sliceAxis(t, axis, keep, what));
  }

  fail(node: Node, message: string): never {
    throw new PareError('PARE_SURGERY', `${describeNode(node)}: ${message}`, { node: refOf(node) });
  }

  /** Remove constants and producers (Identity, Constant, Shape chains) that rewriting left unused. */
  removeDead(): void {
    this.reshare();
    const g = this.graph;
    const queue = [...this.replaced];
    while (queue.length > 0) {
      const v = queue.pop()!;
      if (v.uses.length > 0 || g.outputs.includes(v) || g.inputs.includes(v)) continue;
      if (v.const && g.initializers.includes(v)) {
        g.removeInitializer(v);
        continue;
      }
      const p = v.producer;
      if (!p || !g.nodes.includes(p)) continue;
      if (p.outputs.some((o) => o.uses.length > 0 || g.outputs.includes(o))) continue;
      const inputs = p.inputs.filter((x): x is Value => x !== null);
      g.removeNode(p);
      queue.push(...inputs);
    }
  }
}

/** Errors carry a plain reference, not the node (which would drag the whole graph along). */
function refOf(node: Node): NodeRef {
  return { name: node.name, opType: node.opType, domain: node.domain };
}

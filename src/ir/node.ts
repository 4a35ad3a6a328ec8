// Node: one operator application. Inputs change only through setInput so uses stay exact.

import { PareError } from '../util/errors.js';
import type { Attribute } from './attribute.js';
import type { Tensor } from './tensor.js';
import type { Value } from './value.js';

export class Node {
  name: string;
  opType: string;
  domain: string;
  overload: string | undefined;
  readonly attributes = new Map<string, Attribute>();
  docString: string | undefined;
  /** NodeProto fields pare does not model (metadata_props, unknown fields), encoded. */
  extra: Uint8Array | undefined;
  private readonly _inputs: (Value | null)[] = [];
  private readonly _outputs: Value[] = [];
  /** Outer-scope values read by this node's subgraphs (If/Loop/Scan bodies). */
  private readonly _implicit: Value[] = [];

  constructor(opType: string, name: string, domain = '') {
    this.opType = opType;
    this.name = name;
    this.domain = domain;
  }

  get inputs(): readonly (Value | null)[] {
    return this._inputs;
  }

  get outputs(): readonly Value[] {
    return this._outputs;
  }

  get implicitInputs(): readonly Value[] {
    return this._implicit;
  }

  /** Input i, or undefined when absent or omitted (''). */
  input(i: number): Value | undefined {
    return this._inputs[i] ?? undefined;
  }

  output(i = 0): Value {
    const v = this._outputs[i];
    if (!v) throw new PareError('PARE_INTERNAL', `${this.opType} '${this.name}' has no output ${i}`);
    return v;
  }

  setInput(i: number, value: Value | null): void {
    const old = this._inputs[i];
    if (old) old.removeUse(this, i);
    while (this._inputs.length <= i) this._inputs.push(null);
    this._inputs[i] = value;
    if (value) value.addUse(this, i);
  }

  appendInput(value: Value | null): void {
    this.setInput(this._inputs.length, value);
  }

  /** Drop trailing inputs from index `count` on. */
  truncateInputs(count: number): void {
    for (let i = this._inputs.length - 1; i >= count; i--) {
      this._inputs[i]?.removeUse(this, i);
      this._inputs.pop();
    }
  }

  addOutput(value: Value): void {
    if (value.producer) {
      throw new PareError(
        'PARE_GRAPH_INVALID',
        `value '${value.name}' is already produced by '${value.producer.name}'`,
      );
    }
    value.producer = this;
    this._outputs.push(value);
  }

  addImplicitInput(value: Value): void {
    this._implicit.push(value);
    value.addUse(this, -1);
  }

  /** Detach from every input (used when the node is removed). */
  detach(): void {
    this.truncateInputs(0);
    for (const v of this._implicit) v.removeUse(this, -1);
    this._implicit.length = 0;
    for (const v of this._outputs) v.producer = null;
  }

  attr(name: string): Attribute | undefined {
    return this.attributes.get(name);
  }

  attrInt(name: string, fallback: number): number;
  attrInt(name: string): number | undefined;
  attrInt(name: string, fallback?: number): number | undefined {
    const a = this.attributes.get(name);
    if (!a) return fallback;
    if (a.kind !== 'int') throw this.attrError(name, 'an int', a.kind);
    return a.value;
  }

  attrFloat(name: string, fallback: number): number;
  attrFloat(name: string): number | undefined;
  attrFloat(name: string, fallback?: number): number | undefined {
    const a = this.attributes.get(name);
    if (!a) return fallback;
    if (a.kind === 'float' || a.kind === 'int') return a.value;
    throw this.attrError(name, 'a float', a.kind);
  }

  attrInts(name: string, fallback: readonly number[]): readonly number[];
  attrInts(name: string): readonly number[] | undefined;
  attrInts(name: string, fallback?: readonly number[]): readonly number[] | undefined {
    const a = this.attributes.get(name);
    if (!a) return fallback;
    if (a.kind !== 'ints') throw this.attrError(name, 'a list of ints', a.kind);
    return a.value;
  }

  attrFloats(name: string): readonly number[] | undefined {
    const a = this.attributes.get(name);
    if (!a) return undefined;
    if (a.kind !== 'floats') throw this.attrError(name, 'a list of floats', a.kind);
    return a.value;
  }

  attrString(name: string, fallback: string): string;
  attrString(name: string): string | undefined;
  attrString(name: string, fallback?: string): string | undefined {
    const a = this.attributes.get(name);
    if (!a) return fallback;
    if (a.kind !== 'string') throw this.attrError(name, 'a string', a.kind);
    return a.value;
  }

  attrTensor(name: string): Tensor | undefined {
    const a = this.attributes.get(name);
    if (!a) return undefined;
    if (a.kind !== 'tensor') throw this.attrError(name, 'a tensor', a.kind);
    return a.value;
  }

  setAttr(name: string, a: Attribute): void {
    this.attributes.set(name, a);
  }

  /** True when the node carries subgraphs (If, Loop, Scan) pare cannot look into. */
  get hasSubgraphs(): boolean {
    for (const a of this.attributes.values()) if (a.kind === 'opaque' && a.hasGraph) return true;
    return false;
  }

  private attrError(name: string, expected: string, got: string): PareError {
    return new PareError(
      'PARE_BAD_MODEL',
      `${this.opType} '${this.name}' attribute '${name}': expected ${expected}, got ${got}`,
      {
        node: { name: this.name, opType: this.opType, domain: this.domain },
      },
    );
  }
}

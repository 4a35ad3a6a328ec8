// Value: a named tensor flowing through the graph. It knows its producer and its uses.

import type { Node } from './node.js';
import type { Tensor } from './tensor.js';

/** A dimension: a number, a symbolic name ('N', 'batch'), or null when unknown. */
export type Dim = number | string | null;

export interface ValueType {
  /** ONNX element type code (1 = float32, 7 = int64, ...). */
  readonly elemType: number;
  /** Undefined when the rank is unknown. */
  readonly shape: readonly Dim[] | undefined;
}

export interface Use {
  readonly node: Node;
  /** Input index; -1 for a reference from inside one of the node's subgraphs. */
  readonly index: number;
}

export class Value {
  name: string;
  type: ValueType | undefined;
  /** Initializer data when this value is a constant of the graph. */
  const: Tensor | undefined;
  producer: Node | null = null;
  readonly uses: Use[] = [];
  /** Doc string and other ValueInfoProto fields pare does not model, encoded. */
  infoExtra: Uint8Array | undefined;

  constructor(name: string, type?: ValueType, constant?: Tensor) {
    this.name = name;
    this.type = type;
    this.const = constant;
  }

  get shape(): readonly Dim[] | undefined {
    return this.type?.shape;
  }

  /** Static dims when all are known numbers, else undefined. */
  get staticShape(): number[] | undefined {
    const s = this.type?.shape;
    if (!s || s.some((d) => typeof d !== 'number')) return undefined;
    return s as number[];
  }

  get isConst(): boolean {
    return this.const !== undefined;
  }

  /** Distinct consumer nodes, in use order. */
  get consumers(): Node[] {
    const out: Node[] = [];
    for (const u of this.uses) if (!out.includes(u.node)) out.push(u.node);
    return out;
  }

  /** Uses, looking through Identity nodes (an exporter's copies of one shared initializer). */
  usesThroughIdentity(): Use[] {
    return this.uses.flatMap((u) =>
      u.node.opType === 'Identity' ? (u.node.outputs[0]?.usesThroughIdentity() ?? []) : [u],
    );
  }

  addUse(node: Node, index: number): void {
    this.uses.push({ node, index });
  }

  removeUse(node: Node, index: number): void {
    const i = this.uses.findIndex((u) => u.node === node && u.index === index);
    if (i >= 0) this.uses.splice(i, 1);
  }
}

// Structural equality of models, for round-trip tests: structure, names, attributes, types,
// tensors byte for byte, and the encoded parts pare keeps without modelling. Reports the first
// difference as a path and both sides, e.g. `graph.node[3] (Conv 'c1').attr 'pads': [1,1] vs [0,0]`.

import type { Attribute } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { tensorConstantOrigin, tensorProtoRest } from './tensor-meta.js';

type Diff = string | undefined;

/** The first difference between two models, or undefined when they are equal. */
export function modelDiff(a: Model, b: Model): Diff {
  return (
    same('model.irVersion', a.irVersion, b.irVersion) ??
    same('model.producerName', a.producerName, b.producerName) ??
    same('model.producerVersion', a.producerVersion, b.producerVersion) ??
    same('model.domain', a.domain, b.domain) ??
    same('model.modelVersion', a.modelVersion, b.modelVersion) ??
    same('model.docString', a.docString, b.docString) ??
    same('model.metadata', [...a.metadata], [...b.metadata]) ??
    bytesDiff('model.extra', a.extra, b.extra) ??
    graphDiff(a.graph, b.graph)
  );
}

export function graphDiff(a: Graph, b: Graph, at = 'graph'): Diff {
  const names = (vs: readonly Value[]) => vs.map((v) => v.name);
  let d =
    same(`${at}.name`, a.name, b.name) ??
    same(`${at}.docString`, a.docString, b.docString) ??
    bytesDiff(`${at}.extra`, a.extra, b.extra) ??
    same(`${at}.opsets`, [...a.opsets], [...b.opsets]) ??
    same(`${at}.inputs`, names(a.inputs), names(b.inputs)) ??
    same(`${at}.outputs`, names(a.outputs), names(b.outputs)) ??
    same(`${at}.initializers`, names(a.initializers), names(b.initializers)) ??
    same(`${at}.initializerInputs`, [...a.initializerInputs].sort(), [...b.initializerInputs].sort()) ??
    same(`${at}.nodes.length`, a.nodes.length, b.nodes.length);
  if (d) return d;
  for (let i = 0; i < a.nodes.length && !d; i++) d = nodeDiff(a.nodes[i]!, b.nodes[i]!, `${at}.node[${i}]`);
  const valuesA = [...a.allValues()].map((v) => v.name).sort();
  d ??= same(`${at}.values`, valuesA, [...b.allValues()].map((v) => v.name).sort());
  for (const name of valuesA) d ??= valueDiff(a.value(name)!, b.value(name)!, `${at}.value '${name}'`);
  return d;
}

function nodeDiff(a: Node, b: Node, at: string): Diff {
  const here = `${at} (${a.opType} '${a.name}')`;
  let d =
    same(`${here}.name`, a.name, b.name) ??
    same(`${here}.opType`, a.opType, b.opType) ??
    same(`${here}.domain`, a.domain, b.domain) ??
    same(`${here}.overload`, a.overload, b.overload) ??
    same(`${here}.docString`, a.docString, b.docString) ??
    bytesDiff(`${here}.extra`, a.extra, b.extra) ??
    same(
      `${here}.inputs`,
      a.inputs.map((v) => v?.name ?? ''),
      b.inputs.map((v) => v?.name ?? ''),
    ) ??
    same(
      `${here}.outputs`,
      a.outputs.map((v) => v.name),
      b.outputs.map((v) => v.name),
    ) ??
    same(
      `${here}.implicitInputs`,
      a.implicitInputs.map((v) => v.name),
      b.implicitInputs.map((v) => v.name),
    ) ??
    same(`${here}.attributes`, [...a.attributes.keys()], [...b.attributes.keys()]);
  for (const [k, x] of a.attributes) d ??= attributeDiff(x, b.attributes.get(k)!, `${here}.attr '${k}'`);
  return d;
}

function valueDiff(a: Value, b: Value, at: string): Diff {
  return (
    same(`${at}.type`, a.type, b.type) ??
    bytesDiff(`${at}.infoExtra`, a.infoExtra, b.infoExtra) ??
    same(`${at}.isConst`, a.isConst, b.isConst) ??
    (a.const && b.const ? tensorDiff(a.const, b.const, `${at}.const`) : undefined)
  );
}

/** Type, dims, bytes (or strings), unmodelled TensorProto fields and Constant-node origin. */
export function tensorDiff(a: Tensor, b: Tensor, at = 'tensor'): Diff {
  let d =
    same(`${at}.dataType`, a.dataType, b.dataType) ??
    same(`${at}.dims`, a.dims, b.dims) ??
    same(`${at}.isString`, a.isString, b.isString) ??
    bytesDiff(`${at}.protoRest`, tensorProtoRest(a), tensorProtoRest(b));
  const oa = tensorConstantOrigin(a);
  const ob = tensorConstantOrigin(b);
  d ??=
    same(`${at}.constantOrigin`, oa?.nodeName, ob?.nodeName) ??
    same(`${at}.constantOrigin.docString`, oa?.docString, ob?.docString) ??
    bytesDiff(`${at}.constantOrigin.nodeExtra`, oa?.nodeExtra, ob?.nodeExtra);
  if (d) return d;
  if (a.isString) {
    const sa = a.strings();
    const sb = b.strings();
    d = same(`${at}.strings.length`, sa.length, sb.length);
    for (let i = 0; i < sa.length && !d; i++) d = bytesDiff(`${at}.strings[${i}]`, sa[i], sb[i]);
    return d;
  }
  return bytesDiff(`${at}.bytes`, a.rawBytes(), b.rawBytes());
}

function attributeDiff(a: Attribute, b: Attribute, at: string): Diff {
  if (a.kind !== b.kind) return `${at}.kind: ${a.kind} vs ${b.kind}`;
  switch (a.kind) {
    case 'tensor':
      return tensorDiff(a.value, b.value as Tensor, at);
    case 'tensors': {
      const bs = b.value as readonly Tensor[];
      let d = same(`${at}.length`, a.value.length, bs.length);
      for (let i = 0; i < a.value.length && !d; i++) d = tensorDiff(a.value[i]!, bs[i]!, `${at}[${i}]`);
      return d;
    }
    case 'opaque':
      return (
        same(`${at}.hasGraph`, a.hasGraph, (b as typeof a).hasGraph) ??
        bytesDiff(`${at}.bytes`, a.value, b.value as Uint8Array)
      );
    default:
      return same(at, a.value, b.value);
  }
}

function bytesDiff(at: string, a: Uint8Array | undefined, b: Uint8Array | undefined): Diff {
  if (a === undefined || b === undefined) {
    return a === b
      ? undefined
      : `${at}: ${a ? `${a.byteLength} bytes` : 'none'} vs ${b ? `${b.byteLength} bytes` : 'none'}`;
  }
  if (a.byteLength !== b.byteLength) return `${at}: ${a.byteLength} bytes vs ${b.byteLength} bytes`;
  const i = a.findIndex((x, k) => x !== b[k]);
  return i < 0 ? undefined : `${at}: bytes differ first at ${i} (${a[i]} vs ${b[i]})`;
}

/** Deep equality of plain data (numbers compared with Object.is, so NaN equals NaN). */
function same(at: string, a: unknown, b: unknown): Diff {
  return deepEqual(a, b) ? undefined : `${at}: ${show(a)} vs ${show(b)}`;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function show(v: unknown): string {
  if (Object.is(v, -0)) return '-0';
  const s = JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

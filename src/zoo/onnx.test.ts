// Every zoo model as ONNX: bytes decode to the same structure, and ONNX Runtime runs the decoded
// model on a small batch with finite logits of the right shape.

import { describe, expect, it } from 'vitest';
import type { Attribute } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { decodeModel } from '../onnx/read.js';
import { encodeModel } from '../onnx/write.js';
import { runCapturing, Session } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { buildZooModel, zooModelNames, zooModels } from './registry.js';

/** Everything that defines the model, as plain data (weights as bytes) for toEqual. */
function structure(m: Model): unknown {
  const g: Graph = m.graph;
  // ONNX stores float attributes as float32: compare at that precision.
  const attr = (a: Attribute): unknown =>
    a.kind === 'float'
      ? Math.fround(a.value)
      : a.kind === 'floats'
        ? a.value.map(Math.fround)
        : a.kind === 'tensor' || a.kind === 'opaque'
          ? a.kind
          : a.value;
  return {
    irVersion: m.irVersion,
    metadata: [...m.metadata],
    opsets: [...g.opsets],
    inputs: g.inputs.map((v) => [v.name, v.type]),
    outputs: g.outputs.map((v) => [v.name, v.type]),
    nodes: g.nodes.map((n) => ({
      op: n.opType,
      name: n.name,
      inputs: n.inputs.map((v) => v?.name ?? ''),
      outputs: n.outputs.map((v) => v.name),
      attrs: [...n.attributes].map(([k, a]) => [k, a.kind, attr(a)]),
    })),
    initializers: g.initializers.map((v) => [v.name, v.const!.dataType, v.const!.dims]),
  };
}

function sameWeights(a: Graph, b: Graph): boolean {
  return a.initializers.every((v, i) => {
    const x = v.const!.rawBytes();
    const y = b.initializers[i]!.const!.rawBytes();
    return Buffer.compare(x, y) === 0;
  });
}

function randomInput(dims: readonly number[], seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1)));
}

describe('zoo models as ONNX', () => {
  it.each(zooModelNames)('%s round-trips through bytes and runs in ONNX Runtime', async (name) => {
    const model = buildZooModel(name);
    const decoded = decodeModel(encodeModel(model));
    expect(structure(decoded)).toEqual(structure(model));
    expect(sameWeights(decoded.graph, model.graph)).toBe(true);
    expect(decoded.graph.inputs[0]!.type!.shape![0]).toBe('N');

    const { inputShape, classes } = zooModels[name].defaults;
    const batch = 2;
    // Graph optimisation takes seconds on the big models and is not what is tested here (the ReLU6
    // test below runs with ORT's full optimisation).
    const session = await Session.create(decoded, { threads: 2, label: name, optimization: 'disabled' });
    const dims = [batch, ...inputShape];
    const out = await session
      .run({ input: { dims, data: randomInput(dims, 1) } })
      .finally(() => session.release());
    const logits = out.logits!;
    expect(logits.dims).toEqual([batch, classes]);
    expect((logits.data as Float32Array).every(Number.isFinite)).toBe(true);
    // Different inputs must give different logits (the network is not constant).
    const d = logits.data as Float32Array;
    expect(d.subarray(0, classes)).not.toEqual(d.subarray(classes));
  });

  it('ReLU6 is Clip(0, 6) with bounds in the right inputs', async () => {
    const model = buildZooModel('mobilenetv2', { width: 0.35, inputShape: [3, 32, 32], classes: 5 });
    const dims = [1, 3, 32, 32];
    // Scaled input so that some pre-activations exceed 6 and some fall below 0.
    const data = randomInput(dims, 2).map((v) => 20 * v);
    const out = await runCapturing(model, { input: { dims, data } }, ['features.0.1', 'features.0.2'], {
      threads: 2,
    });
    const pre = out['features.0.1']!.data as Float32Array;
    const post = out['features.0.2']!.data as Float32Array;
    expect(pre.some((v) => v > 6) && pre.some((v) => v < 0)).toBe(true);
    pre.forEach((v, i) => {
      expect(post[i]).toBeCloseTo(Math.min(6, Math.max(0, v)), 5);
    });
  });
});

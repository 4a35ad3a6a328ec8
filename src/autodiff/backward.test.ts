// The driver: exact tiny examples (fan-out, unbroadcast, conv, pool, relu), zeros for unreached
// parameters, and the errors that name the op, node and input.

import { describe, expect, it } from 'vitest';
import { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { Session } from '../runtime/session.js';
import { PareError } from '../util/errors.js';
import { buildBackward } from './backward.js';
import { gradRules } from './registry.js';
import { f32, f64, numbers, runGraph } from './test-support/run-graph.js';

const open = (m: Model) => Session.create(m, { threads: 1 });

function graph(opset = 17): Graph {
  const g = new Graph('t');
  g.opsets.set('', opset);
  return g;
}

function node(
  g: Graph,
  op: string,
  inputs: (Value | string)[],
  out: string,
  shape: (number | string)[],
  attrs = {},
  elemType = 11,
): Value {
  const v = g.addNode(op, inputs, [out], { name: out, attrs }).output();
  v.type = { elemType, shape };
  return v;
}

function sumAll(g: Graph, v: Value, elemType = 11): Value {
  return node(g, 'ReduceSum', [v], 'loss', [], { keepdims: 0 }, elemType);
}

async function gradients(g: Graph, loss: Value, wrt: Value[], feeds: Parameters<typeof runGraph>[2]) {
  const { grads, unreached } = buildBackward(g, loss, wrt);
  const names = wrt.map((w) => {
    const out = g.addNode('Identity', [grads.get(w)!], [`d_${w.name}`]).output();
    g.addOutput(out);
    return out.name;
  });
  const r = await runGraph(open, g, feeds);
  return { values: names.map((n) => numbers(r[n])), unreached };
}

describe('buildBackward', () => {
  it('accumulates fan-out: d/dx Σ(x·x + x) = 2x + 1', async () => {
    const g = graph();
    const x = g.addInput('x', [3], 11);
    const sq = node(g, 'Mul', [x, x], 'sq', [3]);
    const loss = sumAll(g, node(g, 'Add', [sq, x], 'y', [3]));
    const { values } = await gradients(g, loss, [x], { x: f64([3], [1, -2, 0.5]) });
    expect(values[0]).toEqual([3, -3, 2]);
  });

  it('sums broadcast gradients back to the input shape', async () => {
    const g = graph();
    const x = g.addInput('x', [2, 3], 11);
    const b = g.addInput('b', [3], 11);
    const loss = sumAll(g, node(g, 'Mul', [x, b], 'y', [2, 3]));
    const { values } = await gradients(g, loss, [b], {
      x: f64([2, 3], [1, 2, 3, 4, 5, 6]),
      b: f64([3], [0, 0, 0]),
    });
    expect(values[0]).toEqual([5, 7, 9]);
  });

  it('keeps broadcast gradients unexpanded until an op needs the full shape', async () => {
    const g = graph();
    const x = g.addInput('x', [2, 3], 11);
    const c = g.addInput('c', [3, 2], 11);
    const m = node(g, 'ReduceMean', [x], 'm', [2, 1], { axes: [1] });
    const y = node(g, 'Add', [x, m], 'y', [2, 3]);
    const t = node(g, 'Transpose', [y], 't', [3, 2], { perm: [1, 0] });
    const loss = sumAll(g, node(g, 'Mul', [t, c], 'tc', [3, 2]));
    const cv = [1, 2, 3, 4, 5, 6];
    const { values } = await gradients(g, loss, [x], {
      x: f64([2, 3], [0, 0, 0, 0, 0, 0]),
      c: f64([3, 2], cv),
    });
    // dL/dx[i][j] = c[j][i] + mean_k c[k][i]
    const ct = [1, 3, 5, 2, 4, 6];
    expect(values[0]).toEqual(ct.map((v, k) => v + (k < 3 ? 3 : 4)));
    expect(g.nodes.filter((n) => n.opType === 'Expand').length).toBe(0);
  });

  it('gives exact conv, relu and max-pool gradients on tiny inputs', async () => {
    const g = graph();
    const x = g.addInput('x', [1, 1, 2, 2], 1);
    const w = g.addInput('w', [1, 1, 1, 1], 1);
    const c = node(g, 'Conv', [x, w], 'c', [1, 1, 2, 2], { kernel_shape: [1, 1] }, 1);
    const r = node(g, 'Relu', [c], 'r', [1, 1, 2, 2], {}, 1);
    const p = node(g, 'MaxPool', [r], 'p', [1, 1, 1, 1], { kernel_shape: [2, 2] }, 1);
    const loss = sumAll(g, p, 1);
    // conv = 3·x = [3, −6, 9, 12] → relu → [3, 0, 9, 12] → max at index 3 (x = 4).
    const { values } = await gradients(g, loss, [x, w], {
      x: f32([1, 1, 2, 2], [1, -2, 3, 4]),
      w: f32([1, 1, 1, 1], [3]),
    });
    expect(values[0]).toEqual([0, 0, 0, 3]);
    expect(values[1]).toEqual([4]);
  });

  it('sends the gradient through the kept positions of a training-mode Dropout, scaled by 1/(1 − ratio)', async () => {
    const g = graph();
    const x = g.addInput('x', [4, 5], 1);
    const r = g.addInput('r', [4, 5], 1);
    g.addInitializer('ratio', Tensor.scalar('float32', 0.25));
    g.addInitializer('training', Tensor.from('bool', [], Uint8Array.of(1)));
    const d = g.addNode('Dropout', [x, 'ratio', 'training'], ['y'], { name: 'drop' });
    d.output().type = { elemType: 1, shape: [4, 5] };
    const loss = sumAll(g, node(g, 'Mul', [d.output(), r], 'yr', [4, 5], {}, 1), 1);
    const { grads } = buildBackward(g, loss, [x]);
    g.addOutput(grads.get(x)!);
    g.addOutput(d.outputs[1]!);
    const rv = Array.from({ length: 20 }, (_, i) => i - 7);
    const out = await runGraph(open, g, {
      x: f32(
        [4, 5],
        rv.map((v) => v + 0.5),
      ),
      r: f32([4, 5], rv),
    });
    const mask = numbers(out[d.outputs[1]!.name]);
    const dx = numbers(out[grads.get(x)!.name]);
    expect(mask.some((m) => m === 0) && mask.some((m) => m === 1)).toBe(true);
    dx.forEach((v, i) => {
      expect(v).toBeCloseTo((mask[i]! * rv[i]!) / 0.75, 5);
    });
  });

  it('returns zeros for a parameter the loss does not depend on, and lists it', async () => {
    const g = graph();
    const x = g.addInput('x', [2], 11);
    const unused = g.addInput('u', [2, 2], 11);
    const loss = sumAll(g, node(g, 'Neg', [x], 'y', [2]));
    const { values, unreached } = await gradients(g, loss, [x, unused], {
      x: f64([2], [1, 2]),
      u: f64([2, 2], [1, 2, 3, 4]),
    });
    expect(values[0]).toEqual([-1, -1]);
    expect(values[1]).toEqual([0, 0, 0, 0]);
    expect(unreached).toEqual([unused]);
  });

  it('names the op and node when a rule is missing', () => {
    const g = graph();
    const x = g.addInput('x', [2], 11);
    const loss = sumAll(g, node(g, 'Erf', [x], 'erf1', [2]));
    const err = captureError(() => buildBackward(g, loss, [x]));
    expect(err.code).toBe('PARE_GRADIENT');
    expect(err.message).toBe("no gradient rule for Erf 'erf1'");
    expect(err.node?.name).toBe('erf1');
  });

  it('refuses a trained value flowing into a non-differentiable input', () => {
    const g = graph();
    const x = g.addInput('x', [2], 11);
    const hi = g.addInput('hi', [], 11);
    const loss = sumAll(
      g,
      node(g, 'Clip', [x, '', hi].map((v) => (v === '' ? null : v)) as Value[], 'clip1', [2]),
    );
    const err = captureError(() => buildBackward(g, loss, [x, hi]));
    expect(err.message).toBe("Clip 'clip1' input 2 ('hi'): no gradient flows through this input");
  });

  it('asks for shapes when a rule needs them', () => {
    const g = graph();
    const x = g.addInput('x', [1, 1, 3, 3], 1);
    g.addInitializer('w', Tensor.float32([1, 1, 1, 1], [1]));
    const c = g.addNode('Conv', [x, 'w'], ['c'], { name: 'conv1' }).output();
    c.type = { elemType: 1, shape: undefined };
    const loss = sumAll(g, node(g, 'Identity', [c], 'i', [1, 1, 3, 3], {}, 1), 1);
    const err = captureError(() => buildBackward(g, loss, [x]));
    expect(err.code).toBe('PARE_SHAPE');
    expect(err.message).toBe("Conv 'conv1': the shape of 'c' is unknown");
  });

  it('checks the gradient shape a rule returns', () => {
    const g = graph();
    const x = g.addInput('x', [2, 3], 11);
    const loss = sumAll(g, node(g, 'Relu', [x], 'relu1', [2, 3]));
    const broken = {
      ...gradRules,
      Relu: { differentiable: [0], backward: () => [g.addInput('bad', [4, 3], 11)] },
    };
    const err = captureError(() => buildBackward(g, loss, [x], { rules: broken }));
    expect(err.message).toContain(
      "gradient rule for Relu 'relu1' gradient of input 0 ('x') has shape [4, 3], expected [2, 3]",
    );
  });
});

function captureError(f: () => unknown): PareError {
  try {
    f();
  } catch (e) {
    if (e instanceof PareError) return e;
    throw e;
  }
  throw new Error('expected a PareError');
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import { GraphBuilder } from './builder.js';
import type { Graph } from './graph.js';
import { Tensor } from './tensor.js';
import { validateGraph } from './validate.js';

function smallNet(seed = 0): Graph {
  const b = new GraphBuilder({ seed });
  const x = b.input('x', ['N', 3, 8, 8]);
  const a = b.relu(b.batchNorm(b.conv(x, { out: 4, kernel: 3, pad: 1, name: 'c1' }), { name: 'bn1' }), 'r1');
  const c = b.conv(a, { out: 4, kernel: 3, pad: 1, name: 'c2' });
  const s = b.add(a, c, 'add');
  b.output(b.gemm(b.flatten(b.globalAvgPool(s, 'gap'), 'flat'), 3, { name: 'fc' }));
  return b.build();
}

function isTopological(g: Graph): boolean {
  const seen = new Set(g.inputs.concat(g.initializers));
  for (const n of g.nodes) {
    if (n.inputs.some((v) => v && !seen.has(v))) return false;
    for (const o of n.outputs) seen.add(o);
  }
  return true;
}

describe('Graph', () => {
  it('tracks producers and uses', () => {
    const g = smallNet();
    const r1 = g.mustValue('r1');
    expect(r1.producer?.opType).toBe('Relu');
    expect(r1.consumers.map((n) => n.name).sort()).toEqual(['add', 'c2']);
    expect(g.mustValue('c1.weight').uses).toEqual([{ node: g.node('c1'), index: 1 }]);
    expect(validateGraph(g)).toEqual([]);
  });

  it('toposort restores a valid order from any permutation (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const g = smallNet();
        const names = g.nodes.map((n) => n.name);
        // Deterministic shuffle from the seed.
        const order = [...g.nodes];
        let s = seed;
        for (let i = order.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2147483648;
          const j = s % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        g.nodes.splice(0, g.nodes.length, ...order);
        g.toposort();
        expect(isTopological(g)).toBe(true);
        expect(g.nodes.map((n) => n.name).sort()).toEqual([...names].sort());
      }),
      { numRuns: 50 },
    );
  });

  it('toposort is stable on a sorted graph and reports no change', () => {
    const g = smallNet();
    const before = g.nodes.map((n) => n.name);
    expect(g.toposort()).toBe(false);
    expect(g.nodes.map((n) => n.name)).toEqual(before);
  });

  it('cleanup removes dead nodes and initializers, and is idempotent', () => {
    const g = smallNet();
    const dead = g.addNode('Relu', [g.mustValue('c2')], ['dead'], { name: 'dead' });
    g.addNode('Sigmoid', [dead.output()], ['dead2'], { name: 'dead2' });
    g.addInitializer('unused', Tensor.float32([2], [1, 2]));
    expect(g.cleanup()).toBe(true);
    expect(g.node('dead')).toBeUndefined();
    expect(g.value('unused')).toBeUndefined();
    expect(g.mustValue('c2').uses.map((u) => u.node.name)).toEqual(['add']);
    expect(g.cleanup()).toBe(false);
  });

  it('clone shares tensors but not structure', () => {
    const g = smallNet();
    const c = g.clone();
    expect(c.mustValue('c1.weight').const).toBe(g.mustValue('c1.weight').const);
    c.node('c1')!.setAttr('group', { kind: 'int', value: 1 });
    c.setConst(c.mustValue('c1.weight'), Tensor.float32([4, 3, 3, 3], new Float32Array(108)));
    expect(
      g
        .mustValue('c1.weight')
        .const!.toFloat32()
        .some((v) => v !== 0),
    ).toBe(true);
    expect(c.nodes.every((n) => n.inputs.every((v) => !v || c.value(v.name) === v))).toBe(true);
    expect(validateGraph(c)).toEqual([]);
  });

  it('removeNode refuses a node whose output is still used', () => {
    const g = smallNet();
    expect(() => g.removeNode(g.node('r1')!)).toThrow(PareError);
    expect(() => g.removeNode(g.node('r1')!)).toThrow("cannot remove Relu 'r1': output 'r1' is still used");
  });

  it('replaceAllUses rewires consumers and graph outputs', () => {
    const g = smallNet();
    const fcOut = g.outputs[0]!;
    const id = g.addNode('Identity', [fcOut], ['logits'], { name: 'id' });
    g.replaceAllUses(fcOut, id.output());
    // The Identity itself must keep reading the original value.
    id.setInput(0, fcOut);
    expect(g.outputs[0]!.name).toBe('logits');
    expect(validateGraph(g)).toEqual([]);
  });

  it('addOutput exposes a value once', () => {
    const g = smallNet();
    const r1 = g.mustValue('r1');
    expect(g.addOutput(r1)).toBe(true);
    expect(g.addOutput(r1)).toBe(false);
    expect(g.outputs.filter((v) => v === r1)).toHaveLength(1);
    expect(validateGraph(g)).toEqual([]);
  });

  it('initializerToInput turns a weight into a typed graph input and returns its data', () => {
    const g = smallNet();
    const w = g.mustValue('c1.weight');
    const data = w.const!;
    expect(g.initializerToInput(w)).toBe(data);
    expect(g.initializers).not.toContain(w);
    expect(g.inputs).toContain(w);
    expect(w.const).toBeUndefined();
    expect(w.type).toEqual({ elemType: data.dataType, shape: [...data.dims] });
    expect(() => g.initializerToInput(w)).toThrow("'c1.weight' is not an initializer");
    expect(validateGraph(g)).toEqual([]);
  });

  it('validateGraph names a dangling input', () => {
    const g = smallNet();
    const ghost = g.createValue('ghost');
    g.node('add')!.setInput(1, ghost);
    const d = validateGraph(g);
    expect(d.map((x) => x.text)).toContain(
      "Add 'add' input 1 ('ghost') is not produced by any node, input or initializer",
    );
  });
});

// Property: for random small CNNs built from the supported ops (plain, grouped and depthwise conv,
// BN, exported activations, pooling, residual Add, Concat, Split, Slice, SE, channel shuffle,
// flatten or GAP heads), every random plan passes the masked-model oracle and the cost prediction.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../src/ir/builder.js';
import type { Graph } from '../src/ir/graph.js';
import type { Value } from '../src/ir/value.js';
import { builder, cbr, prove, scramble } from './prune-fixtures.js';

type Layer =
  | { kind: 'conv'; out: number; k: 1 | 3 }
  | { kind: 'grouped'; groups: 2 | 0 }
  | { kind: 'act'; which: 'silu' | 'hswish' | 'sigmoid' | 'prelu' }
  | { kind: 'pool'; max: boolean }
  | { kind: 'residual' }
  | { kind: 'concat'; a: number; b: number }
  | { kind: 'split' }
  | { kind: 'slice' }
  | { kind: 'se' }
  | { kind: 'shuffle' };

const layer: fc.Arbitrary<Layer> = fc.oneof(
  fc.record({
    kind: fc.constant('conv' as const),
    out: fc.integer({ min: 2, max: 8 }),
    k: fc.constantFrom(1 as const, 3 as const),
  }),
  fc.record({ kind: fc.constant('grouped' as const), groups: fc.constantFrom(2 as const, 0 as const) }),
  fc.record({
    kind: fc.constant('act' as const),
    which: fc.constantFrom('silu' as const, 'hswish' as const, 'sigmoid' as const, 'prelu' as const),
  }),
  fc.record({ kind: fc.constant('pool' as const), max: fc.boolean() }),
  fc.record({ kind: fc.constant('residual' as const) }),
  fc.record({
    kind: fc.constant('concat' as const),
    a: fc.integer({ min: 1, max: 5 }),
    b: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('split' as const) }),
  fc.record({ kind: fc.constant('slice' as const) }),
  fc.record({ kind: fc.constant('se' as const) }),
  fc.record({ kind: fc.constant('shuffle' as const) }),
);

function build(layers: readonly Layer[], flattenHead: boolean, seed: number): Graph {
  const b = builder('random', seed);
  let x = cbr(b, b.input('x', ['N', 3, 8, 8]), 4, 'stem');
  layers.forEach((l, i) => {
    x = apply(b, x, l, `l${i}`);
  });
  const f = flattenHead ? b.flatten(x, 'flat') : b.flatten(b.globalAvgPool(x, 'gap'), 'flat');
  b.output(b.gemm(f, 3, { name: 'fc' }));
  return scramble(b.build(), seed);
}

function apply(b: GraphBuilder, x: Value, l: Layer, n: string): Value {
  const c = b.channels(x);
  const [h] = b.shape(x).slice(2) as number[];
  switch (l.kind) {
    case 'conv':
      return cbr(b, x, l.out, n, { kernel: l.k });
    case 'grouped': {
      const g = l.groups === 0 ? c : c % 2 === 0 ? 2 : 1;
      return cbr(b, x, c, n, { group: g });
    }
    case 'act': {
      if (l.which === 'sigmoid') return b.op('Sigmoid', [x], {}, { name: n });
      if (l.which === 'prelu')
        return b.op('PRelu', [x, b.weight(`${n}.slope`, [c, 1, 1], 'normal')], {}, { name: n });
      if (l.which === 'silu') return b.mul(x, b.op('Sigmoid', [x], {}, { name: `${n}.sig` }), n);
      const t = b.clip(b.add(x, b.weight(`${n}.three`, [], Float32Array.of(3))), 0, 6);
      return b.op('Div', [b.mul(x, t), b.weight(`${n}.six`, [], Float32Array.of(6))], {}, { name: n });
    }
    case 'pool':
      if (h! < 2) return x;
      return l.max ? b.maxPool(x, { kernel: 2, name: n }) : b.avgPool(x, { kernel: 2, name: n });
    case 'residual':
      return b.add(x, b.batchNorm(b.conv(x, { out: c, kernel: 3, pad: 1, name: n }), { name: `${n}.bn` }));
    case 'concat':
      return b.concat([cbr(b, x, l.a, `${n}.a`, { kernel: 1 }), cbr(b, x, l.b, `${n}.b`)], n);
    case 'split': {
      if (c < 2) return x;
      const k = Math.floor(c / 2);
      const node = b.graph.addNode('Split', [x, b.ints(`${n}.sizes`, [k, c - k])], [`${n}.0`, `${n}.1`], {
        name: n,
        attrs: { axis: 1 },
      });
      const [s0, s1] = [0, 1].map((i) =>
        b.op(
          'Identity',
          [node.output(i)],
          {},
          { shape: [...b.shape(x)].map((d, j) => (j === 1 ? (i ? c - k : k) : d)) },
        ),
      );
      return b.concat([cbr(b, s0!, 3, `${n}.a`, { kernel: 1 }), s1!], `${n}.cat`);
    }
    case 'slice': {
      if (c < 3) return x;
      // Drop the first third: those channels become a group of their own (prunable from 6 on).
      const start = Math.floor(c / 3);
      const shape = [...b.shape(x)];
      shape[1] = c - start;
      return b.op(
        'Slice',
        [x, b.ints(`${n}.s`, [start]), b.ints(`${n}.e`, [c]), b.ints(`${n}.ax`, [1])],
        {},
        { name: n, shape },
      );
    }
    case 'se': {
      const s = b.relu(b.conv(b.globalAvgPool(x), { out: 2, kernel: 1, bias: true, name: `${n}.fc1` }));
      const gate = b.op('Sigmoid', [b.conv(s, { out: c, kernel: 1, bias: true, name: `${n}.fc2` })]);
      return b.mul(x, gate, n);
    }
    case 'shuffle': {
      if (c % 2 !== 0) return x;
      const [N, , H, W] = b.shape(x);
      const r = b.op(
        'Reshape',
        [x, b.ints(`${n}.t5`, [0, 2, c / 2, H as number, W as number])],
        {},
        { shape: [N!, 2, c / 2, H!, W!] },
      );
      const t = b.op('Transpose', [r], { perm: [0, 2, 1, 3, 4] }, { shape: [N!, c / 2, 2, H!, W!] });
      return b.op(
        'Reshape',
        [t, b.ints(`${n}.t4`, [0, c, H as number, W as number])],
        {},
        { name: n, shape: [N!, c, H!, W!] },
      );
    }
  }
}

describe('random CNNs × random plans', () => {
  it('every plan passes the oracle and the cost prediction', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(layer, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        async (layers, flattenHead, ratio, seed) => {
          const graph = build(layers, flattenHead, seed);
          const proof = await prove(graph, ratio, seed);
          expect(proof.verify.passed, JSON.stringify({ layers, proof: proof.verify })).toBe(true);
          expect(proof.actual).toEqual(proof.predicted);
        },
      ),
      { numRuns: 60, seed: 1 },
    );
  });
});

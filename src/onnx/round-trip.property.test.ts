// Property: for random small graphs (builder CNNs with random extra attributes, initializers of
// every dtype, metadata, symbolic dims), decoding the encoded model gives the same IR back, and
// encoding is deterministic.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Attribute } from '../ir/attribute.js';
import { GraphBuilder } from '../ir/builder.js';
import { allocTyped, type DType } from '../ir/dtype.js';
import { createModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { modelDiff } from './graph-equal.js';
import { decodeModel } from './read.js';
import { encodeModel } from './write.js';

const f32 = fc.float({ noDefaultInfinity: false });
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const int = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(-(2 ** 63), 2 ** 63));

const numericDTypes: DType[] = [
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'bfloat16',
];

const tensor = fc
  .record({
    dtype: fc.constantFrom(...numericDTypes, 'string' as const),
    dims: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    seed: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ dtype, dims, seed }) => {
    const size = dims.reduce((a, b) => a * b, 1);
    if (dtype === 'string') {
      return Tensor.fromStrings(
        dims,
        Array.from({ length: size }, (_, i) => Buffer.from(`s${seed + i}`)),
      );
    }
    const data = allocTyped(dtype, size);
    // Arbitrary bytes: every bit pattern (NaNs, negative zero, subnormals) must survive.
    const bytes = new Uint8Array(data.buffer);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed * 31 + i * 17) & 0xff;
    if (dtype === 'bool') for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! & 1;
    return Tensor.from(dtype, dims, data);
  });

const attribute: fc.Arbitrary<Attribute> = fc.oneof(
  f32.map((value) => ({ kind: 'float', value }) as const),
  int.map((value) => ({ kind: 'int', value }) as const),
  text.map((value) => ({ kind: 'string', value }) as const),
  fc.array(f32, { maxLength: 4 }).map((value) => ({ kind: 'floats', value }) as const),
  fc.array(int, { maxLength: 4 }).map((value) => ({ kind: 'ints', value }) as const),
  fc.array(text, { maxLength: 3 }).map((value) => ({ kind: 'strings', value }) as const),
  tensor.map((value) => ({ kind: 'tensor', value }) as const),
  fc.array(tensor, { maxLength: 2 }).map((value) => ({ kind: 'tensors', value }) as const),
);

const spec = fc.record({
  seed: fc.integer({ min: 0, max: 1000 }),
  layers: fc.array(
    fc.record({
      out: fc.integer({ min: 1, max: 4 }),
      kernel: fc.constantFrom(1, 3),
      bias: fc.boolean(),
      bn: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  batch: fc.oneof(fc.constant('N'), fc.integer({ min: 1, max: 4 })),
  attrs: fc.array(fc.tuple(fc.stringMatching(/^[a-z_]{1,8}$/), attribute), { maxLength: 5 }),
  extras: fc.array(tensor, { maxLength: 3 }),
  metadata: fc.uniqueArray(fc.tuple(text, text), { maxLength: 3, selector: ([k]) => k }),
  docString: text,
  producer: text,
  modelVersion: fc.integer({ min: 0, max: 2 ** 31 }),
});

type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

function build(s: Spec): Model {
  const b = new GraphBuilder({ seed: s.seed });
  let x = b.input('x', [s.batch, 2, 5, 5]);
  for (const l of s.layers) {
    x = b.conv(x, { out: l.out, kernel: l.kernel, pad: l.kernel >> 1, bias: l.bias });
    // ONNX float attributes are float32: use values that are exact in it.
    if (l.bn) x = b.batchNorm(x, { eps: Math.fround(1e-5), momentum: Math.fround(0.9) });
    x = b.relu(x);
  }
  b.output(x);
  const g = b.build();
  const target = g.nodes[s.seed % g.nodes.length]!;
  for (const [name, a] of s.attrs) target.setAttr(`x_${name}`, a);
  s.extras.forEach((t, i) => {
    g.addInitializer(`extra_${i}`, t);
  });
  return createModel(g, {
    metadata: new Map(s.metadata),
    docString: s.docString,
    producerName: s.producer,
    modelVersion: s.modelVersion,
  });
}

describe('encode ∘ decode is the identity on random graphs', () => {
  it('holds for builder CNNs with random attributes, initializers and metadata', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const m = build(s);
        const bytes = encodeModel(m);
        const back = decodeModel(bytes);
        const diff = modelDiff(m, back);
        expect(diff, diff).toBeUndefined();
        expect(Buffer.compare(encodeModel(back), bytes)).toBe(0);
      }),
      { seed: 20240601, numRuns: 150 },
    );
  });
});

// Static shapes against ONNX Runtime: fixtures that use every supported CNN op (and the opset
// variants) are run once with every intermediate value captured; each static shape, with the
// symbolic batch replaced by the fed batch, must equal what ORT produced, and so must the type.

import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '../ir/attribute.js';
import { dtypeCode } from '../ir/dtype.js';
import { Graph } from '../ir/graph.js';
import { createModel } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { sampleFeeds } from '../runtime/sample-feeds.js';
import { runCapturing } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { inferShapes } from './infer-shapes.js';
import { opSpecs } from './registry.js';

const INT64_MAX = Tensor.from('int64', [1], BigInt64Array.of(9223372036854775807n));

class Net {
  readonly g = new Graph('fixture');
  private readonly rng = new Rng(7);
  private n = 0;
  constructor(opset: number) {
    this.g.opsets.set('', opset);
  }
  w(...dims: number[]): Value {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    this.rng.fillNormal(data, 0.5);
    return this.g.addInitializer(`w${this.n++}`, Tensor.from('float32', dims, data));
  }
  pos(...dims: number[]): Value {
    return this.g.addInitializer(
      `p${this.n++}`,
      Tensor.float32(dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(1)),
    );
  }
  i(...values: number[]): Value {
    return this.g.addInitializer(`i${this.n++}`, Tensor.int64([values.length], values));
  }
  f(...values: number[]): Value {
    return this.g.addInitializer(`f${this.n++}`, Tensor.float32([values.length], values));
  }
  c(t: Tensor): Value {
    return this.g.addInitializer(`c${this.n++}`, t);
  }
  op(
    type: string,
    inputs: (Value | null)[],
    attrs: Record<string, AttributeValue> = {},
    outputs = 1,
  ): Value[] {
    const name = `${type}_${this.n++}`;
    const names = Array.from({ length: outputs }, (_, k) => `${name}_out${k}`);
    return [...this.g.addNode(type, inputs, names, { name, attrs }).outputs];
  }
  one(type: string, inputs: (Value | null)[], attrs: Record<string, AttributeValue> = {}): Value {
    return this.op(type, inputs, attrs)[0]!;
  }
  bn(x: Value, c: number): Value {
    return this.one('BatchNormalization', [x, this.w(c), this.w(c), this.w(c), this.pos(c)]);
  }
}

/**
 * Build, infer statically, run ORT at batch 2 capturing every node output, compare all. A static
 * dim may be unknown (null) only for the values listed in `unknown` (products with the batch).
 */
const covered = new Set<string>();

async function crossCheck(net: Net, outputs: Value[], unknown: readonly Value[] = []): Promise<number> {
  const g = net.g;
  for (const node of g.nodes) covered.add(node.opType);
  for (const o of outputs) g.addOutput(o);
  expect(inferShapes(g)).toEqual([]);
  const values = g.nodes.flatMap((n) => n.outputs.filter((o) => o.name !== ''));
  const got = await runCapturing(
    createModel(g),
    sampleFeeds(g, 2),
    values.map((v) => v.name),
    { threads: 1 },
  );
  const mismatches: string[] = [];
  for (const v of values) {
    const r = got[v.name]!;
    const stat = v.type?.shape?.map((d, i) =>
      typeof d === 'string' ? 2 : d === null && unknown.includes(v) ? r.dims[i] : d,
    );
    const type =
      r.type === 'float32' ? dtypeCode('float32') : r.type === 'bool' ? 9 : r.type === 'int64' ? 7 : -1;
    if (JSON.stringify(stat) !== JSON.stringify(r.dims) || type !== v.type?.elemType) {
      mismatches.push(
        `${v.producer!.name}: static ${JSON.stringify(v.type)} vs ORT ${r.type} [${r.dims.join(', ')}]`,
      );
    }
  }
  expect(mismatches).toEqual([]);
  return values.length;
}

describe('static shapes match ONNX Runtime', () => {
  it('opset 17: conv family, activations, pools, layout, linear, shape chains', async () => {
    const n = new Net(17);
    const x = n.g.addInput('x', ['N', 3, 16, 16]);
    const c1 = n.one('Conv', [x, n.w(8, 3, 3, 3), n.w(8)], { pads: [1, 1, 1, 1], strides: [2, 2] }); // [N, 8, 8, 8]
    let a = n.one('Relu', [n.bn(c1, 8)]);
    a = n.one('LeakyRelu', [a], { alpha: 0.1 });
    a = n.one('HardSigmoid', [a]);
    a = n.one('HardSwish', [a]);
    a = n.one('Clip', [a, n.c(Tensor.float32([], [0])), n.c(Tensor.float32([], [6]))]);
    a = n.one('PRelu', [a, n.w(8, 1, 1)]);
    a = n.one('Tanh', [n.one('Sigmoid', [a])]);
    const dil = n.one('Conv', [a, n.w(8, 8, 3, 3)], { dilations: [2, 2], pads: [2, 2, 2, 2] });
    const dw = n.one('Conv', [dil, n.w(8, 1, 3, 3)], { group: 8, auto_pad: 'SAME_UPPER', strides: [2, 2] }); // [N, 8, 4, 4]
    const grp = n.one('Conv', [dw, n.w(16, 4, 3, 3)], { group: 2, pads: [0, 1, 2, 1] }); // [N, 16, 4, 4]
    const lower = n.one('Conv', [grp, n.w(16, 16, 2, 2)], { auto_pad: 'SAME_LOWER' });
    const ct = n.one('ConvTranspose', [lower, n.w(16, 2, 3, 3)], {
      group: 2,
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      output_padding: [1, 1],
    }); // [N, 4, 8, 8]
    const mp = n.one('MaxPool', [ct], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      ceil_mode: 1,
    });
    const [mp2, idx] = n.op('MaxPool', [ct], { kernel_shape: [2, 2], strides: [2, 2] }, 2);
    const ap = n.one('AveragePool', [mp], { kernel_shape: [2, 2], auto_pad: 'SAME_UPPER' });
    // ceil_mode where the last window would start in the end padding (dropped): 5 → 3
    const mp3 = n.one('MaxPool', [mp], {
      kernel_shape: [2, 2],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      ceil_mode: 1,
    });
    const ap2 = n.one('AveragePool', [ct], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      ceil_mode: 1,
    });
    const pad = n.one('Pad', [ap, n.i(0, 0, 1, 1, 0, 0, 0, 1)]);
    const rs = n.one('Resize', [pad, null, n.f(1, 1, 2, 1.5)], { mode: 'nearest' });
    const rs2 = n.one('Resize', [ap, n.f(), n.f(), n.i(2, 4, 3, 3)], { mode: 'linear' });
    const gap = n.one('GlobalAveragePool', [rs]);
    const gmp = n.one('GlobalMaxPool', [rs]);
    const arith = n.one('Div', [
      n.one('Mul', [n.one('Sub', [n.one('Add', [gap, gmp]), n.w(4, 1, 1)]), n.w(1)]),
      n.pos(1, 4, 1, 1),
    ]);
    const cat = n.one('Concat', [arith, gap], { axis: 1 }); // [N, 8, 1, 1]
    const [s1, s2] = n.op('Split', [cat, n.i(3, 5)], { axis: 1 }, 2);
    const [e1, e2] = n.op('Split', [cat], { axis: -3 }, 2);
    const sl = n.one('Slice', [rs, n.i(1), n.c(INT64_MAX), n.i(2), n.i(2)]);
    const slNeg = n.one('Slice', [rs, n.i(-1, 0), n.i(-100, 5), n.i(3, 1), n.i(-3, 1)]);
    const tr = n.one('Transpose', [sl], { perm: [0, 2, 3, 1] });
    const rm = n.one('ReduceMean', [tr], { axes: [1, 2] });
    const rm2 = n.one('ReduceMean', [tr], { axes: [-1], keepdims: 0 });
    const sq = n.one('Squeeze', [rm, n.i(1, 2)]); // [N, 4]
    const us = n.one('Unsqueeze', [sq, n.i(-1, 1)]);
    const fl = n.one('Flatten', [s2!]);
    const fl0 = n.one('Flatten', [s1!], { axis: 0 });
    const gm = n.one('Gemm', [fl, n.w(6, 5), n.w(6)], { transB: 1 });
    const gmA = n.one('Gemm', [n.one('Transpose', [fl]), n.w(5, 3)], { transA: 1 });
    const mm = n.one('MatMul', [sq, n.w(4, 6)]);
    const mm3 = n.one('MatMul', [us, n.w(3, 1, 5)]);
    const mm1 = n.one('MatMul', [n.w(4), n.one('Unsqueeze', [sq, n.i(2)])]);
    const sm = n.one('Softmax', [n.one('Add', [gm, mm])], { axis: -1 });
    const [dr, mask] = n.op('Dropout', [n.one('Identity', [sm])], {}, 2);
    // torch.onnx's x.view(x.size(0), -1)
    const shape = n.one('Shape', [ct]);
    const b = n.one('Gather', [shape, n.c(Tensor.int64([], [0]))], { axis: 0 });
    const target = n.one(
      'Concat',
      [n.one('Unsqueeze', [b, n.i(0)]), n.one('Constant', [], { value_ints: [-1] })],
      { axis: 0 },
    );
    const flat = n.one('Reshape', [ct, target]);
    const flatCast = n.one('Reshape', [ct, n.one('Cast', [n.one('Cast', [target], { to: 1 })], { to: 7 })]);
    const ones = n.one('ConstantOfShape', [n.one('Shape', [gm])], { value: Tensor.float32([1], [1]) });
    const rng = n.one('Range', [
      n.c(Tensor.int64([], [0])),
      n.one('Gather', [n.one('Shape', [flat]), n.c(Tensor.int64([], [1]))]),
      n.c(Tensor.int64([], [64])),
    ]);
    const ex = n.one('Expand', [n.w(1, 4, 1), n.i(3, 1, 2)]);
    const tile = n.one('Tile', [sq, n.i(1, 3)]);
    const red = n.one('ReduceSum', [flat, n.i(1)], { keepdims: 0 });
    const where = n.one('Where', [n.one('Greater', [gm, mm]), gm, mm]);
    const inst = n.one('InstanceNormalization', [ct, n.w(4), n.w(4)]);
    const ln = n.one('LayerNormalization', [tr, n.w(4), n.w(4)], { axis: -1 });
    const ga = n.one('Gather', [n.w(10, 3), n.i(1, 2)]);
    const outs = [
      s2!,
      e1!,
      e2!,
      fl0,
      gmA,
      mm3,
      mm1,
      dr!,
      mask!,
      flatCast,
      ones,
      rng,
      ex,
      tile,
      red,
      where,
      inst,
      ln,
      idx!,
      mp2!,
      slNeg,
      mp3,
      ap2,
      rs2,
      rm2,
      ga,
    ];
    expect(await crossCheck(n, outs, [fl0])).toBeGreaterThan(60);
    expect(fl0.type?.shape).toEqual([1, null]); // 1 × N·3·1·1: not a single symbol
  });

  it('opset 9: Slice/Pad/Clip/Split/Squeeze/Unsqueeze attributes, Upsample scales input', async () => {
    const n = new Net(9);
    const x = n.g.addInput('x', ['N', 3, 10, 10]);
    const c = n.one('Conv', [x, n.w(6, 3, 3, 3)], { pads: [1, 1, 1, 1] });
    const cl = n.one('Clip', [n.bn(c, 6)], { min: 0, max: 6 });
    const sl = n.one('Slice', [cl], { starts: [1, -4], ends: [100, -1], axes: [2, 3] }); // [N, 6, 9, 3]
    const pd = n.one('Pad', [sl], { pads: [0, 0, 1, 0, 0, 0, 0, 2] }); // [N, 6, 10, 5]
    const up = n.one('Upsample', [pd, n.f(1, 1, 2, 2)]);
    const [a, b] = n.op('Split', [up], { axis: 1, split: [2, 4] }, 2);
    const mp = n.one('MaxPool', [b!], { kernel_shape: [2, 2], strides: [2, 2] });
    const rm = n.one('ReduceMean', [mp], { axes: [2, 3] });
    const sq = n.one('Squeeze', [rm], { axes: [2, 3] });
    const us = n.one('Unsqueeze', [sq], { axes: [0] });
    const fl = n.one('Flatten', [a!]);
    const gm = n.one('Gemm', [fl, n.w(400, 7), n.w(7)]);
    const dr = n.one('Dropout', [gm], { ratio: 0.5 });
    const rs = n.one('Reshape', [a!, n.i(0, -1, 40)]);
    expect(await crossCheck(n, [us, dr, rs])).toBe(16);
  });

  it('opset 10: Resize with scales, Slice inputs with steps', async () => {
    const n = new Net(10);
    const x = n.g.addInput('x', ['N', 2, 5, 7]);
    const r = n.one('Resize', [x, n.f(1, 1, 2, 0.5)]);
    const s = n.one('Slice', [r, n.i(0, 6), n.i(100, 0), n.i(2, 3), n.i(3, -2)]);
    expect(await crossCheck(n, [s])).toBe(2);
  });

  it('opset 18: axes as inputs, Split num_outputs, Pad axes, Resize axes and aspect policy', async () => {
    const n = new Net(18);
    const x = n.g.addInput('x', ['N', 4, 7, 9]);
    const rm = n.one('ReduceMean', [x, n.i(1)]);
    const rm0 = n.one('ReduceMax', [x, n.i(2, 3)], { keepdims: 0 });
    const [p, q, r] = n.op('Split', [x], { axis: 3, num_outputs: 3 }, 3);
    const [u, v] = n.op('Split', [x], { axis: 2, num_outputs: 4 }, 4); // 2, 2, 2, 1
    const pd = n.one('Pad', [x, n.i(1, 2, 3, 0), null, n.i(1, -1)]);
    const rs = n.one('Resize', [x, null, null, n.i(12, 27)], { axes: [2, 3] });
    const rsk = n.one('Resize', [x, null, null, n.i(12, 12)], {
      axes: [2, 3],
      keep_aspect_ratio_policy: 'not_larger',
    });
    const rsm = n.one('Resize', [x, null, null, n.i(12, 12)], {
      axes: [2, 3],
      keep_aspect_ratio_policy: 'not_smaller',
    });
    const sh = n.one('Shape', [x], { start: 1, end: -1 });
    const cast = n.one('Cast', [sh], { to: 1 });
    const z = n.one('Reshape', [x, n.i(0, 0, -1)], { allowzero: 0 });
    expect(await crossCheck(n, [rm, rm0, p!, q!, r!, u!, v!, pd, rs, rsk, rsm, cast, z])).toBe(16);
  });

  it('opset 8: Upsample with a scales attribute', async () => {
    const n = new Net(8);
    const x = n.g.addInput('x', ['N', 2, 3, 4]);
    expect(await crossCheck(n, [n.one('Upsample', [x], { scales: [1, 1, 2, 3] })])).toBe(1);
  });

  it('opset 20: every other registered op', async () => {
    const n = new Net(20);
    const x = n.g.addInput('x', ['N', 4, 6, 6]);
    const outs: Value[] = [];
    const unary = [
      'Elu',
      'Selu',
      'Celu',
      'Softplus',
      'Softsign',
      'Mish',
      'Gelu',
      'Erf',
      'Exp',
      'Log',
      'Sin',
      'Cos',
    ];
    const more = [
      'Round',
      'Sign',
      'Reciprocal',
      'ThresholdedRelu',
      'Shrink',
      'LogSoftmax',
      'Hardmax',
      'Neg',
      'Abs',
    ];
    for (const op of [...unary, ...more, 'Floor', 'Ceil', 'Sqrt', 'LRN']) {
      outs.push(n.one(op, [x], op === 'LRN' ? { size: 3 } : {}));
    }
    outs.push(n.one('LpPool', [x], { kernel_shape: [3, 3], strides: [2, 2], p: 2 }));
    outs.push(n.one('GlobalLpPool', [x], { p: 2 }));
    for (const op of ['Pow', 'Max', 'Min', 'Sum', 'Mean']) outs.push(n.one(op, [x, n.pos(6)]));
    outs.push(n.one('Mod', [x, n.pos(4, 1, 1)], { fmod: 1 }));
    const cmp = ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual'].map((op) =>
      n.one(op, [x, n.pos(1)]),
    );
    outs.push(...cmp, n.one('Not', [cmp[0]!]));
    for (const op of ['And', 'Or', 'Xor']) outs.push(n.one(op, [cmp[1]!, cmp[3]!]));
    for (const op of [
      'ReduceMin',
      'ReduceProd',
      'ReduceL1',
      'ReduceL2',
      'ReduceLogSumExp',
      'ReduceSumSquare',
    ]) {
      outs.push(n.one(op, [x, n.i(1, -1)], { keepdims: 0 }));
    }
    outs.push(n.one('ArgMax', [x], { axis: 1 }), n.one('ArgMin', [x], { axis: -1, keepdims: 0 }));
    outs.push(n.one('Size', [x]), n.one('CastLike', [n.one('Shape', [x]), x]));
    expect(await crossCheck(n, outs)).toBe(outs.length + 1);
  });

  it('covers every op in the registry', () => {
    expect(Object.keys(opSpecs).filter((op) => !covered.has(op))).toEqual([]);
  });
});

// read → write → read on hand-built ModelProtos that use every feature pare must carry through.

import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../ir/tensor.js';
import { modelDiff } from './graph-equal.js';
import { varint } from './pieces.js';
import {
  AttributeProto_AttributeType as AT,
  type AttributeProto,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  TensorProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from './proto/onnx_pb.js';
import { decodeModel } from './read.js';
import { tensorConstantOrigin } from './tensor-meta.js';
import { encodeModel } from './write.js';

/** An unknown length-delimited field whose payload is a marker we can find in the output bytes. */
function unknown(no: number, marker: string) {
  const payload = Buffer.from(marker);
  return [{ no, wireType: 2, data: new Uint8Array(Buffer.concat([varint(payload.byteLength), payload])) }];
}

function vi(name: string, elemType: number, dims: (number | string | null)[]): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType,
          shape: {
            dim: dims.map((d) =>
              d === null
                ? {}
                : typeof d === 'number'
                  ? { value: { case: 'dimValue' as const, value: BigInt(d) } }
                  : { value: { case: 'dimParam' as const, value: d } },
            ),
          },
        },
      },
    },
  });
}

function node(
  opType: string,
  input: string[],
  output: string[],
  extra: MessageInitShape<typeof NodeProtoSchema> = {},
): NodeProto {
  return create(NodeProtoSchema, { opType, input, output, name: output[0] ?? opType, ...extra });
}

function attr(name: string, init: MessageInitShape<typeof AttributeProtoSchema>): AttributeProto {
  return create(AttributeProtoSchema, { name, ...init });
}

const f32 = (name: string, dims: number[], values: number[]) =>
  create(TensorProtoSchema, { name, dataType: 1, dims: dims.map(BigInt), floatData: values });

/** A model using unknown fields at every level, metadata, doc strings, functions, subgraphs, ... */
function kitchenSink(): Uint8Array {
  const thenBranch = create(GraphProtoSchema, {
    name: 'then',
    node: [node('Add', ['z', 'k'], ['t_out'])],
    output: [vi('t_out', 1, ['N', 3])],
  });
  const elseBranch = create(GraphProtoSchema, {
    name: 'else',
    node: [node('Identity', ['w'], ['e_out'])],
    output: [vi('e_out', 1, [3])],
  });
  const input = vi('x', 1, ['N', 3]);
  input.docString = 'the input';
  input.$unknown = unknown(901, 'VI-UNKNOWN');
  const dim0 = input.type!.value.case === 'tensorType' ? input.type!.value.value.shape!.dim[0]! : undefined;
  dim0!.denotation = 'DATA_BATCH';
  const mul = node('Mul', ['x', 'w'], ['y'], {
    docString: 'node doc',
    metadataProps: [{ key: 'origin', value: 'layer1' }],
  });
  mul.$unknown = unknown(902, 'NODE-UNKNOWN');
  const weird = attr('weird', { type: AT.INT, i: 5n });
  weird.$unknown = unknown(903, 'ATTR-UNKNOWN');
  mul.attribute.push(weird);
  const attrs = node('Attrs', ['y'], ['a'], {
    domain: 'com.example',
    attribute: [
      attr('f', { type: AT.FLOAT, f: 0.1 }),
      attr('i', { type: AT.INT, i: 9223372036854775807n }),
      attr('big', { type: AT.INT, i: (1n << 60n) + 1n }),
      attr('s', { type: AT.STRING, s: Buffer.from('héllo') }),
      attr('bad_utf8', { type: AT.STRING, s: new Uint8Array([0xff, 0xfe]) }),
      attr('fs', { type: AT.FLOATS, floats: [1.5, -0] }),
      attr('is', { type: AT.INTS, ints: [-1n, -9223372036854775808n] }),
      attr('ss', { type: AT.STRINGS, strings: [Buffer.from('a'), Buffer.from('b')] }),
      attr('t', { type: AT.TENSOR, t: f32('named_t', [2], [1, 2]) }),
      attr('ts', { type: AT.TENSORS, tensors: [f32('t0', [1], [3]), f32('', [0], [])] }),
      attr('untyped', { ints: [1n, 2n] }),
      attr('ref', { type: AT.FLOAT, refAttrName: 'alpha' }),
      attr('doc', { type: AT.INT, i: 1n, docString: 'attr doc' }),
      attr('sparse', {
        type: AT.SPARSE_TENSOR,
        sparseTensor: {
          dims: [4n],
          values: f32('', [1], [5]),
          indices: { dataType: 7, dims: [1n], int64Data: [2n] },
        },
      }),
      attr('tp', { type: AT.TYPE_PROTO, tp: vi('_', 1, [1]).type! }),
    ],
  });
  const call = node('MyFn', ['y'], ['z'], { domain: 'com.example' });
  const ifNode = node('If', ['cond'], ['out'], {
    attribute: [
      attr('then_branch', { type: AT.GRAPH, g: thenBranch }),
      attr('else_branch', { type: AT.GRAPH, g: elseBranch }),
    ],
  });
  const constant = node('Constant', [], ['k'], {
    name: 'const_k',
    docString: 'a constant',
    attribute: [attr('value', { type: AT.TENSOR, t: f32('k_tensor', [3], [7, 8, 9]) })],
  });
  const graph = create(GraphProtoSchema, {
    name: 'sink',
    docString: 'graph doc',
    node: [constant, mul, attrs, call, ifNode],
    initializer: [
      f32('w', [3], [0.5, 1, 2]),
      create(TensorProtoSchema, { name: 'cond', dataType: 9, dims: [], int32Data: [1] }),
    ],
    input: [input],
    output: [vi('out', 1, ['N', 3]), vi('a', 1, [])],
    valueInfo: [vi('y', 1, ['N', 3]), Object.assign(vi('z', 1, ['N', null]), { docString: 'z doc' })],
    metadataProps: [{ key: 'graph_key', value: 'graph_value' }],
    quantizationAnnotation: [
      { tensorName: 'y', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 'w' }] },
    ],
  });
  graph.$unknown = unknown(904, 'GRAPH-UNKNOWN');
  const model = create(ModelProtoSchema, {
    irVersion: 9n,
    producerName: 'hand',
    producerVersion: '1',
    domain: 'org.test',
    modelVersion: 3n,
    docString: 'model doc',
    opsetImport: [
      { domain: '', version: 17n },
      { domain: 'com.example', version: 1n },
    ],
    metadataProps: [
      { key: 'author', value: 'someone' },
      { key: 'license', value: 'MIT' },
    ],
    functions: [
      {
        name: 'MyFn',
        domain: 'com.example',
        input: ['i'],
        output: ['o'],
        node: [node('Relu', ['i'], ['o'])],
        opsetImport: [{ domain: '', version: 17n }],
      },
    ],
    graph,
  });
  model.$unknown = unknown(905, 'MODEL-UNKNOWN');
  return toBinary(ModelProtoSchema, model);
}

describe('round trip of a model using every feature', () => {
  const original = kitchenSink();
  const first = decodeModel(original);
  const written = encodeModel(first);
  const second = decodeModel(written);

  it('read → write → read gives the same IR, and writing again the same bytes', () => {
    expect(modelDiff(first, second)).toBeUndefined();
    expect(Buffer.compare(encodeModel(second), written)).toBe(0);
  });

  it('unknown fields of model, graph, node, attribute and value info are byte-present', () => {
    const text = Buffer.from(written).toString('latin1');
    for (const marker of ['MODEL-UNKNOWN', 'GRAPH-UNKNOWN', 'NODE-UNKNOWN', 'ATTR-UNKNOWN', 'VI-UNKNOWN']) {
      expect(text, marker).toContain(marker);
    }
    const mp = fromBinary(ModelProtoSchema, written);
    expect(mp.$unknown?.map((u) => u.no)).toEqual([905]);
    expect(mp.graph!.$unknown?.map((u) => u.no)).toEqual([904]);
  });

  it('keeps metadata, doc strings, opsets, functions, annotations and dimension denotations', () => {
    const mp = fromBinary(ModelProtoSchema, written);
    expect(mp.metadataProps.map((e) => `${e.key}=${e.value}`)).toEqual(['author=someone', 'license=MIT']);
    expect([mp.producerName, mp.domain, mp.modelVersion, mp.docString]).toEqual([
      'hand',
      'org.test',
      3n,
      'model doc',
    ]);
    expect(mp.opsetImport.map((o) => `${o.domain}:${o.version}`)).toEqual([':17', 'com.example:1']);
    expect(mp.functions.map((f) => f.name)).toEqual(['MyFn']);
    const g = mp.graph!;
    expect(g.docString).toBe('graph doc');
    expect(g.metadataProps[0]?.value).toBe('graph_value');
    expect(g.quantizationAnnotation[0]?.tensorName).toBe('y');
    const x = g.input[0]!;
    expect(x.docString).toBe('the input');
    const t = x.type!.value;
    expect(t.case === 'tensorType' && t.value.shape!.dim[0]!.denotation).toBe('DATA_BATCH');
    const mul = g.node.find((n) => n.opType === 'Mul')!;
    expect([mul.docString, mul.metadataProps[0]?.value]).toEqual(['node doc', 'layer1']);
  });

  it('types with symbolic and unknown dims', () => {
    expect(first.graph.mustValue('x').type).toEqual({ elemType: 1, shape: ['N', 3] });
    expect(first.graph.mustValue('z').type).toEqual({ elemType: 1, shape: ['N', null] });
  });

  it('attributes: typed where exact, opaque otherwise', () => {
    const n = first.graph.nodes.find((m) => m.opType === 'Attrs')!;
    const kinds = Object.fromEntries([...n.attributes].map(([k, a]) => [k, a.kind]));
    expect(kinds).toEqual({
      f: 'float',
      i: 'int',
      big: 'opaque',
      s: 'string',
      bad_utf8: 'opaque',
      fs: 'floats',
      is: 'ints',
      ss: 'strings',
      t: 'tensor',
      ts: 'tensors',
      untyped: 'ints',
      ref: 'opaque',
      doc: 'opaque',
      sparse: 'opaque',
      tp: 'opaque',
    });
    expect(n.attrString('s')).toBe('héllo');
    expect(n.attrInts('is')).toEqual([-1, -(2 ** 63)]);
    const back = fromBinary(ModelProtoSchema, written).graph!.node.find((m) => m.opType === 'Attrs')!;
    const get = (k: string) => back.attribute.find((a) => a.name === k)!;
    expect(get('i').i).toBe(9223372036854775807n);
    expect(get('big').i).toBe((1n << 60n) + 1n);
    expect([...get('bad_utf8').s]).toEqual([0xff, 0xfe]);
    expect(get('t').t!.name).toBe('named_t');
    expect(get('ref').refAttrName).toBe('alpha');
    expect(get('is').ints).toEqual([-1n, -9223372036854775808n]);
  });

  it('subgraphs survive and count as uses of the outer values they read', () => {
    const g = first.graph;
    const ifNode = g.nodes.find((n) => n.opType === 'If')!;
    expect(ifNode.hasSubgraphs).toBe(true);
    expect(ifNode.implicitInputs.map((v) => v.name).sort()).toEqual(['k', 'w', 'z']);
    expect(g.mustValue('k').uses).toEqual([{ node: ifNode, index: -1 }]);
    // 'k' is used only inside the then-branch: cleanup must keep it.
    const clone = g.clone();
    clone.cleanup();
    expect(clone.value('k')?.isConst).toBe(true);
  });

  it('Constant nodes become initializers and are written back as Constant nodes', () => {
    const k = first.graph.mustValue('k');
    expect([...k.const!.toFloat32()]).toEqual([7, 8, 9]);
    expect(tensorConstantOrigin(k.const!)).toEqual({
      nodeName: 'const_k',
      docString: 'a constant',
      nodeExtra: undefined,
    });
    const g = fromBinary(ModelProtoSchema, written).graph!;
    expect(g.node[0]!.opType).toBe('Constant');
    expect(g.node[0]!.name).toBe('const_k');
    expect(g.node[0]!.attribute[0]!.t!.name).toBe('k_tensor');
    expect(g.initializer.map((t) => t.name)).toEqual(['w', 'cond']);
    // A replaced tensor has no Constant origin: it is written as an initializer.
    first.graph.setConst(k, Tensor.float32([3], [1, 1, 1]));
    const g2 = fromBinary(ModelProtoSchema, encodeModel(first)).graph!;
    expect(g2.node.some((n) => n.opType === 'Constant')).toBe(false);
    expect(g2.initializer.map((t) => t.name)).toEqual(['w', 'cond', 'k']);
  });

  it('liftConstants: false keeps Constant nodes as nodes', () => {
    const m = decodeModel(original, { liftConstants: false });
    expect(m.graph.nodes[0]!.opType).toBe('Constant');
    expect(m.graph.value('k')?.isConst).toBe(false);
    expect(modelDiff(m, decodeModel(encodeModel(m), { liftConstants: false }))).toBeUndefined();
  });
});

describe('older and odd layouts', () => {
  it('IR 3: initializers listed as graph inputs stay listed, and are not feeds', () => {
    const mp = create(ModelProtoSchema, {
      irVersion: 3n,
      opsetImport: [{ domain: '', version: 7n }],
      graph: {
        name: 'old',
        node: [node('Add', ['x', 'b'], ['y'])],
        initializer: [f32('b', [2], [1, 2])],
        input: [vi('x', 1, [2]), vi('b', 1, [2])],
        output: [vi('y', 1, [2])],
      },
    });
    const m = decodeModel(toBinary(ModelProtoSchema, mp));
    expect([...m.graph.initializerInputs]).toEqual(['b']);
    expect(m.graph.feedInputs.map((v) => v.name)).toEqual(['x']);
    const back = fromBinary(ModelProtoSchema, encodeModel(m));
    expect(back.graph!.input.map((v) => v.name)).toEqual(['x', 'b']);
    expect(back.irVersion).toBe(3n);
    expect(modelDiff(m, decodeModel(encodeModel(m)))).toBeUndefined();
  });

  it('unnamed and duplicate node names get unique names once, then stay', () => {
    const mp = create(ModelProtoSchema, {
      irVersion: 8n,
      opsetImport: [{ domain: '', version: 13n }],
      graph: {
        node: [
          create(NodeProtoSchema, { opType: 'Relu', input: ['x'], output: ['a'] }),
          create(NodeProtoSchema, { opType: 'Relu', input: ['a'], output: ['b'], name: 'r' }),
          create(NodeProtoSchema, { opType: 'Relu', input: ['b'], output: ['c'], name: 'r' }),
        ],
        input: [vi('x', 1, [1])],
        output: [vi('c', 1, [1])],
      },
    });
    const m = decodeModel(toBinary(ModelProtoSchema, mp));
    expect(m.graph.nodes.map((n) => n.name)).toEqual(['Relu_0', 'r', 'r_1']);
    expect(modelDiff(m, decodeModel(encodeModel(m)))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import { cloneModel, createModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { modelDiff } from './graph-equal.js';

function small(): Model {
  const b = new GraphBuilder({ seed: 3 });
  const x = b.input('x', ['N', 3, 8, 8]);
  b.output(b.relu(b.conv(x, { out: 4, kernel: 3, pad: 1, name: 'c1' }), 'r1'));
  return createModel(b.build(), { metadata: new Map([['k', 'v']]) });
}

describe('modelDiff', () => {
  it('is undefined for a model and its clone', () => {
    const m = small();
    expect(modelDiff(m, cloneModel(m))).toBeUndefined();
  });

  it('reports the first difference with its path and both sides', () => {
    const m = small();
    const c = cloneModel(m);
    c.graph.nodes[0]!.setAttr('pads', { kind: 'ints', value: [0, 0, 0, 0] });
    expect(modelDiff(m, c)).toBe("graph.node[0] (Conv 'c1').attr 'pads': [1,1,1,1] vs [0,0,0,0]");

    const d = cloneModel(m);
    const w = d.graph.mustValue('c1.weight');
    const data = Float32Array.from(w.const!.toFloat32());
    data[5] = (data[5] ?? 0) + 1;
    d.graph.setConst(w, Tensor.from('float32', w.const!.dims, data));
    expect(modelDiff(m, d)).toMatch(
      /^graph\.value 'c1\.weight'\.const\.bytes: bytes differ first at 2[0-3] /,
    );

    const e = cloneModel(m);
    e.metadata.set('k', 'w');
    expect(modelDiff(m, e)).toBe('model.metadata: [["k","v"]] vs [["k","w"]]');

    const f = cloneModel(m);
    f.graph.mustValue('x').type = { elemType: 1, shape: [1, 3, 8, 8] };
    expect(modelDiff(m, f)).toBe(
      `graph.value 'x'.type: {"elemType":1,"shape":["N",3,8,8]} vs {"elemType":1,"shape":[1,3,8,8]}`,
    );
  });

  it('tells -0 from 0 and NaN equals NaN in attributes', () => {
    const m = small();
    const c = cloneModel(m);
    m.graph.nodes[1]!.setAttr('alpha', { kind: 'float', value: Number.NaN });
    c.graph.nodes[1]!.setAttr('alpha', { kind: 'float', value: Number.NaN });
    expect(modelDiff(m, c)).toBeUndefined();
    c.graph.nodes[1]!.setAttr('alpha', { kind: 'float', value: -0 });
    m.graph.nodes[1]!.setAttr('alpha', { kind: 'float', value: 0 });
    expect(modelDiff(m, c)).toBe("graph.node[1] (Relu 'r1').attr 'alpha': 0 vs -0");
  });
});

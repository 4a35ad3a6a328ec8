// Analysis never fails on odd graphs: unknown ops, subgraphs, malformed attributes and shape reads
// of the channel count block exactly the channels they touch, naming the node.

import { describe, expect, it } from 'vitest';
import { attr } from '../ir/attribute.js';
import { GraphBuilder } from '../ir/builder.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { analyzeChannels } from './channel-groups.js';

function lines(b: GraphBuilder): string[] {
  return analyzeChannels(b.build()).groups.map((g) => `${g.id}: ${g.blockers.join('; ') || 'prunable'}`);
}

function start(name: string) {
  const b = new GraphBuilder({ name, seed: 1 });
  const x = b.input('x', ['N', 3, 8, 8]);
  return { b, h: b.relu(b.conv(x, { out: 4, kernel: 3, pad: 1, name: 'c1' })) };
}

describe('analyzeChannels on odd graphs', () => {
  it('an op from another domain blocks its inputs; the rest stays prunable', () => {
    const { b, h } = start('custom');
    const y = b.graph.addNode('Foo', [h], ['foo'], { name: 'foo', domain: 'com.example' }).output();
    y.type = { elemType: 1, shape: ['N', 4, 8, 8] };
    const z = b.op(
      'Conv',
      [y, b.weight('c2.w', [5, 4, 1, 1], 'normal')],
      { kernel_shape: [1, 1] },
      { name: 'c2', shape: ['N', 5, 8, 8] },
    );
    b.output(b.conv(z, { out: 2, kernel: 1, name: 'c3' }));
    expect(lines(b)).toEqual([
      "x: channels of graph input 'x'",
      "c1: Foo 'foo' has no channel rule (pare does not know how it treats channels)",
      'c2: prunable',
      "c3: feeds graph output 'c3'",
    ]);
  });

  it('values read inside a subgraph are blocked', () => {
    const { b, h } = start('subgraph');
    const node = b.graph.addNode('If', [b.weight('cond', [], Float32Array.of(1))], ['if_out'], {
      name: 'branch',
    });
    node.addImplicitInput(h);
    b.output(b.conv(h, { out: 2, kernel: 1, name: 'c2' }));
    b.output(node.output());
    expect(lines(b)[1]).toBe(
      "c1: If 'branch' has no channel rule (pare does not know how it treats channels)",
    );
  });

  it('a handler that fails (malformed attribute) blocks the node instead of throwing', () => {
    const { b, h } = start('malformed');
    const y = b.conv(h, { out: 3, kernel: 1, name: 'c2' });
    b.output(b.conv(y, { out: 2, kernel: 1, name: 'c3' }));
    const g = b.build();
    inferShapes(g);
    g.node('c2')!.setAttr('group', attr('string', 'two'));
    const groups = analyzeChannels(g).groups;
    expect(groups.find((g) => g.id === 'c1')!.blockers[0]).toMatch(
      /^Conv 'c2' could not be analysed: Conv 'c2' attribute 'group': expected an int, got string/,
    );
  });

  it('reading the channel count through Shape blocks, unless it only reaches a Reshape of the same channels', () => {
    const { b, h } = start('shape');
    const s = b.op('Shape', [h], {}, { name: 'shape', shape: [4] });
    const c = b.op('Gather', [s, b.ints('one', [1])], { axis: 0 }, { name: 'pick', shape: [1] });
    b.output(b.op('ConstantOfShape', [c], {}, { name: 'zeros', shape: [4] }));
    b.output(b.conv(h, { out: 2, kernel: 1, name: 'c2' }));
    expect(lines(b)[1]).toBe(
      "c1: Shape 'shape' reads the channel count of 'relu1' and ConstantOfShape 'zeros' uses it",
    );
  });

  it('a one-channel map broadcast over the channels (spatial attention) blocks only itself', () => {
    const { b, h } = start('attention');
    const map = b.op('Sigmoid', [b.conv(h, { out: 1, kernel: 1, name: 'att' })], {}, { name: 'att.sig' });
    b.output(b.conv(b.mul(h, map, 'att.mul'), { out: 2, kernel: 1, name: 'c2' }));
    expect(lines(b).slice(1, 3)).toEqual([
      'c1: prunable',
      "att: broadcast along the channel axis by Mul 'att.mul'",
    ]);
  });
});

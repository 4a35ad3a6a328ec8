import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../ir/builder.js';
import type { Graph } from '../ir/graph.js';
import { createModel } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { decodeModel } from '../onnx/read.js';
import { encodeModel } from '../onnx/write.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { PareError } from '../util/errors.js';
import { analyzeChannels } from './channel-groups.js';
import { checkPlan, createPlan, modelFingerprint, parsePlan, readPlan, serializePlan } from './plan.js';

function net(): Graph {
  const b = new GraphBuilder({ name: 'tiny', seed: 2 });
  const x = b.input('x', ['N', 3, 4, 4]);
  const h = b.relu(b.conv(x, { out: 6, kernel: 3, pad: 1, name: 'c1' }));
  b.output(b.gemm(b.flatten(b.globalAvgPool(h)), 2, { name: 'fc' }));
  return b.build();
}

function failure(f: () => unknown): PareError {
  try {
    f();
  } catch (e) {
    if (e instanceof PareError) return e;
    throw e;
  }
  throw new Error('expected a PareError');
}

describe('modelFingerprint', () => {
  it('is stable across clone, ONNX round trip, weight changes and shape annotation', () => {
    const g = net();
    const fp = modelFingerprint(g);
    expect(fp).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(modelFingerprint(g.clone())).toBe(fp);
    expect(modelFingerprint(decodeModel(encodeModel(createModel(g))).graph)).toBe(fp);
    const w = g.value('c1.weight')!;
    g.setConst(w, Tensor.from('float32', w.const!.dims, new Float32Array(w.const!.size)));
    inferShapes(g);
    expect(modelFingerprint(g)).toBe(fp);
  });

  it('changes with structure: a renamed node, a different weight shape', () => {
    const fp = modelFingerprint(net());
    const renamed = net();
    renamed.node('c1')!.name = 'conv1';
    expect(modelFingerprint(renamed)).not.toBe(fp);
    const reshaped = net();
    const w = reshaped.value('fc.bias')!;
    reshaped.setConst(w, Tensor.float32([1, 2], [0, 0]));
    expect(modelFingerprint(reshaped)).not.toBe(fp);
  });
});

describe('plan files', () => {
  it('serialize → parse is the identity', () => {
    const plan = createPlan(net(), { c1: [0, 2, 5] });
    expect(parsePlan(serializePlan(plan))).toEqual(plan);
    expect(serializePlan(plan)).toContain('"c1": [0, 2, 5]');
  });

  it('bad files give PARE_PLAN errors with the path inside the JSON', () => {
    expect(failure(() => parsePlan('{', 'p.json')).message).toMatch(/^p\.json: not valid JSON/);
    expect(failure(() => parsePlan('{"version":2,"fingerprint":"x","groups":{}}', 'p.json')).message).toMatch(
      /^p\.json: version: /,
    );
    const e = failure(() => parsePlan('{"version":1,"fingerprint":"x","groups":{"c1":[0.5]}}', 'p.json'));
    expect(e.code).toBe('PARE_PLAN');
    expect(e.message).toMatch(/^p\.json: groups\.c1\.0: /);
  });

  it('a missing file is PARE_IO naming it', async () => {
    await expect(readPlan('/nonexistent/plan.json')).rejects.toThrow(
      "cannot read plan '/nonexistent/plan.json'",
    );
  });
});

describe('checkPlan', () => {
  const g = net();
  const analysis = analyzeChannels(g);
  const check = (groups: Record<string, number[]>, fingerprint = modelFingerprint(g)) =>
    failure(() =>
      checkPlan({ version: 1, fingerprint, groups }, g, analysis, { source: 'p.json', model: 'tiny.onnx' }),
    ).message;

  it('returns sorted kept indices of the groups that lose channels', () => {
    const kept = checkPlan(createPlan(g, { c1: [4, 1], fc: [0, 1] }), g, analysis);
    expect([...kept]).toEqual([['c1', Int32Array.of(1, 4)]]);
  });

  it('names the model, the group and the problem', () => {
    expect(check({}, 'sha256:0')).toBe(
      `p.json: made for a model with fingerprint sha256:0, but 'tiny.onnx' has ${modelFingerprint(g)}`,
    );
    expect(check({ conv9: [0] })).toBe("p.json: group 'conv9': 'tiny.onnx' has no such group");
    expect(check({ c1: [0, 6] })).toBe("p.json: group 'c1' keeps channel 6, but it has 6 (0..5)");
    expect(check({ c1: [1, 1] })).toBe("p.json: group 'c1' keeps channel 1 twice");
    expect(check({ c1: [] })).toBe("p.json: group 'c1' keeps 0 of 6 channels; at least 1 must stay");
    expect(check({ fc: [0] })).toBe("p.json: group 'fc' cannot be pruned: feeds graph output 'fc'");
  });
});

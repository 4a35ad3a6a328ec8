// Registry contract: every op the training engine promises has a rule, every rule has
// finite-difference cases, and rules declare sane differentiable inputs.

import { describe, expect, it } from 'vitest';
import { gradRules } from './registry.js';
import { ruleCases } from './test-support/rule-cases.js';

const promised = [
  'Conv',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'BatchNormalization',
  'Relu',
  'LeakyRelu',
  'PRelu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Flatten',
  'Reshape',
  'Transpose',
  'Concat',
  'Split',
  'Slice',
  'Pad',
  'Squeeze',
  'Unsqueeze',
  'ReduceMean',
  'ReduceSum',
  'Softmax',
  'LogSoftmax',
  'Dropout',
  'Identity',
];

describe('gradient rule registry', () => {
  it('has a rule for every op the training engine supports', () => {
    const missing = promised.filter((op) => !Object.hasOwn(gradRules, op));
    expect(missing).toEqual([]);
  });

  it('has finite-difference cases for every rule, named after the op they test', () => {
    for (const [op, cases] of Object.entries(ruleCases)) {
      expect(cases.length, op).toBeGreaterThan(0);
      for (const c of cases) expect(c.op, c.name).toBe(op);
    }
    expect(Object.keys(ruleCases).sort()).toEqual(Object.keys(gradRules).sort());
  });

  it('declares differentiable inputs as distinct non-negative indices', () => {
    for (const [op, rule] of Object.entries(gradRules)) {
      const d = rule.differentiable;
      expect(d.length, op).toBeGreaterThan(0);
      expect(new Set(d).size, op).toBe(d.length);
      expect(
        d.every((i) => Number.isInteger(i) && i >= 0),
        op,
      ).toBe(true);
    }
  });

  it('keeps shape, axes and statistics inputs out of the differentiable set', () => {
    expect(gradRules.Reshape.differentiable).toEqual([0]);
    expect(gradRules.Slice.differentiable).toEqual([0]);
    expect(gradRules.Pad.differentiable).toEqual([0]);
    expect(gradRules.Clip.differentiable).toEqual([0]);
    expect(gradRules.Where.differentiable).toEqual([1, 2]);
  });
});

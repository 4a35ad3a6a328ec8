import { describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import { checkInputShape } from './input-shape-check.js';

const DATA = 'idx:/usr/share/datasets/fashion-mnist';

function thrown(fn: () => unknown): PareError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PareError);
    return error as PareError;
  }
  throw new Error('expected a PareError');
}

describe('checkInputShape', () => {
  it('accepts matching shapes, free axes and a batch axis that fits', () => {
    expect(() =>
      checkInputShape({ model: 'm.onnx', input: 'x', shape: ['N', 1, 28, 28] }, DATA, [1, 28, 28], 128),
    ).not.toThrow();
    expect(() =>
      checkInputShape({ model: 'm.onnx', input: 'x', shape: [null, 3, 'h', 'w'] }, DATA, [3, 17, 5]),
    ).not.toThrow();
    expect(() =>
      checkInputShape({ model: 'm.onnx', input: 'x', shape: [1, 28, 28] }, DATA, [1, 28, 28]),
    ).not.toThrow();
    expect(() =>
      checkInputShape({ model: 'm.onnx', input: 'x', shape: [64, 1, 28, 28] }, DATA, [1, 28, 28], 64),
    ).not.toThrow();
  });

  it('suggests --resize when only height and width differ', () => {
    const error = thrown(() =>
      checkInputShape({ model: 'lenet.onnx', input: 'input', shape: ['N', 1, 32, 32] }, DATA, [1, 28, 28]),
    );
    expect(error).toMatchObject({ code: 'PARE_DATA', file: 'lenet.onnx', tensor: 'input' });
    expect(error.message).toBe(
      `model 'lenet.onnx' input 'input' expects 1×32×32 but data '${DATA}' gives 1×28×28; ` +
        'use --resize 32x32 (or a model made for 28×28 inputs)',
    );
  });

  it('says that resizing cannot fix a channel mismatch', () => {
    expect(
      thrown(() =>
        checkInputShape({ model: 'x.onnx', input: 'input', shape: [1, 3, 32, 32] }, DATA, [1, 28, 28]),
      ).message,
    ).toBe(
      `model 'x.onnx' input 'input' expects 3×32×32 but data '${DATA}' gives 1×28×28; the channel counts differ ` +
        '(3 vs 1), which --resize cannot fix: use data with 3 channels or a model made for 1',
    );
  });

  it('keeps the data size on a free axis when suggesting a resize', () => {
    expect(
      thrown(() =>
        checkInputShape({ model: 'x.onnx', input: 'x', shape: ['N', 1, 32, 'W'] }, DATA, [1, 28, 28]),
      ).message,
    ).toBe(
      `model 'x.onnx' input 'x' expects 1×32×? but data '${DATA}' gives 1×28×28; ` +
        'use --resize 32x28 (or a model made for 28×28 inputs)',
    );
  });

  it('rejects non-image inputs and a fixed batch size that differs', () => {
    expect(
      thrown(() =>
        checkInputShape({ model: 'mlp.onnx', input: 'flat', shape: ['N', 784] }, DATA, [1, 28, 28]),
      ).message,
    ).toBe(
      "model 'mlp.onnx' input 'flat' has shape ?×784, not an image batch N×C×H×W; pare's data loaders give " +
        'images, so export the model with its image input (before any Flatten)',
    );
    expect(
      thrown(() =>
        checkInputShape({ model: 'm.onnx', input: 'x', shape: [1, 1, 28, 28] }, DATA, [1, 28, 28], 128),
      ).message,
    ).toBe(
      "model 'm.onnx' input 'x' has a fixed batch size of 1 but batches of 128 were asked for; use " +
        '--batch 1 or export the model with a dynamic batch axis',
    );
  });
});

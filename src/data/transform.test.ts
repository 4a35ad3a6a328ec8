import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { chainShape, TransformPipeline } from './transform.js';
import { buildTransforms } from './transform-options.js';

describe('buildTransforms', () => {
  const options = {
    resize: [4, 4],
    cropPadding: 2,
    flip: true,
    normalize: { mean: [0.5], std: [0.5] },
  } as const;

  it('orders resize, crop, flip, normalise for training', () => {
    expect(buildTransforms(options, 'train').map((t) => t.name)).toEqual([
      'resize 4x4',
      'random-crop pad 2',
      'horizontal-flip p 0.5',
      'normalize 0.5/0.5',
    ]);
  });

  it('keeps only the deterministic ones for evaluation', () => {
    expect(buildTransforms(options, 'eval').map((t) => t.name)).toEqual(['resize 4x4', 'normalize 0.5/0.5']);
    expect(buildTransforms({ cropPadding: 0 }, 'train')).toEqual([]);
  });
});

describe('TransformPipeline', () => {
  it('allocates a new buffer only where the shape changes and runs stages in order', () => {
    const transforms = buildTransforms({ resize: [2, 2], normalize: { mean: [0.5], std: [0.5] } }, 'eval');
    const pipeline = new TransformPipeline(transforms, [1, 1, 1], 2);
    expect(pipeline.outputShape).toEqual([1, 2, 2]);
    expect(pipeline.input.length).toBe(2);
    expect(pipeline.output.length).toBe(8);
    pipeline.input.set([0, 1]);
    expect(Array.from(pipeline.run(2, new Rng(0)))).toEqual([-1, -1, -1, -1, 1, 1, 1, 1]);
    expect(chainShape(transforms, [3, 5, 5])).toEqual([3, 2, 2]);
  });

  it('works in the input buffer when no transform changes the shape', () => {
    const pipeline = new TransformPipeline(buildTransforms({ flip: true }, 'train'), [1, 2, 2], 4);
    expect(pipeline.output).toBe(pipeline.input);
    const empty = new TransformPipeline([], [1, 2, 2], 1);
    expect(empty.output).toBe(empty.input);
  });
});

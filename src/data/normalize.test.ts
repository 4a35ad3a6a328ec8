import { describe, expect, it } from 'vitest';
import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { normalizationPresets, normalize, parseNormalization } from './normalize.js';

describe('parseNormalization', () => {
  it('reads MEAN,STD for one channel', () => {
    expect(parseNormalization('0.2860,0.3530')).toEqual({ mean: [0.286], std: [0.353] });
  });

  it('reads MEANS/STDS per channel and M/S', () => {
    expect(parseNormalization('0.485,0.456,0.406/0.229,0.224,0.225')).toEqual({
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    expect(parseNormalization('0.5/0.25')).toEqual({ mean: [0.5], std: [0.25] });
  });

  it('reads preset names', () => {
    expect(parseNormalization('imagenet')).toBe(normalizationPresets.imagenet);
    expect(parseNormalization('fashion-mnist')).toEqual({ mean: [0.286], std: [0.353] });
  });

  const usage =
    'expected MEAN,STD (0.2860,0.3530), MEANS/STDS (0.485,0.456,0.406/0.229,0.224,0.225) ' +
    'or a preset (mnist, fashion-mnist, cifar10, cifar100, imagenet)';

  it.each([
    ['0.1,0.2,0.3', `--normalize '0.1,0.2,0.3': ${usage}`],
    ['0.1,0.2/0.3', `--normalize '0.1,0.2/0.3': ${usage}`],
    ['a,b', `--normalize 'a,b': ${usage}`],
    ['0.5,', `--normalize '0.5,': ${usage}`],
    ['0.5,0', "--normalize '0.5,0': standard deviations must be positive"],
  ])('rejects %s', (text, message) => {
    const error = (() => {
      try {
        parseNormalization(text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PareError);
    expect(error).toMatchObject({ code: 'PARE_CONFIG', message });
  });
});

describe('normalize', () => {
  it('computes (x − mean) / std per channel, in place', () => {
    const x = Float32Array.of(0, 1, 0.5, 0.5, 0, 1, 0.5, 0.5);
    normalize({ mean: [0.5, 0.25], std: [0.5, 0.25] }).apply(x, x, 2, [2, 1, 2], new Rng(0));
    expect(Array.from(x)).toEqual([-1, 1, 1, 1, -1, 1, 1, 1]);
  });

  it('broadcasts one mean and std over all channels', () => {
    const x = Float32Array.of(0, 1, 1);
    normalize({ mean: [0.5], std: [0.5] }).apply(x, x, 1, [3, 1, 1], new Rng(0));
    expect(Array.from(x)).toEqual([-1, 1, 1]);
  });

  it('refuses a channel count it has no statistics for', () => {
    expect(() => normalize(normalizationPresets.imagenet).outputShape([1, 28, 28])).toThrow(
      'normalize has 3 means and 3 standard deviations but the data has 1 channel; give one value or one per channel',
    );
  });
});

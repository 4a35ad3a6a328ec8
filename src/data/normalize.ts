// Per-channel standardisation, (x − mean) / std, and the `--normalize` text that configures it.

import { PareError } from '../util/errors.js';
import type { SampleShape } from './dataset.js';
import type { Transform } from './transform.js';

export interface Normalization {
  /** One value for every channel, or one per channel. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Statistics of well-known training sets, accepted by name in `--normalize`. */
export const normalizationPresets = {
  mnist: { mean: [0.1307], std: [0.3081] },
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
} as const satisfies Record<string, Normalization>;

const USAGE =
  'expected MEAN,STD (0.2860,0.3530), MEANS/STDS (0.485,0.456,0.406/0.229,0.224,0.225) ' +
  `or a preset (${Object.keys(normalizationPresets).join(', ')})`;

function numbers(text: string): number[] {
  return text.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
}

/**
 * Parse `MEAN,STD` (one channel, or the same for all), `M1,M2,M3/S1,S2,S3`, `M/S` or a preset name.
 * `option` names the flag or config key in errors.
 */
export function parseNormalization(text: string, option = '--normalize'): Normalization {
  const preset = (normalizationPresets as Record<string, Normalization>)[text.trim()];
  if (preset !== undefined) return preset;
  let mean: number[];
  let std: number[];
  if (text.includes('/')) {
    const [m = '', s = '', ...rest] = text.split('/');
    mean = numbers(m);
    std = numbers(s);
    if (rest.length > 0 || mean.length !== std.length) mean = [];
  } else {
    const values = numbers(text);
    mean = values.length === 2 ? [values[0]!] : [];
    std = values.length === 2 ? [values[1]!] : [];
  }
  if (mean.length === 0 || [...mean, ...std].some((v) => !Number.isFinite(v))) {
    throw new PareError('PARE_CONFIG', `${option} '${text}': ${USAGE}`);
  }
  if (std.some((s) => s <= 0)) {
    throw new PareError('PARE_CONFIG', `${option} '${text}': standard deviations must be positive`);
  }
  return { mean, std };
}

/** `(x − mean[c]) / std[c]`, in place. */
export function normalize(stats: Normalization): Transform {
  const { mean, std } = stats;
  return {
    name: `normalize ${mean.join(',')}/${std.join(',')}`,
    random: false,
    outputShape(input: SampleShape): SampleShape {
      if ([mean.length, std.length].some((len) => len !== 1 && len !== input[0])) {
        throw new PareError(
          'PARE_CONFIG',
          `normalize has ${mean.length} means and ${std.length} standard deviations but the data has ${input[0]} ` +
            `channel${input[0] === 1 ? '' : 's'}; give one value or one per channel`,
        );
      }
      return input;
    },
    apply(_input, x, n, shape) {
      const [c, h, w] = shape;
      const plane = h * w;
      for (let ch = 0; ch < c; ch++) {
        // Multiply-add with precomputed factors; division per element would be the slow part.
        const scale = 1 / (std.length === 1 ? std[0]! : std[ch]!);
        const bias = -(mean.length === 1 ? mean[0]! : mean[ch]!) * scale;
        for (let s = 0; s < n; s++) {
          const base = (s * c + ch) * plane;
          for (let k = base; k < base + plane; k++) x[k] = x[k]! * scale + bias;
        }
      }
    },
  };
}

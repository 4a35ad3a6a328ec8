// Parsing of option values shared by commands (shapes, targets), with errors naming the flag.

import { PareError } from '../util/errors.js';

/** `1x3x224x224` → [1, 3, 224, 224]. */
export function parseShape(text: string, flag = '--input-shape'): number[] {
  const parts = text.toLowerCase().split(/[x,×]/);
  const dims = parts.map((p) => Number(p));
  if (parts.length === 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new PareError(
      'PARE_CONFIG',
      `${flag} '${text}': expected positive integers joined by 'x', e.g. 1x3x224x224`,
    );
  }
  return dims;
}

export function parseIntOption(text: string, flag: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new PareError('PARE_CONFIG', `${flag} '${text}': expected an integer ≥ ${min}`);
  }
  return n;
}

export function parseFloatOption(text: string, flag: string, lo = -Infinity, hi = Infinity): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < lo || n > hi) {
    throw new PareError('PARE_CONFIG', `${flag} '${text}': expected a number in [${lo}, ${hi}]`);
  }
  return n;
}

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

/**
 * `macs=0.5` or `params=0.3` (what `pare prune --target` takes); a bare fraction means MACs. The
 * demo takes the same syntax as prune, so a command copied from one works in the other.
 */
export function parseTargetFraction(
  text: string,
  flag = '--target',
): { metric: 'macs' | 'params'; fraction: number } {
  const m = /^(?:(macs|params)=)?([\d.eE+-]+)$/.exec(text.trim());
  if (!m)
    throw new PareError(
      'PARE_CONFIG',
      `${flag} '${text}': expected macs=F or params=F with F in (0, 1], e.g. macs=0.5`,
    );
  return { metric: m[1] === 'params' ? 'params' : 'macs', fraction: parseFloatOption(m[2]!, flag, 0.05, 1) };
}

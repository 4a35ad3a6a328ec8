// Node-name patterns for per-layer ratios and protected nodes: a glob (`*` any run of characters,
// dots included; `?` one character) matched against the whole name, or `/regex/` matched anywhere.

import { PareError } from '../util/errors.js';

export type NamePattern = (name: string) => boolean;

export function compilePattern(pattern: string): NamePattern {
  if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    let re: RegExp;
    try {
      re = new RegExp(pattern.slice(1, -1));
    } catch (cause) {
      throw new PareError('PARE_CONFIG', `pattern ${pattern}: ${(cause as Error).message}`, {
        cause,
        notes: ['write a JavaScript regular expression between slashes, or a glob such as layer1.*.conv1'],
      });
    }
    return (name) => re.test(name);
  }
  const body = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${body}$`);
  return (name) => re.test(name);
}

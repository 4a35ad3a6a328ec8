// `pare prune` flags that would have no effect, or be clamped without a word: refused when the
// combination cannot mean what was asked, noted when the run would do nothing. One place, so the
// prune command keeps a single call (its target and round-to parsing live in commands/prune.ts).

import { analyzeChannels } from '../analysis/channel-groups.js';
import type { Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';

export interface PruneFlags {
  readonly target?: string | undefined;
  readonly ratio?: number | undefined;
  readonly roundTo?: number | 'auto' | undefined;
  readonly minChannels?: number | undefined;
}

/**
 * Throws PARE_CONFIG for contradictory or empty requests; returns notes (for stderr) for flags that
 * only partly apply. Runs before any scoring.
 */
export function checkPruneFlags(opts: PruneFlags, model: Model): string[] {
  if (opts.ratio !== undefined && opts.target !== undefined) {
    throw new PareError(
      'PARE_CONFIG',
      `--ratio ${opts.ratio} and --target ${opts.target} both say how much to prune; --target would win and the ratio be ignored`,
      { notes: ['give one of them (--ratio with --layer-ratio sets the ratio of the layers not listed)'] },
    );
  }
  if (opts.ratio !== undefined && opts.ratio >= 1) {
    throw new PareError(
      'PARE_CONFIG',
      `--ratio ${opts.ratio} would remove every channel; each group keeps at least --min-channels (${opts.minChannels ?? 1}), so the model would be cut to 1 channel per group`,
      { notes: ['give the fraction to remove, below 1 (e.g. --ratio 0.5)'] },
    );
  }
  const notes: string[] = [];
  const fraction = /^(macs|params)=([\d.]+)$/.exec(opts.target ?? '');
  if (fraction && Number(fraction[2]) === 1) {
    notes.push(
      `note: --target ${opts.target} keeps all of the ${fraction[1] === 'macs' ? 'MACs' : 'parameters'}: nothing to prune, the output has the input's channels`,
    );
  }
  const roundTo = typeof opts.roundTo === 'number' ? opts.roundTo : undefined;
  if (roundTo !== undefined && roundTo > 1) {
    const prunable = analyzeChannels(model.graph).groups.filter((g) => g.blockers.length === 0);
    const narrower = prunable.filter((g) => g.size < roundTo);
    const widest = Math.max(0, ...prunable.map((g) => g.size));
    if (prunable.length > 0 && narrower.length === prunable.length) {
      throw new PareError(
        'PARE_CONFIG',
        `--round-to ${roundTo} is wider than every prunable group (the widest has ${widest} channels): it would have no effect (narrower groups are pruned without rounding)`,
        { notes: [`give a multiple no larger than ${widest}, e.g. --round-to ${largestPowerOfTwo(widest)}`] },
      );
    }
    if (narrower.length > 0) {
      notes.push(
        `note: --round-to ${roundTo}: ${narrower.length} of ${prunable.length} prunable groups are narrower (e.g. '${narrower[0]!.id}', ${narrower[0]!.size} channels) and are pruned without rounding`,
      );
    }
  }
  return notes;
}

function largestPowerOfTwo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

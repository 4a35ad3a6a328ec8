// Allocation constraints, resolved per group: which groups may lose channels at all, the fewest
// channels each must keep, and the widths it may keep (round-to multiples).

import type { ChannelGroup } from '../analysis/channel-types.js';
import { PareError } from '../util/errors.js';
import { compilePattern } from './name-pattern.js';

export interface AllocationConstraints {
  /** Channels every pruned group keeps at least (default 1). */
  readonly minChannels?: number;
  /** Kept widths are multiples of this in groups at least this wide (default 1: any width). */
  readonly roundTo?: number;
  /** Largest fraction of a group's channels that may go (default 1; 1 − maxRatio of them stay). */
  readonly maxRatio?: number;
  /** Node-name patterns (glob or /regex/): a group with any member on a matching node keeps all. */
  readonly protect?: readonly string[];
  /**
   * Keep every group whose channels several producers write together (a residual stream: the
   * outputs of Add-coupled convs), as He 2017 and FSM's ResNet-56 recipe do: only the channels
   * inside branches are pruned.
   */
  readonly keepResidual?: boolean;
}

/** Why a group keeps every channel, when it does. */
export type Frozen = 'blocked' | 'protected' | 'residual' | 'unscored';

export interface GroupLimits {
  readonly group: ChannelGroup;
  readonly frozen: Frozen | undefined;
  /** Fewest channels it may keep (its size when frozen). */
  readonly lower: number;
  /** The width actually kept for a wish of `k` channels (monotone in k). */
  allowed(k: number): number;
}

export function resolveLimits(
  groups: readonly ChannelGroup[],
  scored: ReadonlySet<string>,
  c: AllocationConstraints,
): GroupLimits[] {
  const minChannels = c.minChannels ?? 1;
  const roundTo = c.roundTo ?? 1;
  const maxRatio = c.maxRatio ?? 1;
  check(Number.isInteger(minChannels) && minChannels >= 1, 'minChannels', minChannels, 'an integer ≥ 1');
  check(Number.isInteger(roundTo) && roundTo >= 1, 'roundTo', roundTo, 'an integer ≥ 1');
  check(maxRatio >= 0 && maxRatio <= 1, 'maxRatio', maxRatio, 'a fraction in [0, 1]');
  const protect = (c.protect ?? []).map(compilePattern);
  return groups.map((group) => {
    const n = group.size;
    const frozen: Frozen | undefined =
      group.blockers.length > 0
        ? 'blocked'
        : group.members.some((m) => protect.some((p) => p(m.node)))
          ? 'protected'
          : c.keepResidual && isResidual(group)
            ? 'residual'
            : !scored.has(group.id)
              ? 'unscored'
              : undefined;
    // 1e-9: n·(1 − 0.7) is 3.0000000000000004 for n = 10 and must not become 4.
    const lower = frozen ? n : Math.min(n, Math.max(minChannels, Math.ceil(n * (1 - maxRatio) - 1e-9)));
    return { group, frozen, lower, allowed: (k) => allowedWidth(k, n, lower, roundTo) };
  });
}

/**
 * The kept width for a wish of k channels: at least `lower`, at most n; in groups of at least
 * `roundTo` channels, the nearest multiple of `roundTo` (ties keep more) that is ≥ lower, or n.
 * Monotone non-decreasing in k, which the target search relies on.
 */
export function allowedWidth(k: number, n: number, lower: number, roundTo: number): number {
  if (k >= n) return n;
  k = Math.max(k, lower);
  if (roundTo <= 1 || n < roundTo) return k;
  const down = Math.floor(k / roundTo) * roundTo;
  const up = Math.min(down + roundTo, n);
  if (down === k) return k;
  if (down < lower || down === 0) return up;
  return k - down < up - k ? down : up;
}

function check(ok: boolean, option: string, value: number, expected: string): void {
  if (!ok)
    throw new PareError('PARE_CONFIG', `allocation constraint ${option}: expected ${expected}, got ${value}`);
}

/** Whether several nodes produce the group's channels together (element-wise coupled outputs). */
export function isResidual(group: ChannelGroup): boolean {
  return new Set(group.members.filter((m) => m.kind === 'out').map((m) => m.node)).size > 1;
}

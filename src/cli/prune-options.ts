// The prune command's composite flags turned into the library's PruneOptions: the target (from
// --target, --ratio, --layer-ratio, --global, --search), least-squares and criterion options,
// sensitivity curves. Single flags are parsed by their schemas (prune-table.ts).

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { curvesFromSensitivity } from '../allocate/sensitivity-curves.js';
import type { PruneOptions } from '../methods/prune.js';
import { PareError } from '../util/errors.js';
import { parseFloatOption } from './parse.js';
import type { PruneFlagValues } from './prune-table.js';

export interface TargetFlags {
  readonly target?: string | undefined;
  readonly ratio?: number | undefined;
  readonly global?: boolean | undefined;
  readonly search?: 'global' | 'uniform' | undefined;
  readonly layerRatio: readonly string[];
}

export function parseTarget(opts: TargetFlags): PruneOptions['target'] {
  if (opts.target) {
    const m = /^(macs|params|latency|latency-ms)=([\d.]+)$/.exec(opts.target);
    if (!m)
      throw new PareError(
        'PARE_CONFIG',
        `--target '${opts.target}': expected macs=F, params=F or latency=F with F in (0, 1], or latency-ms=X, e.g. macs=0.5`,
      );
    if (m[1] === 'latency-ms')
      return { kind: 'latency-ms', ms: parseFloatOption(m[2]!, '--target', 1e-6, 1e9) };
    const fraction = parseFloatOption(m[2]!, '--target', 1e-6, 1);
    if (m[1] === 'latency') return { kind: 'latency', fraction };
    // Unset: the method's search, else global (pruneModel resolves it).
    const search = opts.search ?? (opts.global ? 'global' : undefined);
    return { kind: m[1] === 'macs' ? 'macs' : 'params', fraction, ...(search ? { search } : {}) };
  }
  if (opts.layerRatio.length > 0) {
    const ratios = opts.layerRatio.map((spec) => {
      const eq = spec.lastIndexOf('=');
      if (eq < 1)
        throw new PareError(
          'PARE_CONFIG',
          `--layer-ratio '${spec}': expected PATTERN=RATIO, e.g. 'layer3.*'=0.5`,
        );
      return {
        pattern: spec.slice(0, eq),
        ratio: parseFloatOption(spec.slice(eq + 1), '--layer-ratio', 0, 1),
      };
    });
    return { kind: 'layers', ratios, ...(opts.ratio !== undefined ? { otherwise: opts.ratio } : {}) };
  }
  if (opts.ratio !== undefined) return { kind: opts.global ? 'global' : 'uniform', ratio: opts.ratio };
  return { kind: 'criterion' };
}

/** --ls-features and --ls-ridge (the method's least-squares options fill the rest, in pruneModel). */
export function leastSquaresOptions(
  opts: Pick<PruneFlagValues, 'lsFeatures' | 'lsRidge'>,
): NonNullable<PruneOptions['leastSquares']> {
  return {
    ...(opts.lsFeatures ? { features: opts.lsFeatures } : {}),
    ...(opts.lsRidge !== undefined ? { ridge: opts.lsRidge } : {}),
  };
}

export function parseCriterionOptions(list: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new PareError('PARE_CONFIG', `--criterion-opt '${item}': expected KEY=VALUE`);
    const raw = item.slice(eq + 1);
    out[item.slice(0, eq)] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : Number.isFinite(Number(raw)) && raw !== ''
            ? Number(raw)
            : raw;
  }
  return out;
}

/** The latency measurement the flags ask for (none with --no-latency). */
export function latencyOptions(
  opts: Pick<PruneFlagValues, 'latency' | 'latencyBatch' | 'ep' | 'latencyCache' | 'threads'>,
): { latency?: NonNullable<PruneOptions['latency']> } {
  if (!opts.latency) return {};
  const cacheDir = opts.latencyCache ?? defaultLatencyCache();
  const threads = opts.threads ? { threads: opts.threads } : {};
  return { latency: { batch: opts.latencyBatch, providers: [opts.ep], cacheDir, ...threads } };
}

/** Where per-layer latency tables are cached unless --latency-cache says otherwise. */
export function defaultLatencyCache(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pare', 'latency');
}

/** `--allocate sensitivity --sensitivity FILE`: the MACs/params target searched over an accuracy-drop threshold. */
export function withSensitivity(
  target: PruneOptions['target'],
  opts: Pick<PruneFlagValues, 'allocate' | 'sensitivity' | 'target'>,
): PruneOptions['target'] {
  if (opts.allocate === undefined) return target;
  if (target.kind !== 'macs' && target.kind !== 'params')
    throw new PareError('PARE_CONFIG', '--allocate sensitivity needs --target macs=F or params=F');
  if (!opts.sensitivity)
    throw new PareError('PARE_CONFIG', '--allocate sensitivity needs --sensitivity FILE', {
      notes: ['write one with: pare sensitivity MODEL --data SPEC -o FILE'],
    });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(opts.sensitivity, 'utf8'));
  } catch (e) {
    throw new PareError(
      'PARE_CONFIG',
      `--sensitivity '${opts.sensitivity}' cannot be read as JSON: ${(e as Error).message}`,
      {
        file: opts.sensitivity,
      },
    );
  }
  return { ...target, search: 'sensitivity', curves: curvesFromSensitivity(json, opts.sensitivity) };
}

// The prune command's options as typed by the user, and the parsing that turns them into the
// library's PruneOptions: targets, recipes, least-squares and criterion options, sensitivity curves.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AllocationTarget } from '../allocate/allocate.js';
import { curvesFromSensitivity } from '../allocate/sensitivity-curves.js';
import type { PruneOptions } from '../methods/prune.js';
import { type Recipe, recipeNames, recipes } from '../methods/recipes.js';
import { PareError } from '../util/errors.js';
import type { DataCliOptions } from './data-options.js';
import { parseFloatOption } from './parse.js';

export interface PruneCliOptions extends DataCliOptions {
  output: string;
  method?: string;
  criterion: string;
  keepResidual?: boolean;
  lsRidge?: string;
  lsFeatures?: string;
  target?: string;
  /** --method cacp: several rates (macs=0.3,0.5,0.7), the labelled data and the search budget. */
  targets?: string;
  data?: string;
  episodes?: string;
  warmup?: string;
  searchSamples?: string;
  ratio?: string;
  global?: boolean;
  search?: string;
  layerRatio: string[];
  roundTo?: string;
  minChannels?: string;
  maxRatio?: string;
  protect: string[];
  calib?: string;
  calibSamples: string;
  recover: string;
  verify?: boolean;
  planOut?: string;
  report?: string;
  evalData?: string;
  reduce?: string;
  scoreNorm?: string;
  criterionOpt: string[];
  inputShape?: string;
  fixShape?: boolean;
  allocate?: string;
  sensitivity?: string;
  latency: boolean;
  latencyBatch: string;
  latencyCache?: string;
  ep: string;
  threads?: string;
  json?: boolean;
}

export function parseTarget(
  opts: Pick<PruneCliOptions, 'target' | 'ratio' | 'global' | 'search' | 'layerRatio'>,
): PruneOptions['target'] {
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
    const search = opts.search ?? (opts.global === false ? 'uniform' : 'global');
    if (search !== 'global' && search !== 'uniform')
      throw new PareError('PARE_CONFIG', `--search '${search}': expected global or uniform`);
    return { kind: m[1] as 'macs' | 'params', fraction, search };
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
    return {
      kind: 'layers',
      ratios,
      ...(opts.ratio ? { otherwise: parseFloatOption(opts.ratio, '--ratio', 0, 1) } : {}),
    };
  }
  if (opts.ratio) {
    const ratio = parseFloatOption(opts.ratio, '--ratio', 0, 1);
    return { kind: opts.global ? 'global' : 'uniform', ratio } as AllocationTarget;
  }
  return { kind: 'criterion' };
}

export function recipeOf(name: string): Recipe {
  const r = recipes[name];
  if (!r)
    throw new PareError('PARE_CONFIG', `--method '${name}': unknown method`, {
      notes: [`valid methods: ${recipeNames.join(', ')} (see docs/methods.md)`],
    });
  return r;
}

export function leastSquaresOptions(
  opts: PruneCliOptions,
  recipe: Recipe | undefined,
): NonNullable<PruneOptions['leastSquares']> {
  const features = opts.lsFeatures ?? recipe?.leastSquares?.features;
  if (features !== undefined && features !== 'pruned' && features !== 'original')
    throw new PareError('PARE_CONFIG', `--ls-features '${features}': expected pruned or original`);
  return {
    ...recipe?.leastSquares,
    ...(features ? { features } : {}),
    ...(opts.lsRidge ? { ridge: parseFloatOption(opts.lsRidge, '--ls-ridge', 0, 1) } : {}),
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

/** Where per-layer latency tables are cached unless --latency-cache says otherwise. */
export function defaultLatencyCache(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pare', 'latency');
}

/** `--allocate sensitivity --sensitivity FILE`: the MACs/params target searched over an accuracy-drop threshold. */
export function withSensitivity(
  target: PruneOptions['target'],
  opts: Pick<PruneCliOptions, 'allocate' | 'sensitivity' | 'target'>,
): PruneOptions['target'] {
  if (opts.allocate === undefined) return target;
  if (opts.allocate !== 'sensitivity')
    throw new PareError('PARE_CONFIG', `--allocate '${opts.allocate}': expected sensitivity`);
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

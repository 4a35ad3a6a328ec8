// CACP (Liu, Guo et al., IEEE SPL 2021): one search whose agent is conditioned on the compression
// rate. Each episode samples a target β from the requested rates, walks the prunable groups
// (cacp-env.ts) and is rewarded with the accuracy of the pruned network on held-out samples after a
// fast repair (BN recalibration). The DDPG agent (cacp-agent.ts) learns from every episode whatever
// its β, so one search gives per-layer widths for each requested rate, and its policy answers any
// rate. With one target the same code is the unconditioned (AMC-style) search.

import { allocate } from '../allocate/allocate.js';
import { resolveLimits } from '../allocate/constraints.js';
import { analyzeChannels } from '../analysis/channel-groups.js';
import { CostModel } from '../analysis/cost-model.js';
import { importanceWithCalibration } from '../criteria/importance.js';
import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import { loaderFeeds } from '../measure/capture.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { recalibrateBatchNorm } from '../recover/bn-recalibrate.js';
import { applyPlan } from '../surgery/apply-plan.js';
import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { DdpgAgent, type DdpgOptions } from './cacp-agent.js';
import { CacpEnv, type CacpEpisode, STATE_SIZE } from './cacp-env.js';
import { collectBatches, EvalPool } from './eval-pool.js';

export interface CacpSearchOptions {
  /** Fractions of the metric to keep, e.g. [0.3, 0.5, 0.7] (paper: β = kept FLOPs). */
  readonly targets: readonly number[];
  readonly metric?: 'macs' | 'params';
  /** Channel ranking inside each group (CACPpruner: ℓ1 of the weights). */
  readonly criterion?: string;
  readonly criterionOptions?: Readonly<Record<string, unknown>>;
  /** Held-out labelled data the reward is measured on, and how many samples (default 500). */
  readonly evaluation: BatchLoader;
  readonly samples?: number;
  /** Calibration data for the repair of each candidate (default 256 samples). */
  readonly calibration?: BatchLoader;
  readonly calibrationSamples?: number;
  /** Repair before the reward: 'bn' re-estimates BatchNorm statistics (default when calibration is given). */
  readonly repair?: 'none' | 'bn';
  /**
   * How each episode's β is drawn from the targets: 'cycle' in turn (liuyixin-louis/CACP
   * environment.py env.change(); the default: every rate gets the same share of a small budget) or
   * 'random' uniformly (CACPpruner channel_pruning_env.py reset()).
   */
  readonly targetOrder?: 'cycle' | 'random';
  /** Random episodes before learning (CACPpruner --warmup: 30; paper: 300). */
  readonly warmup?: number;
  /** Learning episodes after the warm-up (CACPpruner --train_episode: 100; paper: 500). */
  readonly episodes?: number;
  /** Fewest channels a layer keeps, as a fraction (CACPpruner --lbound: 0.2). */
  readonly lowerBound?: number;
  /** Also clamp actions so the target is not undershot (ours; default true). */
  readonly floor?: boolean;
  /** Exploration: truncated normal σ = initial·decay^(episode − warmup) (--init_delta 0.5, --delta_decay 0.95). */
  readonly noise?: { readonly initial?: number; readonly decay?: number };
  /** Replay memory, in episodes (CACPpruner --rmsize: 30 transitions per layer). */
  readonly memoryEpisodes?: number;
  readonly agent?: DdpgOptions;
  /** Extra noisy rollouts of the trained policy per target, and their σ (paper: small noise; ours 4, 0.05). */
  readonly inferenceSamples?: number;
  readonly inferenceNoise?: number;
  /** Accepted relative error of the kept metric for `met` (default 0.02). */
  readonly tolerance?: number;
  readonly seed?: number;
  /** Episodes rolled out with one policy and evaluated in parallel (default 2; the result depends on it). */
  readonly episodesPerRound?: number;
  /** Worker threads evaluating (default episodesPerRound), one ORT thread each. */
  readonly workers?: number;
  readonly threads?: number;
  /** Allocation constraints (CACP keeps residual streams by default: the paper prunes the inner conv of each block). */
  readonly roundTo?: number;
  readonly minChannels?: number;
  readonly maxRatio?: number;
  readonly protect?: readonly string[];
  readonly keepResidual?: boolean;
  readonly onProgress?: (done: number, total: number, last: CacpEpisodeRecord) => void;
}

export interface CacpEpisodeRecord {
  readonly episode: number;
  readonly beta: number;
  readonly achieved: number;
  readonly top1: number;
}

export interface CacpTargetResult {
  readonly fraction: number;
  readonly achieved: number;
  readonly met: boolean;
  /** Why the target was missed, when it was. */
  readonly note?: string;
  /** Top-1 of the repaired candidate on the search's held-out samples (the reward). */
  readonly top1: number;
  /** Where the widths come from: the best search episode at this β, or a rollout of the trained policy. */
  readonly source: 'episode' | 'policy' | 'policy+noise';
  /** Kept channels of every searched group (id → width). */
  readonly keep: ReadonlyMap<string, number>;
}

export interface CacpSearchResult {
  readonly kind: 'cacp-search';
  readonly model: string;
  readonly metric: 'macs' | 'params';
  readonly criterion: string;
  /** More than one training target: the agent was conditioned on β. */
  readonly conditional: boolean;
  readonly trainingTargets: readonly number[];
  readonly baseline: { readonly top1: number; readonly loss: number };
  readonly targets: readonly CacpTargetResult[];
  readonly groups: readonly { readonly id: string; readonly name: string; readonly channels: number }[];
  readonly episodes: readonly CacpEpisodeRecord[];
  /** Distinct candidates evaluated (episodes with equal widths share one evaluation). */
  readonly evaluations: number;
  readonly samples: number;
  readonly seed: number;
  readonly seconds: number;
  /** Widths of the trained policy (no noise) for any β: the conditional search answers any rate. */
  policyAt(beta: number): ReadonlyMap<string, number>;
}

export async function cacpSearch(model: Model, options: CacpSearchOptions): Promise<CacpSearchResult> {
  const t0 = performance.now();
  const targets = checkTargets(options.targets);
  const metric = options.metric ?? 'macs';
  const repair = options.repair ?? (options.calibration ? 'bn' : 'none');
  if (repair === 'bn' && !options.calibration)
    throw new PareError('PARE_CONFIG', 'CACP repair bn needs calibration data', {
      notes: ['give calibration data, or repair none'],
    });
  const warmup = nonNegative(options.warmup ?? 30, 'warmup');
  const learning = nonNegative(options.episodes ?? 100, 'episodes');
  const lowerBound = options.lowerBound ?? 0.2;
  if (!(lowerBound > 0 && lowerBound <= 1))
    throw new PareError('PARE_CONFIG', `CACP lower bound ${lowerBound}: expected a fraction in (0, 1]`);
  const seed = options.seed ?? 0;
  const perRound = Math.max(1, options.episodesPerRound ?? 2);
  const m = cloneModel(model);
  if (m.graph.nodes.some((n) => n.outputs.some((o) => !o.type))) inferShapes(m.graph);
  const label = model.path ?? m.graph.name;
  const input = m.graph.feedInputs[0]?.name;
  const output = m.graph.outputs[0]?.name;
  if (!input || !output)
    throw new PareError('PARE_BAD_MODEL', `model '${label}' needs an input and an output`);
  const analysis = analyzeChannels(m.graph);
  const calibSamples = options.calibrationSamples ?? 256;
  const criterion = options.criterion ?? 'l1';
  const importance = await importanceWithCalibration(m, analysis, criterion, {
    ...(options.criterionOptions ? { options: options.criterionOptions } : {}),
    ...(options.calibration ? { batches: loaderFeeds(options.calibration, input, calibSamples) } : {}),
    ...(options.calibration ? { labelled: { loader: options.calibration, samples: calibSamples } } : {}),
  });
  const constraints = {
    keepResidual: options.keepResidual ?? true,
    roundTo: options.roundTo ?? 1,
    ...(options.minChannels !== undefined ? { minChannels: options.minChannels } : {}),
    ...(options.maxRatio !== undefined ? { maxRatio: options.maxRatio } : {}),
    ...(options.protect ? { protect: options.protect } : {}),
  };
  const limits = resolveLimits(analysis.groups, new Set(importance.scores.keys()), constraints);
  const costModel = CostModel.build(m.graph, analysis);
  const env = new CacpEnv(m.graph, limits, costModel, { metric, lowerBound, floor: options.floor ?? true });
  if (env.steps.length === 0)
    throw new PareError('PARE_CONFIG', `model '${label}': no channel group CACP may prune`, {
      notes: ['every group is blocked, protected or kept (keepResidual); try keepResidual false'],
    });
  const floorCost = env.cost(env.lowest());
  const keepOf = (counts: Int32Array) => new Map(env.steps.map((s) => [s.id, counts[s.index]!] as const));

  const batches = await collectBatches(options.evaluation, options.samples ?? 500);
  const workers = Math.max(1, options.workers ?? perRound);
  const pool = new EvalPool({ batches, input, output, threads: 1 }, workers);
  const cache = new Map<string, Promise<number>>();
  let calibTurn: Promise<unknown> = Promise.resolve();
  const evaluate = (counts: Int32Array): Promise<number> => {
    const key = Array.from(counts).join(',');
    const hit = cache.get(key);
    if (hit) return hit;
    const run = (async () => {
      const allocation = allocate(
        m.graph,
        analysis,
        importance.scores,
        { kind: 'criterion', keep: keepOf(counts) },
        { ...constraints, costModel },
      );
      let pruned: Model = {
        ...m,
        graph: applyPlan(m.graph, allocation.plan, { analysis, model: label }),
        path: undefined,
      };
      if (repair === 'bn') {
        // One calibration loader: recalibrations take turns (a loader iterates one epoch at a time).
        const candidate = pruned;
        const turn = calibTurn.then(() =>
          recalibrateBatchNorm(candidate, options.calibration!, {
            samples: calibSamples,
            ...(options.threads ? { threads: options.threads } : {}),
          }),
        );
        calibTurn = turn.catch(() => undefined);
        pruned = (await turn).model;
      }
      return (await pool.evaluate(pruned, `${label} (CACP candidate)`)).top1;
    })();
    cache.set(key, run);
    return run;
  };

  try {
    const baseline = await pool.evaluate(m, `${label} (unpruned)`);
    const steps = env.steps.length;
    const agent = new DdpgAgent(STATE_SIZE, (options.memoryEpisodes ?? 30) * steps, seed + 1, options.agent);
    const rng = new Rng(seed);
    const noise0 = options.noise?.initial ?? 0.5;
    const decay = options.noise?.decay ?? 0.95;
    const total = warmup + learning;
    const records: CacpEpisodeRecord[] = [];
    const best = new Map<number, { episode: CacpEpisode; top1: number }>();
    for (let e = 0; e < total; e += perRound) {
      const round: CacpEpisode[] = [];
      for (let ep = e; ep < Math.min(total, e + perRound); ep++) {
        const beta =
          options.targetOrder === 'random'
            ? targets[rng.int(targets.length)]!
            : targets[ep % targets.length]!;
        const sigma = noise0 * decay ** (ep - warmup);
        round.push(
          env.rollout(beta, (s) => (ep < warmup ? rng.next() : truncatedNormal(rng, agent.act(s), sigma))),
        );
      }
      const scores = await Promise.all(round.map((ep) => evaluate(ep.counts)));
      round.forEach((episode, j) => {
        const ep = e + j;
        const top1 = scores[j]!;
        const record = { episode: ep, beta: episode.beta, achieved: episode.achieved, top1 };
        records.push(record);
        const b = best.get(episode.beta);
        if (!b || top1 > b.top1) best.set(episode.beta, { episode, top1 });
        // The paper's shaping: every step gets r_T / T, discount 1.
        const T = episode.states.length;
        for (let t = 0; t < T; t++)
          agent.observe({
            state: episode.states[t]!,
            action: episode.actions[t]!,
            reward: top1 / T,
            next: t + 1 < T ? episode.states[t + 1]! : env.terminalState(episode),
            done: t + 1 === T,
          });
        if (ep >= warmup) for (let t = 0; t < T; t++) agent.update();
        options.onProgress?.(ep + 1, total, record);
      });
    }

    const policy = (beta: number) => env.rollout(beta, (s) => agent.act(s));
    const tolerance = options.tolerance ?? 0.02;
    const inference = options.inferenceSamples ?? 4;
    const sigma = options.inferenceNoise ?? 0.05;
    const results: CacpTargetResult[] = [];
    for (const fraction of targets) {
      const candidates: { episode: CacpEpisode; source: CacpTargetResult['source'] }[] = [];
      const seen = best.get(fraction);
      if (seen) candidates.push({ episode: seen.episode, source: 'episode' });
      candidates.push({ episode: policy(fraction), source: 'policy' });
      for (let i = 0; i < inference; i++)
        candidates.push({
          episode: env.rollout(fraction, (s) => truncatedNormal(rng, agent.act(s), sigma)),
          source: 'policy+noise',
        });
      const tops = await Promise.all(candidates.map((c) => evaluate(c.episode.counts)));
      let k = 0;
      tops.forEach((t, i) => {
        if (t > tops[k]!) k = i;
      });
      const chosen = candidates[k]!;
      const achieved = chosen.episode.achieved;
      const met = Math.abs(achieved - fraction) <= tolerance * fraction;
      results.push({
        fraction,
        achieved,
        met,
        ...(met
          ? {}
          : {
              note:
                fraction < floorCost
                  ? `unreachable: with every searched layer at its lower bound (${lowerBound} of its channels${constraints.roundTo > 1 ? `, widths in multiples of ${constraints.roundTo}` : ''}${constraints.keepResidual ? ', residual streams kept' : ''}) the model keeps ${(100 * floorCost).toFixed(2)} %`
                  : 'the nearest widths straddle the target by more than the tolerance (round-to steps)',
            }),
        top1: tops[k]!,
        source: chosen.source,
        keep: keepOf(chosen.episode.counts),
      });
    }
    return {
      kind: 'cacp-search',
      model: label,
      metric,
      criterion: importance.criterion,
      conditional: targets.length > 1,
      trainingTargets: targets,
      baseline,
      targets: results,
      groups: env.steps.map((s) => ({ id: s.id, name: s.name, channels: s.size })),
      episodes: records,
      evaluations: cache.size,
      samples: batches.reduce((n, b) => n + b.dims[0]!, 0),
      seed,
      seconds: (performance.now() - t0) / 1000,
      policyAt: (beta) => keepOf(policy(checkTargets([beta])[0]!).counts),
    };
  } finally {
    await pool.close();
  }
}

/** Distinct targets in (0, 1], ascending. */
function checkTargets(targets: readonly number[]): number[] {
  if (targets.length === 0) throw new PareError('PARE_CONFIG', 'CACP needs at least one target rate');
  for (const t of targets)
    if (!(t > 0 && t <= 1))
      throw new PareError('PARE_CONFIG', `CACP target ${t}: expected the fraction to keep, in (0, 1]`, {
        notes: ['macs=0.3 keeps 30 % of the MACs'],
      });
  return uniqueSorted(targets);
}

function uniqueSorted(xs: readonly number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

function nonNegative(n: number, what: string): number {
  if (!(Number.isInteger(n) && n >= 0))
    throw new PareError('PARE_CONFIG', `CACP ${what} ${n}: expected an integer ≥ 0`);
  return n;
}

/** A normal sample around μ truncated to [0, 1] (rejection; the clamp only after 100 misses). */
function truncatedNormal(rng: Rng, mu: number, sigma: number): number {
  for (let i = 0; i < 100; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mu));
}

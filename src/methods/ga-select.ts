// GA channel pruning's layer-by-layer selection (Hu et al. 2018): groups are taken one at a time in
// order of sensitivity (least sensitive first) or in network order; for each, the consumers' input
// statistics are measured on the network as pruned so far and their outputs on the original network
// (ga-fitness.ts), a GA searches the channels to keep at the width the allocation gave (ga.ts), and
// step 2 of the two-step fitness ranks the best few chromosomes by the network's cross-entropy on
// calibration batches. The chosen channels are zeroed before the next group is measured.

import type { SensitivityCurves } from '../allocate/sensitivity-curves.js';
import type { ChannelAnalysis } from '../analysis/channel-types.js';
import { linearConsumers, selectLayers } from '../criteria/linear-consumers.js';
import type { BatchLoader } from '../data/batch-loader.js';
import { deriveSeed } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import { linearLayer, readLinear } from '../linear/layer.js';
import { LayerStatsAccumulator } from '../measure/layer-stats.js';
import { Session } from '../runtime/session.js';
import { PareError } from '../util/errors.js';
import type { ChannelMap } from './channel-masks.js';
import type { CompressRecipe } from './compress-recipe.js';
import { collectBatches, EvalPool } from './eval-pool.js';
import { chromosome, type GaOptions, gaSearch, keptIndices } from './ga.js';
import { type LossLayer, layerLoss, lossOf } from './ga-fitness.js';
import { sensitivity } from './sensitivity.js';

/** The GA settings of a recipe (its `ga` block; docs/methods.md cites each default). */
export type GaSettings = NonNullable<CompressRecipe['ga']>;

export interface GaPlan {
  /** Group ids in the order they are pruned. */
  readonly order: readonly string[];
  readonly curves?: SensitivityCurves;
}

/** The order of the groups (and the sensitivity curves when widths or order need them). */
export async function gaPlan(
  model: Model,
  analysis: ChannelAnalysis,
  calibration: BatchLoader,
  s: GaSettings,
  threads?: number,
): Promise<GaPlan> {
  const ids = analysis.groups.map((g) => g.id);
  if (s.order === 'network' && s.widths === 'allocation') return { order: ids };
  const r = await sensitivity(model, {
    criterion: 'l1',
    ratios: s.sensitivityRatios,
    evaluation: calibration,
    samples: s.sensitivitySamples,
    workers: threads ?? 2,
  });
  const drop = new Map(
    r.groups.map((g) => {
      const n = g.points.length;
      const top1 = g.points.reduce((t, p) => t + r.baseline.top1 - p.top1, 0) / n;
      const loss = g.points.reduce((t, p) => t + p.loss - r.baseline.loss, 0) / n;
      return [g.id, { top1, loss }] as const;
    }),
  );
  const curves: SensitivityCurves = new Map(
    r.groups.map((g) => [g.id, g.points.map((p) => ({ ratio: p.ratio, drop: r.baseline.top1 - p.top1 }))]),
  );
  const key = (id: string) => drop.get(id) ?? { top1: Infinity, loss: Infinity };
  const order =
    s.order === 'network'
      ? ids
      : [...ids].sort((a, b) => key(a).top1 - key(b).top1 || key(a).loss - key(b).loss);
  return { order, ...(s.widths === 'sensitivity' ? { curves } : {}) };
}

export interface GaSelectInput {
  /** The network as trained so far (not zeroed). */
  readonly model: Model;
  /** The network whose consumer outputs are the targets (same graph, original weights). */
  readonly original: Model;
  readonly analysis: ChannelAnalysis;
  readonly map: ChannelMap;
  /** Groups to select now, in order. */
  readonly groups: readonly string[];
  /** The allocation's choice per group: its width is kept, its channels seed the GA. */
  readonly widths: ReadonlyMap<string, Int32Array>;
  /** Channels already chosen for other groups (zeroed while measuring). */
  readonly kept: ReadonlyMap<string, Int32Array>;
  readonly calibration: BatchLoader;
  readonly settings: GaSettings;
  readonly seed: number;
  readonly threads?: number;
  readonly onStatus?: (text: string) => void;
}

export interface GaLayer {
  readonly group: string;
  readonly channels: number;
  readonly keep: number;
  /** Why the criterion's choice was kept without a search. */
  readonly skipped?: string;
  /** Step-1 loss (per patch row) of the criterion's choice, of the GA's best and of the chosen one. */
  readonly criterionLoss?: number;
  readonly bestLoss?: number;
  readonly chosenLoss?: number;
  /** Step 2: network cross-entropy of each refined candidate (best step-1 first). */
  readonly refined?: readonly number[];
  readonly evaluations?: number;
  readonly generations?: number;
}

export async function gaSelect(input: GaSelectInput): Promise<{
  kept: Map<string, Int32Array>;
  layers: GaLayer[];
}> {
  const s = input.settings;
  const kept = new Map(input.kept);
  const layers: GaLayer[] = [];
  const graph = input.model.graph;
  const feedName = graph.feedInputs[0]?.name;
  const outName = graph.outputs[0]?.name;
  if (!feedName || !outName)
    throw new PareError('PARE_BAD_MODEL', `GA selection: model '${graph.name}' needs an input and an output`);
  const batches = await collectBatches(input.calibration, s.samples);
  if (batches.length === 0)
    throw new PareError('PARE_DATA', 'GA selection: the calibration data gave no batch');
  const feeds = batches.map((b) => ({ [feedName]: { dims: b.dims, data: b.x } }));
  const threads = input.threads ? { threads: input.threads } : {};
  const todo = input.groups.filter((id) => input.widths.has(id));
  const consumers = new Map(
    todo.map((id) => [
      id,
      linearConsumers(graph, input.analysis.groups.find((g) => g.id === id)!, s.maxFeatures),
    ]),
  );
  // One session on the original network gives every consumer's target output.
  const orig = cloneModel(input.original);
  const targetOf = new Map<string, string>();
  for (const c of consumers.values())
    if ('nodes' in c)
      for (const n of c.nodes) {
        const out = orig.graph.node(n)?.outputs[0];
        if (!out)
          throw new PareError('PARE_INTERNAL', `GA selection: no node '${n}' in the original network`);
        targetOf.set(n, out.name);
        if (!orig.graph.outputs.includes(out)) orig.graph.addOutput(out);
      }
  const origSession = await Session.create(orig, { label: 'GA targets (original network)', ...threads });
  const pool =
    s.refine > 1
      ? new EvalPool(
          {
            batches: await collectBatches(input.calibration, s.refineSamples),
            input: feedName,
            output: outName,
            threads: 1,
          },
          Math.max(1, Math.min(s.refine, input.threads ?? 2)),
        )
      : undefined;
  try {
    for (const [gi, id] of todo.entries()) {
      const group = input.analysis.groups.find((g) => g.id === id)!;
      const seedKept = input.widths.get(id)!;
      const keep = seedKept.length;
      const found = consumers.get(id)!;
      if ('skip' in found || keep === group.size) {
        kept.set(id, seedKept);
        layers.push({
          group: id,
          channels: group.size,
          keep,
          skipped: 'skip' in found ? found.skip : 'nothing to cut',
        });
        continue;
      }
      input.onStatus?.(`GA layer ${gi + 1}/${todo.length}: ${id} keeps ${keep} of ${group.size}`);
      const current = input.map.zeroModel(input.model, kept);
      const stats = await consumerStats(current, found.nodes, targetOf, feeds, origSession, threads);
      const loss = layerLoss(selectLayersWithBias(current, group, s.maxFeatures, stats));
      const cost = (genes: Uint8Array) => lossOf(loss, genes);
      const seeded = chromosome(group.size, seedKept);
      const ga = gaSearch(group.size, keep, cost, {
        ...pick(s),
        seed: deriveSeed(input.seed, gi),
        ...(s.seedCriterion ? { seeds: [seeded] } : {}),
      });
      let chosen = ga.best;
      let refined: number[] | undefined;
      if (pool && ga.ranked.length > 1) {
        const cands = ga.ranked.slice(0, s.refine);
        refined = await Promise.all(
          cands.map(async (c, i) => {
            const m = input.map.zeroModel(input.model, new Map([...kept, [id, keptIndices(c.genes)]]));
            return (await pool.evaluate(m, `GA candidate ${i + 1} of ${id}`)).loss;
          }),
        );
        let best = 0;
        for (let i = 1; i < refined.length; i++) if (refined[i]! < refined[best]!) best = i;
        chosen = cands[best]!.genes;
      }
      kept.set(id, keptIndices(chosen));
      input.onStatus?.(
        `GA ${id}: layer loss of ℓ1's choice ${cost(seeded).toPrecision(4)}, GA's ${cost(chosen).toPrecision(4)}`,
      );
      layers.push({
        group: id,
        channels: group.size,
        keep,
        criterionLoss: cost(seeded),
        bestLoss: ga.cost,
        chosenLoss: cost(chosen),
        ...(refined ? { refined } : {}),
        evaluations: ga.evaluations,
        generations: ga.history.length - 1,
      });
    }
  } finally {
    await origSession.release();
    await pool?.close();
  }
  return { kept, layers };
}

function pick(s: GaSettings): Omit<GaOptions, 'seed' | 'seeds'> {
  const { population, generations, crossover, mutation, elite, tournament, patience } = s;
  return Object.fromEntries(
    Object.entries({ population, generations, crossover, mutation, elite, tournament, patience }).filter(
      ([, v]) => v !== undefined && v !== null,
    ),
  );
}

/** Consumer input statistics on `current` with the original network's outputs as targets. */
async function consumerStats(
  current: Model,
  nodes: readonly string[],
  targetOf: ReadonlyMap<string, string>,
  feeds: readonly Record<string, { dims: number[]; data: Float32Array }>[],
  origSession: Session,
  threads: { threads?: number },
) {
  const m = cloneModel(current);
  const inputOf = new Map<string, string>();
  for (const n of nodes) {
    const x = m.graph.node(n)!.input(0)!;
    inputOf.set(n, x.name);
    if (!m.graph.isRealInput(x) && !m.graph.outputs.includes(x)) m.graph.addOutput(x);
  }
  const session = await Session.create(m, { label: 'GA layer statistics', ...threads });
  const accs = new Map<string, LayerStatsAccumulator>();
  try {
    for (const n of nodes)
      accs.set(n, await LayerStatsAccumulator.create(linearLayer(m.graph, n), { target: true, ...threads }));
    for (const f of feeds) {
      const names = [...new Set(inputOf.values())].filter((v) => !(v in f));
      const xs = { ...f, ...(await session.run(f, names)) };
      const ys = await origSession.run(
        f,
        nodes.map((n) => targetOf.get(n)!),
      );
      for (const [n, acc] of accs) await acc.add(xs[inputOf.get(n)!]!, ys[targetOf.get(n)!]!);
    }
    return new Map([...accs].map(([k, a]) => [k, a.result()]));
  } finally {
    await session.release();
    for (const a of accs.values()) await a.release();
  }
}

function selectLayersWithBias(
  current: Model,
  group: ChannelAnalysis['groups'][number],
  maxFeatures: number,
  stats: ReadonlyMap<string, import('../linear/layer.js').LayerStats>,
): LossLayer[] {
  const sel = selectLayers(current.graph, group, maxFeatures, (n) => stats.get(n));
  if ('skip' in sel) throw new PareError('PARE_INTERNAL', `GA selection: ${sel.skip}`);
  return sel.map((l) => ({ ...l, bias: readLinear(current.graph, l.stats.layer).bias }));
}

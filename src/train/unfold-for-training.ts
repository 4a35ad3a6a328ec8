// Models exported with BatchNormalization folded into the convolutions (PyTorch/Keras in eval mode)
// train badly without it: a BN goes back after every folded Conv for training and is folded away
// again on export, so the trained model has the structure of the input (DESIGN.md §4).
// The inserted BN starts as an identity in inference mode (surgery/unfold-bn.ts) and, with the
// channel statistics measured here on the first training batches, close to one in training mode too:
// gamma = √(σ² + ε), beta = μ undo the batch normalisation when the batch has the measured μ, σ².

import type { BatchLoader } from '../data/batch-loader.js';
import type { Graph } from '../ir/graph.js';
import { cloneModel, type Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { collectActivationStats } from '../measure/activation-stats.js';
import { loaderFeeds } from '../measure/capture.js';
import { inferShapes } from '../ops/infer-shapes.js';
import type { SessionOptions } from '../runtime/session.js';
import { foldBatchNorm } from '../surgery/fold-bn.js';
import { type MeanVariance, unfoldBatchNorm } from '../surgery/unfold-bn.js';
import { PareError } from '../util/errors.js';

export interface UnfoldedModel {
  /** The model with a BatchNormalization after every folded Conv. */
  readonly model: Model;
  /** Names of the Conv nodes that got one, in graph order. */
  readonly convs: readonly string[];
  /** Fold the inserted BNs of a (trained) copy of `model` back; names of the biases are restored. */
  fold(trained: Model): Model;
}

export interface UnfoldForTrainingOptions extends Pick<SessionOptions, 'threads'> {
  /** Samples of the loader's first epoch that set the BN statistics (default 256; 0: none). */
  readonly samples?: number;
  /** Epoch of the loader whose first batches are measured (default 0: those the first steps see). */
  readonly epoch?: number;
  /** Captured activation bytes per ORT run (default 256 MiB): larger batches are split. */
  readonly maxBytesPerRun?: number;
}

/**
 * The convs to unfold: every Conv with a bias whose output is not normalised, in a model that has no
 * BatchNormalization at all (one that has some was not exported folded; its BN-free convs are so by
 * design, e.g. a classifier head or a squeeze-excitation block).
 */
export function foldedConvs(graph: Graph): Node[] {
  if (graph.nodes.some((n) => n.opType === 'BatchNormalization')) return [];
  return graph.nodes.filter(
    (n) =>
      n.opType === 'Conv' && n.domain === '' && n.input(2) !== undefined && n.input(1)?.const !== undefined,
  );
}

/** Unfold the model's folded convs, or return undefined when it has none. */
export async function unfoldForTraining(
  model: Model,
  loader: BatchLoader | undefined,
  options: UnfoldForTrainingOptions = {},
): Promise<UnfoldedModel | undefined> {
  const m = cloneModel(model);
  const convs = foldedConvs(m.graph);
  if (convs.length === 0) return undefined;
  const names = new Set(convs.map((c) => c.name));
  const biasNames = new Map(convs.map((c) => [c.name, c.input(2)!.name]));
  const samples = options.samples ?? 256;
  const stats =
    loader && samples > 0
      ? await measureChannelStats(
          model,
          loader,
          convs.map((c) => c.output(0).name),
          samples,
          options,
        )
      : undefined;
  unfoldBatchNorm(m.graph, { ...(stats ? { stats } : {}), filter: (n) => names.has(n.name) });
  const inserted = new Set(m.graph.nodes.filter((n) => n.opType === 'BatchNormalization').map((n) => n.name));
  const unfolded = m.graph.nodes
    .filter((n) => n.opType === 'BatchNormalization')
    .map((bn) => bn.input(0)!.producer!.name);
  return {
    model: m,
    convs: unfolded,
    fold(trained: Model): Model {
      const f = cloneModel(trained);
      const g = f.graph;
      const params = g.nodes.filter((n) => inserted.has(n.name)).flatMap((n) => n.inputs.slice(1));
      foldBatchNorm(g, { filter: (bn) => inserted.has(bn.name) });
      for (const v of params) if (v?.const && v.uses.length === 0) g.removeInitializer(v);
      const left = g.nodes.filter((n) => inserted.has(n.name));
      if (left.length > 0) {
        throw new PareError(
          'PARE_INTERNAL',
          `BatchNormalization '${left[0]!.name}' inserted for training could not be folded back`,
          { node: { name: left[0]!.name, opType: 'BatchNormalization' } },
        );
      }
      for (const name of unfolded) {
        const bias = g.node(name)?.input(2);
        const original = biasNames.get(name);
        if (bias && original && bias.name !== original && !g.value(original)) g.renameValue(bias, original);
      }
      return f;
    },
  };
}

/**
 * Per-channel mean and population variance of the named [N, C, ...] values over the first `samples`
 * samples of the loader's epoch.
 */
export async function measureChannelStats(
  model: Model,
  loader: BatchLoader,
  names: readonly string[],
  samples: number,
  options: UnfoldForTrainingOptions = {},
): Promise<Map<string, MeanVariance>> {
  const m = cloneModel(model);
  const g = m.graph;
  inferShapes(g);
  const input = g.feedInputs[0];
  if (!input) throw new PareError('PARE_BAD_MODEL', `model '${model.path ?? g.name}' has no inputs`);
  // Samples per run so that the captured values of one run fit the budget.
  const perSample = names.reduce((sum, name) => {
    const dims = g.mustValue(name).type?.shape?.slice(1) ?? [];
    return (
      sum +
      (dims.every((d) => typeof d === 'number') ? 4 * (dims as number[]).reduce((a, b) => a * b, 1) : 4 << 20)
    );
  }, 0);
  const budget = options.maxBytesPerRun ?? 256 << 20;
  const stats = await collectActivationStats(
    m,
    names.map((value) => ({ value, axis: 1 })),
    loaderFeeds(loader, input.name, samples, {
      epoch: options.epoch ?? 0,
      maxBatch: Math.floor(budget / Math.max(perSample, 1)),
    }),
    { ...(options.threads ? { threads: options.threads } : {}), maxBytesPerRun: budget },
  );
  return new Map(
    [...stats].map(([name, s]) => [
      name,
      { mean: Float32Array.from(s.mean), variance: Float32Array.from(s.variance) },
    ]),
  );
}

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
import { inferShapes } from '../ops/infer-shapes.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import { foldBatchNorm } from '../surgery/fold-bn.js';
import { type ChannelStats, unfoldBatchNorm } from '../surgery/unfold-bn.js';
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
 * samples of the loader's epoch (batch moments merged with Chan et al.'s parallel formula).
 */
export async function measureChannelStats(
  model: Model,
  loader: BatchLoader,
  names: readonly string[],
  samples: number,
  options: UnfoldForTrainingOptions = {},
): Promise<Map<string, ChannelStats>> {
  const m = cloneModel(model);
  const g = m.graph;
  inferShapes(g);
  const input = g.feedInputs[0];
  if (!input) throw new PareError('PARE_BAD_MODEL', `model '${model.path ?? g.name}' has no inputs`);
  let perSample = 0;
  for (const name of names) {
    const v = g.mustValue(name);
    g.addOutput(v);
    const dims = v.type?.shape?.slice(1) ?? [];
    perSample += dims.every((d) => typeof d === 'number')
      ? 4 * (dims as number[]).reduce((a, b) => a * b, 1)
      : 4 << 20;
  }
  const chunk = Math.max(1, Math.floor((options.maxBytesPerRun ?? 256 << 20) / Math.max(perSample, 1)));
  const acc = new Map<string, { count: number; mean: Float64Array; m2: Float64Array }>();
  const session = await Session.create(m, {
    label: `${model.path ?? g.name} (BN statistics)`,
    ...(options.threads ? { threads: options.threads } : {}),
  });
  let seen = 0;
  try {
    for (const batch of loader.epochSync(options.epoch ?? 0)) {
      const [, c, h, w] = batch.shape;
      const size = c * h * w;
      for (let at = 0; at < batch.n && seen < samples; at += chunk) {
        const n = Math.min(chunk, batch.n - at, samples - seen);
        const x = batch.x.subarray(at * size, (at + n) * size);
        const out = await session.run({ [input.name]: { dims: [n, c, h, w], data: x } }, names);
        for (const name of names) accumulate(acc, name, out[name]!.dims, out[name]!.data as Float32Array);
        seen += n;
      }
      if (seen >= samples) break;
    }
  } finally {
    await session.release();
  }
  return new Map(
    [...acc].map(([name, a]) => [
      name,
      { mean: Float32Array.from(a.mean), variance: Float32Array.from(a.m2, (v) => v / a.count) },
    ]),
  );
}

function accumulate(
  acc: Map<string, { count: number; mean: Float64Array; m2: Float64Array }>,
  name: string,
  dims: readonly number[],
  data: Float32Array,
): void {
  const [n, c] = [dims[0]!, dims[1]!];
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  let a = acc.get(name);
  if (!a) {
    a = { count: 0, mean: new Float64Array(c), m2: new Float64Array(c) };
    acc.set(name, a);
  }
  const count = n * inner;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const at = (i * c + ch) * inner;
      for (let k = 0; k < inner; k++) sum += data[at + k]!;
    }
    const mean = sum / count;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const at = (i * c + ch) * inner;
      for (let k = 0; k < inner; k++) {
        const d = data[at + k]! - mean;
        m2 += d * d;
      }
    }
    const total = a.count + count;
    const delta = mean - a.mean[ch]!;
    a.mean[ch] = a.mean[ch]! + (delta * count) / total;
    a.m2[ch] = a.m2[ch]! + m2 + (delta * delta * a.count * count) / total;
  }
  a.count += count;
}

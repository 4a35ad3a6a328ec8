// BN recalibration: re-estimate every BatchNormalization's running mean and variance from
// calibration data, as the pruned network actually feeds it. As PyTorch does (train mode, cumulative
// average), every BN normalises with its batch's statistics during the pass, so one pass gives every
// layer statistics of inputs normalised the way training normalised them; the population moments
// are the size-weighted averages of the batch moments (biased variance).

import type { ValueKeep } from '../analysis/value-keeps.js';
import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { linearLayer, linearSkip, readLinear, writeLinear } from '../linear/layer.js';
import { collectActivationStats } from '../measure/activation-stats.js';
import { runCapturingBatches } from '../measure/capture.js';
import { inferShapes } from '../ops/infer-shapes.js';
import type { Feeds } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

export interface RecalibrateOptions {
  /** Use at most this many calibration samples per pass. */
  readonly samples?: number;
  readonly threads?: number;
}

export interface RecalibrateResult {
  readonly model: Model;
  readonly layers: number;
  readonly samples: number;
  readonly seconds: number;
}

/**
 * A copy of the model in which every BatchNormalization normalises with the statistics of the current
 * batch (as in training), and outputs that batch's per-channel mean and mean of squares.
 */
export function batchStatisticsModel(model: Model): {
  model: Model;
  probes: { node: string; mean: string; meanSq: string }[];
} {
  const m = cloneModel(model);
  const g = m.graph;
  if (g.nodes.some((n) => n.opType === 'BatchNormalization' && !n.input(0)?.type?.shape)) inferShapes(g);
  const opset = g.opset;
  const probes: { node: string; mean: string; meanSq: string }[] = [];
  for (const node of g.nodes.filter((n) => n.opType === 'BatchNormalization')) {
    const x = node.input(0)!;
    const c = x.type?.shape?.[1];
    const rank = x.type?.shape?.length;
    if (typeof c !== 'number' || rank === undefined) {
      throw new PareError(
        'PARE_SHAPE',
        `BatchNormalization '${node.name}': input '${x.name}' needs a known channel count`,
        {
          node,
          notes: ['run shape inference (pare inspect) or give --input-shape'],
        },
      );
    }
    const axes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
    const reduce = (v: Value, name: string): Value =>
      opset >= 18
        ? g
            .addNode(
              'ReduceMean',
              [v, g.addInitializer(g.uniqueName(`${name}.axes`), Tensor.int64([axes.length], axes))],
              [g.uniqueName(name)],
              { before: node, attrs: { keepdims: 1 } },
            )
            .output()
        : g
            .addNode('ReduceMean', [v], [g.uniqueName(name)], { before: node, attrs: { axes, keepdims: 1 } })
            .output();
    const flat = g.addInitializer(g.uniqueName(`${node.name}.stat_shape`), Tensor.int64([1], [c]));
    const mean = reduce(x, `${node.name}.batch_mean`);
    const sq = g.addNode('Mul', [x, x], [g.uniqueName(`${node.name}.x2`)], { before: node }).output();
    const meanSq = reduce(sq, `${node.name}.batch_mean_sq`);
    const mean2 = g
      .addNode('Mul', [mean, mean], [g.uniqueName(`${node.name}.mean2`)], { before: node })
      .output();
    const variance = g
      .addNode('Sub', [meanSq, mean2], [g.uniqueName(`${node.name}.batch_var`)], { before: node })
      .output();
    const flatMean = g
      .addNode('Reshape', [mean, flat], [g.uniqueName(`${node.name}.mean_c`)], { before: node })
      .output();
    const flatMeanSq = g
      .addNode('Reshape', [meanSq, flat], [g.uniqueName(`${node.name}.mean_sq_c`)], { before: node })
      .output();
    const flatVar = g
      .addNode('Reshape', [variance, flat], [g.uniqueName(`${node.name}.var_c`)], { before: node })
      .output();
    node.setInput(3, flatMean);
    node.setInput(4, flatVar);
    g.addOutput(flatMean);
    g.addOutput(flatMeanSq);
    probes.push({ node: node.name, mean: flatMean.name, meanSq: flatMeanSq.name });
  }
  g.cleanup();
  return { model: m, probes };
}

export async function recalibrateBatchNorm(
  model: Model,
  loader: BatchLoader,
  options: RecalibrateOptions = {},
): Promise<RecalibrateResult> {
  const t0 = performance.now();
  const { model: probeModel, probes } = batchStatisticsModel(model);
  const sums = new Map(
    probes.map((p) => [p.node, { mean: new Float64Array(0), meanSq: new Float64Array(0), n: 0 }]),
  );
  const names = probes.flatMap((p) => [p.mean, p.meanSq]);
  const byOutput = new Map<string, { node: string; which: 'mean' | 'meanSq' }>();
  for (const p of probes) {
    byOutput.set(p.mean, { node: p.node, which: 'mean' });
    byOutput.set(p.meanSq, { node: p.node, which: 'meanSq' });
  }
  const samples =
    probes.length === 0
      ? 0
      : await runCapturingBatches(
          probeModel,
          loader,
          names,
          (name, t, n) => {
            const at = byOutput.get(name)!;
            const acc = sums.get(at.node)!;
            const data = t.data as Float32Array;
            if (acc[at.which].length === 0) acc[at.which] = new Float64Array(data.length);
            // Batches are weighted by their size: population moments from per-batch moments.
            for (let i = 0; i < data.length; i++) acc[at.which][i]! += n * data[i]!;
            if (at.which === 'mean') acc.n += n;
          },
          {
            ...(options.samples ? { limit: options.samples } : {}),
            ...(options.threads ? { threads: options.threads } : {}),
          },
        );
  const out = cloneModel(model);
  for (const node of out.graph.nodes.filter((x) => x.opType === 'BatchNormalization')) {
    const acc = sums.get(node.name);
    const meanV = node.input(3);
    const varV = node.input(4);
    if (!acc || acc.n === 0 || !meanV?.const || !varV?.const) continue;
    const mean = Float32Array.from(acc.mean, (s) => s / acc.n);
    const variance = Float32Array.from(acc.meanSq, (s, i) => Math.max(0, s / acc.n - mean[i]! ** 2));
    out.graph.setConst(meanV, Tensor.from('float32', meanV.const.dims, mean));
    out.graph.setConst(varV, Tensor.from('float32', varV.const.dims, variance));
  }
  return { model: out, layers: probes.length, samples, seconds: (performance.now() - t0) / 1000 };
}

export interface FoldedRecalibration {
  readonly model: Model;
  /** Layers whose output scale and shift were corrected. */
  readonly layers: readonly string[];
  readonly samples: number;
  readonly seconds: number;
}

/**
 * BN recalibration for models whose BatchNormalization was folded into the convolutions at export:
 * each layer in `layers` (graph order) gets y' = a·y + b per output channel, folded into its weight
 * and bias, so that its output's mean and standard deviation on the calibration data equal the
 * original model's at the kept channels, measured with every earlier correction in place. This is
 * what re-estimating the (folded) BN's statistics does to the layer's output.
 */
export async function recalibrateFolded(
  original: Model,
  pruned: Model,
  layers: readonly string[],
  keeps: ReadonlyMap<string, ValueKeep>,
  calibration: () => AsyncIterable<Feeds>,
  options: { readonly threads?: number } = {},
): Promise<FoldedRecalibration> {
  const t0 = performance.now();
  const out = cloneModel(pruned);
  const todo = layers.filter((name) => {
    const node = out.graph.node(name);
    return node && !linearSkip(node) && original.graph.node(name);
  });
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  let samples = 0;
  const collect = { ...threads, onBatch: (n: number) => (samples = n) };
  // The original does not change: its output moments for every layer in one pass.
  const outputOf = (name: string) => original.graph.node(name)!.output(0).name;
  const want = await collectActivationStats(
    original,
    todo.map((name) => ({ value: outputOf(name), axis: 1 })),
    calibration(),
    collect,
  );
  for (const name of todo) {
    const y = outputOf(name);
    const o = want.get(y)!;
    // Measured with every earlier correction in place.
    const p = (await collectActivationStats(out, [{ value: y, axis: 1 }], calibration(), collect)).get(y)!;
    const keep = keeps.get(y)?.keep;
    const layer = linearLayer(out.graph, name);
    const { weight, bias } = readLinear(out.graph, layer);
    const per = weight.length / layer.outChannels;
    for (let j = 0; j < layer.outChannels; j++) {
      const oj = keep ? keep[j]! : j;
      const so = Math.sqrt(o.variance[oj]!);
      const sp = Math.sqrt(p.variance[j]!);
      const a = sp > 1e-12 && so > 0 ? so / sp : 1;
      const b = o.mean[oj]! - a * p.mean[j]!;
      for (let i = 0; i < per; i++) weight[j * per + i]! *= a;
      bias[j] = a * bias[j]! + b;
    }
    writeLinear(out.graph, layer, weight, bias);
  }
  return { model: out, layers: todo, samples, seconds: (performance.now() - t0) / 1000 };
}

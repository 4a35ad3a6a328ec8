// Loss-gradient statistics per channel (for the criteria that read training signals: taylor,
// fisher): one forward + backward graph (src/autodiff) run by ONNX Runtime over labelled batches, a
// measurement pass that changes no weight. Each tap is a consumer's input edge (node, input index);
// an Identity is put on that edge, so its gradient is the one flowing into that consumer only (what
// Group Fisher's backward hook on a conv input sees), and the graph returns, per sample and per input
// channel, s[n, c] = Σ_hw a·∂l_n/∂a. Taps of one channel set (coupled channels) are summed per sample
// before squaring.

import { buildBackward } from '../autodiff/backward.js';
import { GradEmitter } from '../autodiff/emitter.js';
import { crossEntropyLoss } from '../autodiff/losses/cross-entropy.js';
import { resolveForward } from '../autodiff/resolve-forward.js';
import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import type { Value } from '../ir/value.js';
import { inferShapes } from '../ops/infer-shapes.js';
import { Session } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

/** A consumer input whose gradient is measured; channel c of the set is `indexMap[c·block + j]`. */
export interface GradientTap {
  readonly node: string;
  readonly input: number;
  readonly block: number;
  readonly indexMap: Int32Array;
}

/** Channels measured together (a channel group): per-sample sums over its taps. */
export interface ChannelSet {
  readonly id: string;
  readonly size: number;
  readonly taps: readonly GradientTap[];
  /** Activation elements per sample one channel frees (carried into the result). */
  readonly actsPerChannel: number;
}

/** Per group channel: the first- and second-order sums a criterion turns into a score. */
export interface GroupGradientStats {
  /** Σ_n Σ_copies s[n, c] (signed; Taylor takes |·|/samples). */
  readonly sum: Float64Array;
  /** Σ_n (Σ_copies s[n, c])² (Group Fisher: copies of a coupled channel summed before squaring). */
  readonly fisher: Float64Array;
  /** Activation elements per sample one channel of the group frees in its producers' outputs. */
  readonly actsPerChannel: number;
  readonly samples: number;
}

interface Tap {
  readonly set: ChannelSet;
  readonly block: number;
  readonly indexMap: Int32Array;
  /** Graph output: [N, P] per-sample Σ_hw a·g of the tapped consumer input. */
  readonly output: string;
}

export interface GradientStatsOptions {
  /** Labelled images to use (default 512). */
  readonly samples?: number;
  readonly threads?: number;
}

/** Measure gradient statistics of every channel set on `loader`'s first batches (labels needed). */
export async function measureChannelGradients(
  model: Model,
  sets: readonly ChannelSet[],
  loader: BatchLoader,
  options: GradientStatsOptions = {},
): Promise<Map<string, GroupGradientStats>> {
  const m = cloneModel(model);
  const g = m.graph;
  if (g.opset < 13) {
    throw new PareError(
      'PARE_UNSUPPORTED_OP',
      `gradient criteria need opset 13 or later (the model has ${g.opset})`,
    );
  }
  if (g.opset < 17) g.opsets.set(g.opsets.has('') ? '' : 'ai.onnx', 17);
  inferShapes(g);
  const { batch, logits, classes } = resolveForward(g, {});
  const e = new GradEmitter(g, 'measure');
  const labels = g.addInput('labels', [batch.type?.shape?.[0] ?? 'N'], 7);
  const taps: { set: ChannelSet; block: number; indexMap: Int32Array; tapped: Value }[] = [];
  for (const set of sets) {
    for (const t of set.taps) {
      const node = g.node(t.node);
      const source = node?.inputs[t.input];
      if (!node || !source) continue;
      const tap = g.addNode('Identity', [source], [g.uniqueName(`tap/${node.name}/${source.name}`)], {
        before: node,
      }).outputs[0]!;
      if (source.type) tap.type = source.type;
      node.setInput(t.input, tap);
      taps.push({ set, block: t.block, indexMap: t.indexMap, tapped: tap });
    }
  }
  const loss = crossEntropyLoss(e, logits, labels, classes);
  const back = buildBackward(
    g,
    loss,
    taps.map((t) => t.tapped),
  );
  const outs: Tap[] = taps.map((t, i) => {
    const grad = back.grads.get(t.tapped)!;
    let s = e.op('Mul', [t.tapped, grad], {}, { shape: t.tapped.type?.shape });
    const rank = t.tapped.type?.shape?.length ?? 4;
    if (rank > 2)
      s = e.reduceSum(
        s,
        Array.from({ length: rank - 2 }, (_, k) => k + 2),
        false,
      );
    const out = g.addNode('Identity', [s], [g.uniqueName(`tapstat/${i}`)]).outputs[0]!;
    g.addOutput(out);
    return { set: t.set, block: t.block, indexMap: t.indexMap, output: out.name };
  });
  g.toposort();

  const stats = new Map<string, { sum: Float64Array; fisher: Float64Array }>();
  for (const set of sets)
    stats.set(set.id, { sum: new Float64Array(set.size), fisher: new Float64Array(set.size) });
  const limit = options.samples ?? 512;
  let samples = 0;
  const session = await Session.create(m, {
    label: `${model.path ?? g.name} (gradient statistics)`,
    ...(options.threads ? { threads: options.threads } : {}),
  });
  try {
    for await (const b of loader.epoch(0)) {
      const n = Math.min(b.n, limit - samples);
      if (n <= 0) break;
      const [, c, h, w] = b.shape;
      const out = await session.run(
        {
          [batch.name]: { dims: [n, c, h, w], data: b.x.subarray(0, n * c * h * w) },
          [labels.name]: { dims: [n], data: BigInt64Array.from(b.y.subarray(0, n), BigInt) },
        },
        outs.map((t) => t.output),
      );
      accumulate(outs, out, stats, sets, n);
      samples += n;
      if (samples >= limit) break;
    }
  } finally {
    await session.release();
  }
  if (samples === 0) throw new PareError('PARE_DATA', 'gradient statistics: the calibration data is empty');
  return new Map(
    sets.map(
      (set) => [set.id, { ...stats.get(set.id)!, actsPerChannel: set.actsPerChannel, samples }] as const,
    ),
  );
}

function accumulate(
  taps: readonly Tap[],
  out: Record<string, { dims: readonly number[]; data: ArrayLike<number | bigint> }>,
  stats: Map<string, { sum: Float64Array; fisher: Float64Array }>,
  sets: readonly ChannelSet[],
  n: number,
): void {
  for (const set of sets) {
    const mine = taps.filter((t) => t.set === set);
    if (mine.length === 0) continue;
    const st = stats.get(set.id)!;
    const perSample = new Float64Array(set.size);
    for (let i = 0; i < n; i++) {
      perSample.fill(0);
      for (const t of mine) {
        const d = out[t.output]!.data as Float32Array;
        const p = out[t.output]!.dims[1]!;
        // The graph's loss is the batch mean: n·∂L/∂a is the per-sample loss gradient (BN in inference
        // mode keeps the samples independent).
        for (let c = 0; c < set.size; c++)
          for (let j = 0; j < t.block; j++) perSample[c]! += n * d[i * p + t.indexMap[c * t.block + j]!]!;
      }
      for (let c = 0; c < set.size; c++) {
        st.sum[c]! += perSample[c]!;
        st.fisher[c]! += perSample[c]! * perSample[c]!;
      }
    }
  }
}

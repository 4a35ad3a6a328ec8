// One ORT session for a model whose chosen parameters are fed at run time instead of baked in, so a
// recovery step can try a change, measure it (top-1 on held-out data, per-channel moments of a
// value on calibration data) and undo it without building a new session per try.

import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import { type Feeds, Session, type SessionOptions } from '../runtime/session.js';
import { PareError } from '../util/errors.js';
import { ClassificationMeter } from './classification-meter.js';

/** Bytes of input batches kept in memory per loader; larger sets are streamed again on each pass. */
const CACHE_BYTES = 256 * 2 ** 20;

interface CachedBatch {
  readonly feeds: Feeds;
  readonly labels: Int32Array;
  readonly n: number;
}

export class FeedableSession {
  /** Current value of every fed parameter (start: the model's initializers). */
  readonly params = new Map<string, Tensor>();
  private readonly cache = new Map<
    BatchLoader,
    { batches: CachedBatch[]; samples: number; exhausted: boolean }
  >();

  private constructor(
    private readonly session: Session,
    private readonly input: string,
    private readonly logits: string,
  ) {}

  /**
   * `params`: initializers of `model` to feed (float32); `capture`: values to make fetchable.
   * The model is cloned; `model` is never touched.
   */
  static async create(
    model: Model,
    params: readonly string[],
    capture: readonly string[],
    options: SessionOptions = {},
  ): Promise<FeedableSession> {
    const m = cloneModel(model);
    const g = m.graph;
    const input = g.feedInputs[0]?.name;
    const logits = g.outputs[0]?.name;
    const label = model.path ?? g.name;
    if (!input || !logits)
      throw new PareError('PARE_BAD_MODEL', `model '${label}' needs an input and an output`);
    const initial = new Map<string, Tensor>();
    for (const name of new Set(params)) {
      const v = g.mustValue(name);
      if (v.const?.dataType !== 1)
        throw new PareError('PARE_INTERNAL', `parameter '${name}' is not a float32 initializer`, {
          tensor: name,
        });
      initial.set(name, g.initializerToInput(v));
    }
    for (const name of capture) g.addOutput(g.mustValue(name));
    const session = await Session.create(m, { label, ...options });
    const s = new FeedableSession(session, input, logits);
    for (const [k, t] of initial) s.params.set(k, t);
    return s;
  }

  /** Top-1 accuracy of the logits output on the first `limit` samples of `loader`. */
  async top1(loader: BatchLoader, limit: number): Promise<{ top1: number; samples: number }> {
    const meter = new ClassificationMeter();
    await this.each(loader, limit, [this.logits], (out, labels, n) => {
      const t = out[this.logits]!;
      const classes = t.dims[t.dims.length - 1]!;
      if (t.dims.length !== 2 || !(t.data instanceof Float32Array))
        throw new PareError(
          'PARE_BAD_MODEL',
          `output '${this.logits}' has shape [${t.dims.join(', ')}]; expected [N, classes] float logits`,
          { tensor: this.logits },
        );
      meter.add(t.data, labels, n, classes);
    });
    return { top1: meter.result(0).top1, samples: meter.samples };
  }

  /** Per-channel (axis 1) mean and population variance of `value` over the first `limit` samples. */
  async channelMoments(
    loader: BatchLoader,
    value: string,
    limit: number,
  ): Promise<{ mean: Float64Array; variance: Float64Array; samples: number }> {
    let sum = new Float64Array(0);
    let sq = new Float64Array(0);
    let count = 0;
    let samples = 0;
    await this.each(loader, limit, [value], (out, _labels, n) => {
      const t = out[value]!;
      const data = t.data as Float32Array;
      const c = t.dims[1] ?? 1;
      const inner = data.length / (n * c);
      if (sum.length === 0) [sum, sq] = [new Float64Array(c), new Float64Array(c)];
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++) {
          const base = (b * c + ch) * inner;
          let s = 0;
          let s2 = 0;
          for (let i = base; i < base + inner; i++) {
            s += data[i]!;
            s2 += data[i]! * data[i]!;
          }
          sum[ch]! += s;
          sq[ch]! += s2;
        }
      count += n * inner;
      samples += n;
    });
    const mean = sum.map((s) => s / count);
    const variance = sq.map((s, i) => Math.max(0, s / count - mean[i]! ** 2));
    return { mean, variance, samples };
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async each(
    loader: BatchLoader,
    limit: number,
    fetches: readonly string[],
    onBatch: (
      out: Record<string, { dims: readonly number[]; data: unknown }>,
      y: Int32Array,
      n: number,
    ) => void,
  ): Promise<void> {
    const paramFeeds: Record<string, { dims: readonly number[]; data: Float32Array }> = {};
    for (const [k, t] of this.params) paramFeeds[k] = { dims: t.dims, data: t.toFloat32() };
    for await (const b of this.batches(loader, limit)) {
      const out = await this.session.run({ ...b.feeds, ...paramFeeds }, fetches);
      onBatch(out, b.labels, b.n);
    }
  }

  /** The first `limit` samples of epoch 0, from memory when an earlier pass cached enough of them. */
  private async *batches(loader: BatchLoader, limit: number): AsyncGenerator<CachedBatch> {
    const cached = this.cache.get(loader);
    if (cached && (cached.samples >= limit || cached.exhausted)) {
      let seen = 0;
      for (const b of cached.batches) {
        if (seen >= limit) return;
        yield b;
        seen += b.n;
      }
      return;
    }
    const keep: CachedBatch[] = [];
    let bytes = 0;
    let seen = 0;
    let fits = true;
    let exhausted = true;
    for await (const batch of loader.epoch(0)) {
      const n = Math.min(batch.n, limit - seen);
      if (n <= 0) {
        exhausted = false;
        break;
      }
      const [, c, h, w] = batch.shape;
      const size = n * c * h * w;
      // Copied: the loader reuses its buffers for the next batch.
      const b: CachedBatch = {
        feeds: { [this.input]: { dims: [n, c, h, w], data: batch.x.slice(0, size) } },
        labels: batch.y.slice(0, n),
        n,
      };
      bytes += 4 * size;
      fits &&= bytes <= CACHE_BYTES;
      if (fits) keep.push(b);
      yield b;
      seen += n;
    }
    // A partial batch (cut at `limit`) leaves later samples unseen: not exhausted.
    if (fits) this.cache.set(loader, { batches: keep, samples: seen, exhausted: exhausted && seen < limit });
  }
}

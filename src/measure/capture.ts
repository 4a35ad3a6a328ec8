// Streaming capture of intermediate values over a data loader: one session with the wanted values
// as extra outputs, a callback per batch, so statistics over many samples need little memory.

import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { sliceAxis } from '../ir/tensor-axis.js';
import { type Feeds, type HostTensor, Session, type SessionOptions } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

export interface CaptureOptions extends SessionOptions {
  /** Stop after this many samples. */
  readonly limit?: number;
  /** Epoch of the loader to iterate (its shuffling seed). */
  readonly epoch?: number;
}

/** Run the model over the loader; `onValue(name, tensor, batchSize)` sees every captured value. Returns the sample count. */
export async function runCapturingBatches(
  model: Model,
  loader: BatchLoader,
  names: readonly string[],
  onValue: (name: string, tensor: HostTensor, n: number, labels: Int32Array) => void,
  options: CaptureOptions = {},
): Promise<number> {
  const m = cloneModel(model);
  const wanted = [...new Set(names)];
  for (const n of wanted) {
    const v = m.graph.mustValue(n);
    m.graph.addOutput(v);
  }
  const input = m.graph.feedInputs[0];
  if (!input)
    throw new PareError('PARE_BAD_MODEL', `model '${model.path ?? model.graph.name}' has no inputs`);
  const session = await Session.create(m, options);
  let seen = 0;
  const limit = options.limit ?? Infinity;
  try {
    for await (const batch of loader.epoch(options.epoch ?? 0)) {
      const n = Math.min(batch.n, limit - seen);
      if (n <= 0) break;
      const [, c, h, w] = batch.shape;
      const out = await session.run(
        { [input.name]: { dims: [n, c, h, w], data: batch.x.subarray(0, n * c * h * w) } },
        wanted,
      );
      for (const name of wanted) onValue(name, out[name]!, n, batch.y.subarray(0, n));
      seen += n;
    }
  } finally {
    await session.release();
  }
  return seen;
}

/** A session computing only `outputs` (the graph cut after them). */
export async function truncatedSession(
  model: Model,
  outputs: readonly string[],
  threads: { threads?: number },
  what: string,
): Promise<Session> {
  const m = cloneModel(model);
  const g = m.graph;
  g.outputs.splice(0, g.outputs.length, ...outputs.map((n) => g.mustValue(n)));
  g.cleanup();
  return Session.create(m, { label: `${model.path ?? g.name} (${what}, truncated)`, ...threads });
}

/** Channels `keep` of axis 1 (all when undefined), as a fresh float32 tensor. */
export function gatherChannels(t: HostTensor, keep: Int32Array | undefined): HostTensor {
  const data = t.data as Float32Array;
  if (!keep) return { dims: t.dims, data: Float32Array.from(data) };
  const sliced = sliceAxis(Tensor.from('float32', t.dims, data), 1, keep, 'calibration activation');
  return { dims: sliced.dims, data: sliced.toFloat32() };
}

/**
 * Feeds for the model input from the first `limit` samples of a loader's epoch (default 0), copied
 * (the loader reuses its buffers for the next batch); batches larger than `maxBatch` are split.
 */
export async function* loaderFeeds(
  loader: BatchLoader,
  input: string,
  limit: number,
  options: { readonly epoch?: number; readonly maxBatch?: number } = {},
): AsyncGenerator<Feeds> {
  const maxBatch = Math.max(1, options.maxBatch ?? Infinity);
  let seen = 0;
  for await (const batch of loader.epoch(options.epoch ?? 0)) {
    const [, c, h, w] = batch.shape;
    const size = c * h * w;
    for (let at = 0; at < batch.n && seen < limit; ) {
      const n = Math.min(maxBatch, batch.n - at, limit - seen);
      yield { [input]: { dims: [n, c, h, w], data: batch.x.slice(at * size, (at + n) * size) } };
      at += n;
      seen += n;
    }
    if (seen >= limit) break;
  }
}

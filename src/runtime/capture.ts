// Streaming capture of intermediate values over a data loader: one session with the wanted values
// as extra outputs, a callback per batch, so statistics over many samples need little memory.

import type { BatchLoader } from '../data/batch-loader.js';
import { cloneModel, type Model } from '../ir/model.js';
import { PareError } from '../util/errors.js';
import { type HostTensor, Session, type SessionOptions } from './session.js';

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
    if (!m.graph.outputs.includes(v)) m.graph.outputs.push(v);
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

// Evaluation of a model on a dataset with ONNX Runtime: top-1/top-5 accuracy, cross-entropy, img/s.

import type { BatchLoader } from '../data/batch-loader.js';
import type { Model } from '../ir/model.js';
import { ClassificationMeter, type EvalResult } from '../measure/classification-meter.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

export interface EvalOptions extends SessionOptions {
  /** Stop after this many samples (for quick checks). */
  readonly limit?: number;
  /** Output to score (default: the model's first output). */
  readonly output?: string;
  readonly onBatch?: (done: number, total: number) => void;
}

export async function evaluateModel(
  model: Model,
  loader: BatchLoader,
  options: EvalOptions = {},
): Promise<EvalResult> {
  const input = model.graph.feedInputs[0];
  if (!input)
    throw new PareError('PARE_BAD_MODEL', `model '${model.path ?? model.graph.name}' has no inputs`);
  const output = options.output ?? model.graph.outputs[0]?.name;
  if (!output)
    throw new PareError('PARE_BAD_MODEL', `model '${model.path ?? model.graph.name}' has no outputs`);
  const session = await Session.create(model, options);
  const meter = new ClassificationMeter();
  const total = Math.min(loader.dataset.size, options.limit ?? Infinity);
  const t0 = performance.now();
  try {
    for await (const batch of loader.epoch(0)) {
      const n = Math.min(batch.n, total - meter.samples);
      if (n <= 0) break;
      const [, c, h, w] = batch.shape;
      const x = batch.x.subarray(0, n * c * h * w);
      const result = await session.run({ [input.name]: { dims: [n, c, h, w], data: x } }, [output]);
      const logits = result[output]!;
      const classes = logits.dims[logits.dims.length - 1]!;
      if (logits.dims.length !== 2 || !(logits.data instanceof Float32Array)) {
        throw new PareError(
          'PARE_BAD_MODEL',
          `output '${output}' has shape [${logits.dims.join(', ')}]; expected [N, classes] float logits`,
          {
            tensor: output,
            notes: ['pass --output NAME to score another output'],
          },
        );
      }
      meter.add(logits.data, batch.y, n, classes);
      options.onBatch?.(meter.samples, total);
    }
  } finally {
    await session.release();
  }
  return meter.result((performance.now() - t0) / 1000);
}

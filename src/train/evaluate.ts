// Evaluation of a model on a dataset with ONNX Runtime: top-1/top-5 accuracy, cross-entropy, img/s.

import type { BatchLoader } from '../data/batch-loader.js';
import type { Model } from '../ir/model.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import { PareError } from '../util/errors.js';

export interface EvalResult {
  readonly samples: number;
  readonly top1: number;
  readonly top5: number;
  /** Mean cross-entropy of the softmax of the logits. */
  readonly loss: number;
  readonly seconds: number;
  readonly imgPerSec: number;
}

export interface EvalOptions extends SessionOptions {
  /** Stop after this many samples (for quick checks). */
  readonly limit?: number;
  /** Output to score (default: the model's first output). */
  readonly output?: string;
  readonly onBatch?: (done: number, total: number) => void;
}

/** Accumulates top-k hits and the cross-entropy of logits rows. */
export class ClassificationMeter {
  samples = 0;
  top1 = 0;
  top5 = 0;
  lossSum = 0;

  add(logits: Float32Array, labels: Int32Array, n: number, classes: number): void {
    for (let i = 0; i < n; i++) {
      const row = logits.subarray(i * classes, (i + 1) * classes);
      const label = labels[i]!;
      const target = row[label]!;
      let max = -Infinity;
      let higher = 0;
      for (let c = 0; c < classes; c++) {
        const v = row[c]!;
        if (v > max) max = v;
        if (v > target || (v === target && c < label)) higher++;
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += Math.exp(row[c]! - max);
      this.lossSum += Math.log(sum) + max - target;
      if (higher === 0) this.top1++;
      if (higher < 5) this.top5++;
      this.samples++;
    }
  }

  result(seconds: number): EvalResult {
    const n = Math.max(this.samples, 1);
    return {
      samples: this.samples,
      top1: this.top1 / n,
      top5: this.top5 / n,
      loss: this.lossSum / n,
      seconds,
      imgPerSec: this.samples / Math.max(seconds, 1e-9),
    };
  }
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

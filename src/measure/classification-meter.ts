// Top-1/top-5 hits and cross-entropy of logits rows against labels: the one classification metric
// used by evaluation, recovery's accept/rollback checks and the training loop.

/** Classification metrics over a data set. */
export interface EvalResult {
  readonly samples: number;
  readonly top1: number;
  readonly top5: number;
  /** Mean cross-entropy of the softmax of the logits. */
  readonly loss: number;
  readonly seconds: number;
  readonly imgPerSec: number;
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

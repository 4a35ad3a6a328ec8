// The losses the oneDNN engine computes on the host, on plain logits [N, K], each with its gradient:
// the same functions as the ONNX emitters of the training graph (autodiff/losses/), tested against
// them. Cross-entropy with PyTorch's label smoothing; Hinton distillation
// α·T²·KL(softmax(t/T) ‖ softmax(s/T)) (batch mean) + (1 − α)·cross-entropy.

export interface LossResult {
  readonly loss: number;
  readonly correct: number;
}

/** Mean softmax cross-entropy with label smoothing (target (1 − ε)·onehot + ε/K); dlogits = (p − target)/N. */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: ArrayLike<number>,
  n: number,
  k: number,
  smoothing: number,
  dlogits: Float32Array,
  weight = 1,
): LossResult {
  let loss = 0;
  let correct = 0;
  const off = smoothing / k;
  const on = 1 - smoothing + off;
  for (let i = 0; i < n; i++) {
    const row = i * k;
    const label = Number(labels[i]);
    let m = -Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) {
      const v = logits[row + j]!;
      if (v > m) {
        m = v;
        arg = j;
      }
    }
    if (arg === label) correct++;
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(logits[row + j]! - m);
    const logS = Math.log(s);
    for (let j = 0; j < k; j++) {
      const logp = logits[row + j]! - m - logS;
      const t = j === label ? on : off;
      loss -= t * logp;
      dlogits[row + j] = (weight * (Math.exp(logp) - t)) / n;
    }
  }
  return { loss: (weight * loss) / n, correct };
}

export interface DistillationOptions {
  readonly temperature: number;
  /** weight of the KD term; the labels get 1 − alpha */
  readonly alpha: number;
}

/** Log-softmax of row i of x / T into out. */
export function logSoftmaxRow(x: Float32Array, row: number, k: number, t: number, out: Float64Array): void {
  let m = -Infinity;
  for (let j = 0; j < k; j++) m = Math.max(m, x[row + j]! / t);
  let s = 0;
  for (let j = 0; j < k; j++) s += Math.exp(x[row + j]! / t - m);
  const logS = Math.log(s);
  for (let j = 0; j < k; j++) out[j] = x[row + j]! / t - m - logS;
}

/** Hinton KD on the logits with the teacher's logits; writes dlogits (the teacher gets no gradient). */
export function distillation(
  logits: Float32Array,
  teacher: Float32Array,
  labels: ArrayLike<number>,
  n: number,
  k: number,
  smoothing: number,
  o: DistillationOptions,
  dlogits: Float32Array,
): LossResult {
  const { temperature: T, alpha } = o;
  const ce =
    alpha === 1 ? undefined : softmaxCrossEntropy(logits, labels, n, k, smoothing, dlogits, 1 - alpha);
  if (!ce) dlogits.fill(0, 0, n * k);
  const ls = new Float64Array(k);
  const lt = new Float64Array(k);
  let kl = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = i * k;
    logSoftmaxRow(logits, row, k, T, ls);
    logSoftmaxRow(teacher, row, k, T, lt);
    let arg = 0;
    for (let j = 0; j < k; j++) {
      const pt = Math.exp(lt[j]!);
      kl += pt * (lt[j]! - ls[j]!);
      // d/ds of α·T²·KL/N = α·T·(softmax(s/T) − softmax(t/T))/N
      dlogits[row + j] = dlogits[row + j]! + (alpha * T * (Math.exp(ls[j]!) - pt)) / n;
      if (logits[row + j]! > logits[row + arg]!) arg = j;
    }
    if (arg === Number(labels[i])) correct++;
  }
  return { loss: (alpha * T * T * kl) / n + (ce?.loss ?? 0), correct: ce?.correct ?? correct };
}

// A small fully connected discriminator on the host (AIP / GBIP's "shallow FC discriminator"): Linear
// layers with LeakyReLU between them, one logit out, trained with BCE-with-logits by Adam (torch.optim
// semantics, L2 weight decay). Tiny next to a CNN: the host Mlp (mlp.ts) in float64, checked against
// finite differences in discriminator.test.ts; the gradient w.r.t. its input is what the adversarial
// term hands to the student's logits.

import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { Adam, type FloatArray, Mlp, type MlpTrace } from './mlp.js';

export interface DiscriminatorOptions {
  /** Hidden widths (default 128, 256, 128: BenGitter/GBIP models/adversarial.py). */
  readonly hidden?: readonly number[];
  /** LeakyReLU negative slope (default 0.01: torch's nn.LeakyReLU()). */
  readonly slope?: number;
  readonly lr?: number;
  readonly weightDecay?: number;
  readonly seed?: number;
}

/** The activations of one forward pass, kept for its backward (`output`: one logit per sample). */
export type DiscriminatorPass = MlpTrace;

export class Discriminator {
  /** The network: Linear layers with LeakyReLU between them, float64. */
  readonly net: Mlp;
  /** Parameter gradients accumulated since zeroGrad (the order of net.params()). */
  readonly grads: FloatArray[];
  private readonly adam: Adam;

  constructor(
    readonly inputs: number,
    o: DiscriminatorOptions = {},
  ) {
    const widths = [inputs, ...(o.hidden ?? [128, 256, 128]), 1];
    if (!widths.every((w) => Number.isInteger(w) && w > 0))
      throw new PareError('PARE_CONFIG', `discriminator widths must be positive integers, got [${widths}]`);
    this.net = new Mlp(widths, new Rng(o.seed ?? 0), { slope: o.slope ?? 0.01, precision: 64 });
    this.grads = this.net.zeros();
    this.adam = new Adam(this.net.params(), o.lr ?? 5e-4, { weightDecay: o.weightDecay ?? 1e-4 });
  }

  /** Logits of `n` samples of `x` ([n, inputs], row-major). */
  forward(x: ArrayLike<number>, n: number): DiscriminatorPass {
    return this.net.forward(x, n);
  }

  /**
   * Back-propagate ∂L/∂out through `pass`: accumulates parameter gradients when `params` is true and
   * returns ∂L/∂x ([n, inputs]).
   */
  backward(pass: DiscriminatorPass, dout: Float64Array, params: boolean): FloatArray {
    return this.net.backward(pass, dout, params ? this.grads : false).input;
  }

  zeroGrad(): void {
    for (const g of this.grads) g.fill(0);
  }

  /** One Adam step (torch.optim.Adam: L2 decay added to the gradient, bias-corrected moments). */
  adamStep(): void {
    this.adam.step(this.grads);
  }

  /** Everything a resumed run needs (parameters, then Adam's state), as float64. */
  snapshot(): Float64Array {
    const params = this.net.params();
    const adam = this.adam.snapshot();
    const out = new Float64Array(params.reduce((n, p) => n + p.length, 0) + adam.length);
    let at = 0;
    for (const p of [...params, adam]) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Continue from `snapshot()` of a discriminator of the same widths. */
  restore(s: Float64Array): void {
    const params = this.net.params();
    const size = params.reduce((n, p) => n + p.length, 0);
    const adam = 1 + 2 * size;
    if (s.length !== size + adam)
      throw new PareError(
        'PARE_CONFIG',
        `discriminator checkpoint holds ${s.length} numbers, this discriminator needs ${size + adam}`,
      );
    let at = 0;
    for (const p of params) for (let i = 0; i < p.length; i++) p[i] = s[at++]!;
    this.adam.restore(s.subarray(at));
  }
}

/**
 * Mean BCE-with-logits of `logits` against one `target` (0 or 1), and ∂/∂logits scaled by `scale`
 * (written to `grad`): log(1 + e^{−|z|}) + max(z, 0) − t·z, ∂/∂z = σ(z) − t.
 */
export function bceWithLogits(
  logits: ArrayLike<number>,
  target: number,
  grad: Float64Array,
  scale = 1,
): number {
  const n = logits.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = logits[i]!;
    loss += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - target * z;
    const sig = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    grad[i] = (scale * (sig - target)) / n;
  }
  return loss / n;
}

// A small fully connected discriminator on the host (AIP / GBIP's "shallow FC discriminator"): Linear
// layers with LeakyReLU between them, one logit out, trained with BCE-with-logits by Adam (torch.optim
// semantics, L2 weight decay). Tiny next to a CNN, so plain loops in float64 with a hand-written
// backward (checked against finite differences in discriminator.test.ts); the gradient w.r.t. its
// input is what the adversarial term hands to the student's logits.

import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

export interface DiscriminatorOptions {
  /** Hidden widths (default 128, 256, 128: BenGitter/GBIP models/adversarial.py). */
  readonly hidden?: readonly number[];
  /** LeakyReLU negative slope (default 0.01: torch's nn.LeakyReLU()). */
  readonly slope?: number;
  readonly lr?: number;
  readonly weightDecay?: number;
  readonly seed?: number;
}

interface Layer {
  readonly fanIn: number;
  readonly fanOut: number;
  /** [fanOut, fanIn] */
  readonly w: Float64Array;
  readonly b: Float64Array;
  readonly gw: Float64Array;
  readonly gb: Float64Array;
  /** Adam moments, w then b */
  readonly m: Float64Array;
  readonly v: Float64Array;
}

/** The activations of one forward pass, kept for its backward. */
export interface DiscriminatorPass {
  readonly n: number;
  /** inputs of each layer (post-activation of the previous one), [n, fanIn] */
  readonly inputs: Float64Array[];
  /** pre-activations of each hidden layer, [n, fanOut] */
  readonly pre: Float64Array[];
  /** one logit per sample */
  readonly out: Float64Array;
}

export class Discriminator {
  readonly layers: Layer[];
  private readonly slope: number;
  private readonly lr: number;
  private readonly weightDecay: number;
  private steps = 0;

  constructor(
    readonly inputs: number,
    o: DiscriminatorOptions = {},
  ) {
    const widths = [inputs, ...(o.hidden ?? [128, 256, 128]), 1];
    if (!widths.every((w) => Number.isInteger(w) && w > 0))
      throw new PareError('PARE_CONFIG', `discriminator widths must be positive integers, got [${widths}]`);
    this.slope = o.slope ?? 0.01;
    this.lr = o.lr ?? 5e-4;
    this.weightDecay = o.weightDecay ?? 1e-4;
    const rng = new Rng(o.seed ?? 0);
    this.layers = widths.slice(1).map((fanOut, i) => {
      const fanIn = widths[i]!;
      // torch.nn.Linear's default: weights and biases ~ U(−1/√fanIn, 1/√fanIn).
      const bound = 1 / Math.sqrt(fanIn);
      const w = Float64Array.from({ length: fanOut * fanIn }, () => rng.uniform(-bound, bound));
      const b = Float64Array.from({ length: fanOut }, () => rng.uniform(-bound, bound));
      const size = w.length + b.length;
      return {
        fanIn,
        fanOut,
        w,
        b,
        gw: new Float64Array(w.length),
        gb: new Float64Array(b.length),
        m: new Float64Array(size),
        v: new Float64Array(size),
      };
    });
  }

  /** Logits of `n` samples of `x` ([n, inputs], row-major). */
  forward(x: ArrayLike<number>, n: number): DiscriminatorPass {
    let a = Float64Array.from({ length: n * this.inputs }, (_, i) => x[i]!);
    const inputs: Float64Array[] = [];
    const pre: Float64Array[] = [];
    for (const [li, l] of this.layers.entries()) {
      inputs.push(a);
      const z = new Float64Array(n * l.fanOut);
      for (let s = 0; s < n; s++)
        for (let o = 0; o < l.fanOut; o++) {
          let acc = l.b[o]!;
          const wr = o * l.fanIn;
          const ar = s * l.fanIn;
          for (let i = 0; i < l.fanIn; i++) acc += l.w[wr + i]! * a[ar + i]!;
          z[s * l.fanOut + o] = acc;
        }
      if (li === this.layers.length - 1) return { n, inputs, pre, out: z };
      pre.push(z);
      a = z.map((v) => (v > 0 ? v : this.slope * v));
    }
    throw new PareError('PARE_INTERNAL', 'discriminator without layers');
  }

  /**
   * Back-propagate ∂L/∂out through `pass`: accumulates parameter gradients when `params` is true and
   * returns ∂L/∂x ([n, inputs]).
   */
  backward(pass: DiscriminatorPass, dout: Float64Array, params: boolean): Float64Array {
    let g = dout;
    for (let li = this.layers.length - 1; li >= 0; li--) {
      const l = this.layers[li]!;
      const a = pass.inputs[li]!;
      const dx = new Float64Array(pass.n * l.fanIn);
      for (let s = 0; s < pass.n; s++)
        for (let o = 0; o < l.fanOut; o++) {
          const go = g[s * l.fanOut + o]!;
          if (go === 0) continue;
          const wr = o * l.fanIn;
          const ar = s * l.fanIn;
          if (params) {
            l.gb[o] = l.gb[o]! + go;
            for (let i = 0; i < l.fanIn; i++) l.gw[wr + i] = l.gw[wr + i]! + go * a[ar + i]!;
          }
          for (let i = 0; i < l.fanIn; i++) dx[ar + i] = dx[ar + i]! + go * l.w[wr + i]!;
        }
      if (li > 0) {
        const z = pass.pre[li - 1]!;
        for (let i = 0; i < dx.length; i++) if (z[i]! <= 0) dx[i] = dx[i]! * this.slope;
      }
      g = dx;
    }
    return g;
  }

  zeroGrad(): void {
    for (const l of this.layers) {
      l.gw.fill(0);
      l.gb.fill(0);
    }
  }

  /** One Adam step (torch.optim.Adam: L2 decay added to the gradient, bias-corrected moments). */
  adamStep(): void {
    const b1 = 0.9;
    const b2 = 0.999;
    const eps = 1e-8;
    this.steps++;
    const stepSize = this.lr / (1 - b1 ** this.steps);
    const rootBc2 = Math.sqrt(1 - b2 ** this.steps);
    for (const l of this.layers) {
      const update = (p: Float64Array, g: Float64Array, offset: number) => {
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! + this.weightDecay * p[i]!;
          const j = offset + i;
          l.m[j] = b1 * l.m[j]! + (1 - b1) * gi;
          l.v[j] = b2 * l.v[j]! + (1 - b2) * gi * gi;
          p[i] = p[i]! - (stepSize * l.m[j]!) / (Math.sqrt(l.v[j]!) / rootBc2 + eps);
        }
      };
      update(l.w, l.gw, 0);
      update(l.b, l.gb, l.w.length);
    }
  }
}

/**
 * Mean BCE-with-logits of `logits` against one `target` (0 or 1), and ∂/∂logits scaled by `scale`
 * (written to `grad`): log(1 + e^{−|z|}) + max(z, 0) − t·z, ∂/∂z = σ(z) − t.
 */
export function bceWithLogits(logits: Float64Array, target: number, grad: Float64Array, scale = 1): number {
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

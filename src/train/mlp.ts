// A small fully connected network on the host with a hand-written backward pass and Adam: CACP's DDPG
// actor and critic (methods/cacp-agent.ts: ReLU, float32, a sigmoid actor) and AIP's discriminator
// (train/discriminator.ts: LeakyReLU, float64, weight decay). PyTorch's defaults throughout:
// nn.Linear's init U(±1/√fan_in) for weights and biases, torch.optim.Adam (β 0.9/0.999, ε 1e-8,
// bias-corrected moments, L2 weight decay added to the gradient). Plain loops in a fixed order, so a
// seed gives the same network on every run; checked against finite differences in mlp.test.ts and
// discriminator.test.ts.

import type { Rng } from '../util/rng.js';

export type FloatArray = Float32Array | Float64Array;

export interface MlpOptions {
  /** Negative slope of the hidden layers' activation: 0 is ReLU, > 0 LeakyReLU (default 0). */
  readonly slope?: number;
  /** The last layer's output: as is ('linear', the default) or through a sigmoid. */
  readonly output?: 'linear' | 'sigmoid';
  /** Storage and arithmetic of parameters and activations (default 32). */
  readonly precision?: 32 | 64;
}

export interface Dense {
  readonly inputs: number;
  readonly outputs: number;
  /** Row-major [outputs × inputs]. */
  readonly w: FloatArray;
  readonly b: FloatArray;
}

/** What a forward pass keeps for the backward pass: every layer's input, and the output. */
export interface MlpTrace {
  readonly batch: number;
  /** Layer inputs: the network's input, then each hidden layer's activation. */
  readonly inputs: readonly FloatArray[];
  readonly output: FloatArray;
}

export class Mlp {
  readonly layers: Dense[];
  readonly slope: number;
  readonly sigmoidOutput: boolean;
  private readonly wide: boolean;
  private readonly alloc: (n: number) => FloatArray;
  private readonly from: (x: ArrayLike<number>) => FloatArray;

  constructor(sizes: readonly number[], rng: Rng, o: MlpOptions = {}) {
    this.slope = o.slope ?? 0;
    this.sigmoidOutput = o.output === 'sigmoid';
    const wide = o.precision === 64;
    this.wide = wide;
    this.alloc = wide ? (n) => new Float64Array(n) : (n) => new Float32Array(n);
    this.from = wide ? (x) => Float64Array.from(x) : (x) => Float32Array.from(x);
    this.layers = sizes.slice(1).map((outputs, i) => {
      const inputs = sizes[i]!;
      const bound = 1 / Math.sqrt(inputs);
      const fill = (n: number) => {
        const a = this.alloc(n);
        for (let j = 0; j < n; j++) a[j] = rng.uniform(-bound, bound);
        return a;
      };
      return { inputs, outputs, w: fill(outputs * inputs), b: fill(outputs) };
    });
  }

  /** Parameters in a fixed order (weights then bias, per layer). */
  params(): FloatArray[] {
    return this.layers.flatMap((l) => [l.w, l.b]);
  }

  /** Zeroed arrays shaped like params(), e.g. to accumulate gradients into. */
  zeros(): FloatArray[] {
    return this.params().map((p) => this.alloc(p.length));
  }

  copyFrom(other: Mlp): void {
    const src = other.params();
    this.params().forEach((p, i) => {
      p.set(src[i]!);
    });
  }

  /** target ← τ·source + (1 − τ)·target (DDPG's soft target update). */
  softUpdate(source: Mlp, tau: number): void {
    const src = source.params();
    this.params().forEach((p, i) => {
      const s = src[i]!;
      for (let j = 0; j < p.length; j++) p[j] = p[j]! * (1 - tau) + s[j]! * tau;
    });
  }

  /** Forward pass of `batch` rows (row-major [batch × inputs]). */
  forward(x: ArrayLike<number>, batch: number): MlpTrace {
    const inputs: FloatArray[] = [];
    const first = this.layers[0]!;
    // The input itself when it already has the network's precision (no copy), else a copy.
    const own = this.wide ? x instanceof Float64Array : x instanceof Float32Array;
    let h = (own ? (x as FloatArray) : this.from(x)).subarray(0, batch * first.inputs);
    this.layers.forEach((l, li) => {
      inputs.push(h);
      const y = this.alloc(batch * l.outputs);
      const last = li === this.layers.length - 1;
      for (let r = 0; r < batch; r++) {
        const xo = r * l.inputs;
        for (let o = 0; o < l.outputs; o++) {
          const wo = o * l.inputs;
          let s = l.b[o]!;
          for (let i = 0; i < l.inputs; i++) s += l.w[wo + i]! * h[xo + i]!;
          y[r * l.outputs + o] = last
            ? this.sigmoidOutput
              ? 1 / (1 + Math.exp(-s))
              : s
            : s > 0
              ? s
              : this.slope === 0
                ? 0
                : this.slope * s;
        }
      }
      h = y;
    });
    return { batch, inputs, output: h };
  }

  /**
   * Backward pass from dL/d(output): dL/d(input), and the parameter gradients (same order as
   * params()): added into `into` when given, in fresh arrays otherwise, none when `into` is false.
   */
  backward(
    trace: MlpTrace,
    gradOutput: ArrayLike<number>,
    into?: readonly FloatArray[] | false,
  ): { params: FloatArray[]; input: FloatArray } {
    const grads = into === false ? [] : (into ?? this.zeros());
    const n = trace.batch;
    let dy = this.from(gradOutput);
    if (this.sigmoidOutput)
      for (let j = 0; j < dy.length; j++) dy[j] = dy[j]! * trace.output[j]! * (1 - trace.output[j]!);
    for (let li = this.layers.length - 1; li >= 0; li--) {
      const l = this.layers[li]!;
      const x = trace.inputs[li]!;
      const dx = this.alloc(n * l.inputs);
      const dw = into === false ? undefined : grads[2 * li]!;
      const db = into === false ? undefined : grads[2 * li + 1]!;
      for (let r = 0; r < n; r++) {
        const xo = r * l.inputs;
        for (let o = 0; o < l.outputs; o++) {
          const g = dy[r * l.outputs + o]!;
          if (g === 0) continue;
          const wo = o * l.inputs;
          if (dw && db) {
            db[o] = db[o]! + g;
            for (let i = 0; i < l.inputs; i++) dw[wo + i] = dw[wo + i]! + g * x[xo + i]!;
          }
          for (let i = 0; i < l.inputs; i++) dx[xo + i] = dx[xo + i]! + g * l.w[wo + i]!;
        }
      }
      // Through the activation of the layer below (its output is this layer's input; with slope
      // ≥ 0 the output is ≤ 0 exactly where the pre-activation is).
      if (li > 0)
        for (let j = 0; j < dx.length; j++)
          if (x[j]! <= 0) dx[j] = this.slope === 0 ? 0 : dx[j]! * this.slope;
      dy = dx;
    }
    return { params: into === false ? [] : [...grads], input: dy };
  }
}

export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** L2 decay added to the gradient, as torch.optim.Adam's weight_decay (default 0). */
  readonly weightDecay?: number;
}

/** PyTorch's Adam (no amsgrad); moments stored like the parameters. */
export class Adam {
  private readonly m: FloatArray[];
  private readonly v: FloatArray[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private t = 0;

  constructor(
    private readonly params: readonly FloatArray[],
    private readonly lr: number,
    o: AdamOptions = {},
  ) {
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    const like = (p: FloatArray) =>
      p instanceof Float64Array ? new Float64Array(p.length) : new Float32Array(p.length);
    this.m = params.map(like);
    this.v = params.map(like);
  }

  /** Steps taken and the moments, for a checkpoint: t, then m and v of each parameter. */
  snapshot(): Float64Array {
    const out = new Float64Array(1 + 2 * this.m.reduce((n, a) => n + a.length, 0));
    out[0] = this.t;
    let at = 1;
    for (const a of [...this.m, ...this.v]) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  }

  /** Continue from `snapshot()`'s numbers (from the same parameter shapes). */
  restore(s: ArrayLike<number>): void {
    let at = 0;
    this.t = s[at++]!;
    for (const a of [...this.m, ...this.v]) for (let i = 0; i < a.length; i++) a[i] = s[at++]!;
  }

  step(grads: readonly FloatArray[]): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = Math.sqrt(1 - this.beta2 ** this.t);
    const step = this.lr / c1;
    const wd = this.weightDecay;
    this.params.forEach((p, k) => {
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        const gi = wd === 0 ? g[i]! : g[i]! + wd * p[i]!;
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * gi * gi;
        p[i] = p[i]! - (step * m[i]!) / (Math.sqrt(v[i]!) / c2 + this.eps);
      }
    });
  }
}

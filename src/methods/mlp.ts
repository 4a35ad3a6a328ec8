// A small fully connected network with hand-written backward and Adam, for CACP's DDPG agent
// (cacp-agent.ts): ReLU hidden layers, an optional sigmoid output, PyTorch's default init
// (U(±1/√fan_in) for weights and biases) and PyTorch's Adam (β 0.9/0.999, ε 1e-8, bias-corrected).
// Plain Float32 loops in a fixed order, so a seed gives the same network on every run.

import type { Rng } from '../util/rng.js';

interface Dense {
  readonly inputs: number;
  readonly outputs: number;
  /** Row-major [outputs × inputs]. */
  readonly w: Float32Array;
  readonly b: Float32Array;
}

/** What a forward pass keeps for the backward pass: every layer's input, and the output. */
export interface MlpTrace {
  readonly batch: number;
  readonly inputs: readonly Float32Array[];
  readonly output: Float32Array;
}

export class Mlp {
  readonly layers: Dense[];

  constructor(
    sizes: readonly number[],
    readonly sigmoidOutput: boolean,
    rng: Rng,
  ) {
    this.layers = sizes.slice(1).map((outputs, i) => {
      const inputs = sizes[i]!;
      const bound = 1 / Math.sqrt(inputs);
      const fill = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-bound, bound));
      return { inputs, outputs, w: fill(outputs * inputs), b: fill(outputs) };
    });
  }

  /** Parameters in a fixed order (weights then bias, per layer). */
  params(): Float32Array[] {
    return this.layers.flatMap((l) => [l.w, l.b]);
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
  forward(x: Float32Array, batch: number): MlpTrace {
    const inputs: Float32Array[] = [];
    let h = x;
    this.layers.forEach((l, li) => {
      inputs.push(h);
      const y = new Float32Array(batch * l.outputs);
      const last = li === this.layers.length - 1;
      for (let r = 0; r < batch; r++) {
        const xo = r * l.inputs;
        for (let o = 0; o < l.outputs; o++) {
          const wo = o * l.inputs;
          let s = l.b[o]!;
          for (let i = 0; i < l.inputs; i++) s += l.w[wo + i]! * h[xo + i]!;
          y[r * l.outputs + o] = last ? (this.sigmoidOutput ? 1 / (1 + Math.exp(-s)) : s) : Math.max(s, 0);
        }
      }
      h = y;
    });
    return { batch, inputs, output: h };
  }

  /**
   * Backward pass from dL/d(output): the gradient of every parameter (same order as params(); none
   * when `withParams` is false) and dL/d(input).
   */
  backward(
    trace: MlpTrace,
    gradOutput: Float32Array,
    withParams = true,
  ): { params: Float32Array[]; input: Float32Array } {
    const grads: Float32Array[] = [];
    const n = trace.batch;
    let dy = Float32Array.from(gradOutput);
    if (this.sigmoidOutput)
      for (let j = 0; j < dy.length; j++) dy[j] = dy[j]! * trace.output[j]! * (1 - trace.output[j]!);
    for (let li = this.layers.length - 1; li >= 0; li--) {
      const l = this.layers[li]!;
      const x = trace.inputs[li]!;
      const dx = new Float32Array(n * l.inputs);
      const dw = withParams ? new Float32Array(l.w.length) : undefined;
      const db = withParams ? new Float32Array(l.b.length) : undefined;
      for (let r = 0; r < n; r++) {
        const xo = r * l.inputs;
        for (let o = 0; o < l.outputs; o++) {
          const g = dy[r * l.outputs + o]!;
          if (g === 0) continue;
          const wo = o * l.inputs;
          for (let i = 0; i < l.inputs; i++) dx[xo + i]! += g * l.w[wo + i]!;
          if (dw && db) {
            db[o]! += g;
            for (let i = 0; i < l.inputs; i++) dw[wo + i]! += g * x[xo + i]!;
          }
        }
      }
      if (dw && db) grads.unshift(dw, db);
      // Through the ReLU of the layer below (its output is this layer's input).
      if (li > 0) for (let j = 0; j < dx.length; j++) if (x[j]! <= 0) dx[j] = 0;
      dy = dx;
    }
    return { params: grads, input: dy };
  }
}

/** PyTorch's Adam (no weight decay, no amsgrad). */
export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(
    private readonly params: readonly Float32Array[],
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  step(grads: readonly Float32Array[]): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = Math.sqrt(1 - this.beta2 ** this.t);
    const step = this.lr / c1;
    this.params.forEach((p, k) => {
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * g[i]!;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * g[i]! * g[i]!;
        p[i] = p[i]! - (step * m[i]!) / (Math.sqrt(v[i]!) / c2 + this.eps);
      }
    });
  }
}

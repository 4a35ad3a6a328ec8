// Per-channel loss-gradient statistics of chosen values, recorded during the dnnl engine's backward
// pass (Group Fisher, Taylor): per sample and channel s[n, c] = N·Σ_hw a·∂L/∂a from the value and its
// whole gradient read plain, summed over the batch as Σ s and Σ s². The formula and scaling are those
// of src/measure/gradient-stats.ts (the ORT measurement pass), so the two agree where the samples are
// independent (no batch-statistics BN upstream of the loss).

import type { DnnlAddon, DnnlTensor } from '../../runtime/dnnl.js';
import type { ChannelGradientStats } from '../step-engine.js';

export class GradientStatsRecorder {
  private readonly stats = new Map<string, ChannelGradientStats>();
  private readonly plain = new Map<string, { a: Float32Array; g: Float32Array }>();

  constructor(
    private readonly d: DnnlAddon,
    readonly values: ReadonlySet<string>,
  ) {}

  /** Forget the last step's statistics (before a step's backward pass). */
  reset(): void {
    this.stats.clear();
  }

  /** A value and its whole gradient, in the plan's layout (GradientTap). */
  readonly seen = (value: string, act: DnnlTensor, grad: DnnlTensor): void => {
    const dims = act.dims;
    const [n, c] = [dims[0]!, dims[1]!];
    const hw = dims.slice(2).reduce((x, y) => x * y, 1);
    const size = n * c * hw;
    const key = `${value}:${size}`;
    let p = this.plain.get(key);
    if (!p) {
      p = { a: new Float32Array(size), g: new Float32Array(size) };
      this.plain.set(key, p);
    }
    this.d.reorder(act, { data: p.a, dims });
    this.d.reorder(grad, { data: p.g, dims });
    const sum = new Float64Array(c);
    const fisher = new Float64Array(c);
    const perSample = new Float64Array(n * c);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < c; j++) {
        const at = (i * c + j) * hw;
        let s = 0;
        for (let k = 0; k < hw; k++) s += p.a[at + k]! * p.g[at + k]!;
        s *= n;
        perSample[i * c + j] = s;
        sum[j]! += s;
        fisher[j]! += s * s;
      }
    this.stats.set(value, { sum, fisher, samples: n, perSample });
  };

  read(): ReadonlyMap<string, ChannelGradientStats> {
    return this.stats;
  }
}

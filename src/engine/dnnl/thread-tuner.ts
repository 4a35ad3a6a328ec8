// How many OpenMP threads the oneDNN engine runs a step with. On a shared or busy machine a second
// thread can make a step slower, not faster: each of the hundreds of primitives per step ends at a
// barrier, and a worker whose core is taken by another process holds the whole step (issue 10 measured
// ResNet-56 at 5.4 s wall for 0.9 s of CPU per step under load, PyTorch 2.9 s). So the engine measures:
// it runs a few steps at the most threads allowed and a few at 1, keeps the faster per image, and
// re-measures the other count every `every` steps, since the load changes.

export interface ThreadTunerOptions {
  /** the most threads (the user's --threads, else the machine's) */
  readonly max: number;
  /** steps measured per count in a round (default 3; the first step of a plan is never measured) */
  readonly probe?: number;
  /** steps between rounds (default 64) */
  readonly every?: number;
}

export class ThreadTuner {
  private readonly candidates: readonly number[];
  private readonly probe: number;
  private readonly every: number;
  /** ms per image measured in the current round, per count */
  private readonly sums = new Map<number, { ms: number; images: number; steps: number }>();
  private best: number;
  private step = 0;
  /** where the current round started (step number) */
  private roundStart = 0;

  constructor(o: ThreadTunerOptions) {
    this.candidates = o.max > 1 ? [o.max, 1] : [1];
    this.probe = o.probe ?? 3;
    this.every = o.every ?? 64;
    this.best = this.candidates[0]!;
  }

  /** Threads for the next step. */
  next(): number {
    const k = this.step - this.roundStart;
    if (this.candidates.length > 1 && k < this.probe * this.candidates.length)
      return this.candidates[Math.floor(k / this.probe)]!;
    return this.best;
  }

  /** The step just run with `threads` took `ms` for `images` images (`measured`: not a plan's first). */
  done(threads: number, ms: number, images: number, measured: boolean): void {
    const k = this.step - this.roundStart;
    this.step++;
    if (this.candidates.length === 1) return;
    const probing = k < this.probe * this.candidates.length;
    if (probing && measured) {
      const s = this.sums.get(threads) ?? { ms: 0, images: 0, steps: 0 };
      this.sums.set(threads, { ms: s.ms + ms, images: s.images + images, steps: s.steps + 1 });
    }
    if (probing && k + 1 === this.probe * this.candidates.length) {
      let best = this.best;
      let bestRate = Infinity;
      for (const c of this.candidates) {
        const s = this.sums.get(c);
        if (!s || s.steps === 0) continue;
        const rate = s.ms / s.images;
        if (rate < bestRate) {
          bestRate = rate;
          best = c;
        }
      }
      this.best = best;
      this.sums.clear();
    }
    if (this.step - this.roundStart >= this.every) this.roundStart = this.step;
  }

  /** How many thread counts it chooses between (1: nothing to tune). */
  get counts(): number {
    return this.candidates.length;
  }

  /** The count the last completed round found fastest. */
  get threads(): number {
    return this.best;
  }
}

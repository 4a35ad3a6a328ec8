// Test support: run a training-step graph for a few steps through an injected executor, keeping the
// host state the way a training loop would.

import type { HostFeeds, HostTensor, Open, OpenSession } from '../executor.js';
import type { TrainingGraph } from '../training-graph.js';
import { advanceState, initialState } from '../training-state.js';

export interface StepFeeds {
  readonly batch: HostTensor;
  readonly labels: readonly number[];
  readonly lr: number;
  readonly step?: number;
  readonly extra?: HostFeeds;
}

export class StepHarness {
  readonly state: Map<string, HostTensor>;

  private constructor(
    readonly tg: TrainingGraph,
    private readonly session: OpenSession,
  ) {
    this.state = initialState(tg);
  }

  static async create(open: Open, tg: TrainingGraph): Promise<StepHarness> {
    return new StepHarness(tg, await open(tg.model));
  }

  feeds(f: StepFeeds, overrides: ReadonlyMap<string, HostTensor> = new Map()): HostFeeds {
    const out: Record<string, HostTensor> = {
      ...Object.fromEntries(this.state),
      ...Object.fromEntries(overrides),
      ...(f.extra ?? {}),
    };
    out[this.tg.batch] = f.batch;
    out[this.tg.labels] = { dims: [f.labels.length], data: BigInt64Array.from(f.labels.map(BigInt)) };
    out[this.tg.lr] = { dims: [], data: Float32Array.of(f.lr) };
    if (this.tg.step) out[this.tg.step] = { dims: [], data: Float32Array.of(f.step ?? 1) };
    return out;
  }

  /** One step: returns the outputs and advances the state. */
  async step(f: StepFeeds): Promise<Record<string, HostTensor>> {
    const out = await this.session.run(this.feeds(f));
    advanceState(this.tg, this.state, out);
    return out;
  }

  /** The loss with some state inputs replaced, without advancing. */
  async lossAt(f: StepFeeds, overrides: ReadonlyMap<string, HostTensor>): Promise<number> {
    const out = await this.session.run(this.feeds(f, overrides), [this.tg.loss]);
    return Number(out[this.tg.loss]!.data[0]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

// CACP's DDPG agent: an actor (state → kept fraction in (0, 1), sigmoid output) and a critic
// (state, action → value), each with two hidden ReLU layers, target copies updated softly, a replay
// memory sampled uniformly, and a moving-average reward baseline. Values and their sources are in
// docs/methods.md (CACP); the paper names DDPG, the numbers come from the authors' CACPpruner code.

import { Adam, Mlp } from '../train/mlp.js';
import { Rng } from '../util/rng.js';

export interface DdpgOptions {
  /** Hidden units of both hidden layers (CACPpruner search_vgg.py --hidden1/--hidden2: 300). */
  readonly hidden?: number;
  /** Actor learning rate (--lr_a: 1e-4). */
  readonly actorLr?: number;
  /** Critic learning rate (--lr_c: 1e-3). */
  readonly criticLr?: number;
  /** Soft target update rate (--tau: 0.01). */
  readonly tau?: number;
  /** Discount (paper: γ = 1). */
  readonly discount?: number;
  /** Minibatch size (--bsize: 64). */
  readonly batchSize?: number;
  /** Factor of the moving-average reward baseline (lib/agent.py moving_alpha: 0.5). */
  readonly baselineAlpha?: number;
}

export interface Transition {
  readonly state: Float32Array;
  readonly action: number;
  readonly reward: number;
  readonly next: Float32Array;
  readonly done: boolean;
}

export class DdpgAgent {
  private readonly actor: Mlp;
  private readonly actorTarget: Mlp;
  private readonly critic: Mlp;
  private readonly criticTarget: Mlp;
  private readonly actorOpt: Adam;
  private readonly criticOpt: Adam;
  private readonly memory: Transition[] = [];
  private memoryNext = 0;
  private baseline: number | undefined;
  private readonly rng: Rng;
  readonly o: Required<DdpgOptions>;

  constructor(
    readonly stateSize: number,
    readonly memoryLimit: number,
    seed: number,
    options: DdpgOptions = {},
  ) {
    this.o = {
      hidden: options.hidden ?? 300,
      actorLr: options.actorLr ?? 1e-4,
      criticLr: options.criticLr ?? 1e-3,
      tau: options.tau ?? 0.01,
      discount: options.discount ?? 1,
      batchSize: options.batchSize ?? 64,
      baselineAlpha: options.baselineAlpha ?? 0.5,
    };
    this.rng = new Rng(seed);
    const h = this.o.hidden;
    this.actor = new Mlp([stateSize, h, h, 1], this.rng, { output: 'sigmoid' });
    this.actorTarget = new Mlp([stateSize, h, h, 1], this.rng, { output: 'sigmoid' });
    this.actorTarget.copyFrom(this.actor);
    this.critic = new Mlp([stateSize + 1, h, h, 1], this.rng);
    this.criticTarget = new Mlp([stateSize + 1, h, h, 1], this.rng);
    this.criticTarget.copyFrom(this.critic);
    this.actorOpt = new Adam(this.actor.params(), this.o.actorLr);
    this.criticOpt = new Adam(this.critic.params(), this.o.criticLr);
  }

  /** The actor's action for one state (no exploration noise). */
  act(state: Float32Array): number {
    return this.actor.forward(state, 1).output[0]!;
  }

  /** The critic's value of (state, action). */
  value(state: Float32Array, action: number): number {
    return this.critic.forward(joined([state], [action], this.stateSize), 1).output[0]!;
  }

  get memorySize(): number {
    return this.memory.length;
  }

  /** Store a transition (a ring buffer of `memoryLimit`). */
  observe(t: Transition): void {
    if (this.memory.length < this.memoryLimit) this.memory.push(t);
    else this.memory[this.memoryNext] = t;
    this.memoryNext = (this.memoryNext + 1) % this.memoryLimit;
  }

  /** One DDPG update on a minibatch drawn from the memory. */
  update(): void {
    const batch = this.sample();
    const n = batch.length;
    const d = this.stateSize;
    const rewards = Float32Array.from(batch, (t) => t.reward);
    // Rewards relative to a moving average of the batch means (lib/agent.py update_policy).
    const mean = rewards.reduce((a, b) => a + b, 0) / n;
    this.baseline =
      this.baseline === undefined ? mean : this.baseline + this.o.baselineAlpha * (mean - this.baseline);
    const states = stack(
      batch.map((t) => t.state),
      d,
    );
    const nexts = stack(
      batch.map((t) => t.next),
      d,
    );
    const nextActions = this.actorTarget.forward(nexts, n).output;
    const nextQ = this.criticTarget.forward(joinedFlat(nexts, nextActions, n, d), n).output;
    const targets = Float32Array.from(
      batch,
      (t, i) => rewards[i]! - this.baseline! + (t.done ? 0 : this.o.discount * nextQ[i]!),
    );
    // Critic: mean squared error against the targets.
    const actions = Float32Array.from(batch, (t) => t.action);
    const criticTrace = this.critic.forward(joinedFlat(states, actions, n, d), n);
    const dq = Float32Array.from(criticTrace.output, (q, i) => (2 * (q - targets[i]!)) / n);
    this.criticOpt.step(this.critic.backward(criticTrace, dq).params);
    // Actor: maximise the critic's value of its own actions (loss −mean Q(s, μ(s))).
    const actorTrace = this.actor.forward(states, n);
    const qTrace = this.critic.forward(joinedFlat(states, actorTrace.output, n, d), n);
    const dInput = this.critic.backward(qTrace, new Float32Array(n).fill(-1 / n), false).input;
    const dAction = Float32Array.from({ length: n }, (_, i) => dInput[i * (d + 1) + d]!);
    this.actorOpt.step(this.actor.backward(actorTrace, dAction).params);
    this.actorTarget.softUpdate(this.actor, this.o.tau);
    this.criticTarget.softUpdate(this.critic, this.o.tau);
  }

  /** Uniform minibatch: without replacement when the memory is large enough. */
  private sample(): Transition[] {
    const size = this.memory.length;
    const n = this.o.batchSize;
    if (size <= n) return Array.from({ length: n }, () => this.memory[this.rng.int(size)]!);
    const idx = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < n; i++) {
      const j = i + this.rng.int(size - i);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, n).map((i) => this.memory[i]!);
  }
}

function stack(rows: readonly Float32Array[], d: number): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    out.set(r, i * d);
  });
  return out;
}

function joined(states: readonly Float32Array[], actions: readonly number[], d: number): Float32Array {
  return joinedFlat(stack(states, d), Float32Array.from(actions), states.length, d);
}

/** Rows [state, action] for the critic. */
function joinedFlat(states: Float32Array, actions: ArrayLike<number>, n: number, d: number): Float32Array {
  const out = new Float32Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    out.set(states.subarray(i * d, (i + 1) * d), i * (d + 1));
    out[i * (d + 1) + d] = actions[i]!;
  }
  return out;
}

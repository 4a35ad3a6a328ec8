// The oneDNN engine (src/runtime/dnnl.ts): a layer executor, not an ONNX interpreter. The forward model
// is lowered layer by layer (program.ts, op-table.ts); one plan (primitives, buffers) per batch size
// runs forward, the loss on the host, backward in reverse and the optimizer on the host. Activations
// stay in oneDNN's blocked layouts between ops. Semantics match the ORT training graph (tested by
// engine-equivalence tests): BN batch statistics and running-statistic blend, PyTorch's cross-entropy
// with label smoothing, Hinton distillation, feature MSE and attention transfer at any computed value,
// SGD / Adam / AdamW as torch.optim, frozen parameters, channel masks (soft pruning: weights, gradients
// and optimizer state masked; masks change between steps through writeState, no rebuild), and an
// extra logits gradient from a host hook (EngineContext.logitsHook: AIP's adversarial term). Anything
// else (frozen BN) is a reason to fall back to ONNX Runtime.

import type { TrainingGraphOptions } from '../../autodiff/training-graph.js';
import { type DnnlAddon, dnnlUnavailable, loadDnnl } from '../../runtime/dnnl.js';
import type { HostTensor } from '../../runtime/session.js';
import { PareError } from '../../util/errors.js';
import type {
  ChannelGradientStats,
  EngineContext,
  Prepared,
  StepBatch,
  StepEngine,
  StepResult,
} from '../step-engine.js';
import { type TeacherRunner, teacherRunner } from '../teacher-runner.js';
import { GradientStatsRecorder } from './gradient-stats.js';
import { attentionTransfer, featureMse } from './host-feature-loss.js';
import { distillation, softmaxCrossEntropy } from './host-loss.js';
import { type OptimParam, optimizerStep } from './host-optim.js';
import { data, ParamStore } from './params.js';
import { buildPlan, type Plan, type PrimitiveInfo } from './plan.js';
import { type Program, program } from './program.js';
import { ThreadTuner } from './thread-tuner.js';

export interface DnnlEngineOptions {
  /** OpenMP threads for batch norm (default 1: its blocked kernel spins at barriers; engine-dnnl.md). */
  readonly bnThreads?: number;
  /**
   * Measure steps at the most threads and at 1 and keep the faster (default true; thread-tuner.ts).
   * false: always the most threads.
   */
  readonly tuneThreads?: boolean;
}

/** Why the oneDNN engine can't train with these options (undefined: it can). */
export function unsupportedOptions(o: TrainingGraphOptions): string | undefined {
  if (o.batchNorm === 'frozen') return 'frozen batch norm';
  return undefined;
}

/** The engine, or why it cannot run this model with these options. */
export async function prepareDnnl(ctx: EngineContext, o: DnnlEngineOptions = {}): Promise<Prepared> {
  const r = planDnnl(ctx, o);
  if ('reason' in r) return r;
  if (ctx.graph.teacher.length > 0) {
    const teacher = await teacherRunner(ctx.teacher, ctx.graph, {
      label: `${ctx.label} (teacher)`,
      ...(ctx.threads ? { threads: ctx.threads } : {}),
    });
    if (!teacher) return { reason: 'distillation needs a teacher model' };
    r.engine.teacher = teacher;
  }
  return r;
}

/** The engine without a teacher (synchronous: tests and the primitive listing). */
export function planDnnl(
  ctx: EngineContext,
  o: DnnlEngineOptions = {},
): { engine: DnnlEngine } | { reason: string } {
  const why = unsupportedOptions(ctx.options);
  if (why) return { reason: why };
  const d = loadDnnl(ctx.threads);
  if (!d) return { reason: dnnlUnavailable() };
  const prog = program(ctx.model, ctx.options, ctx.gradientStats);
  if ('reason' in prog) return prog;
  for (const v of ctx.gradientStats ?? [])
    if (!prog.layers.some((l) => l.output === v))
      return { reason: `gradient statistics at '${v}': not a value computed by a layer` };
  for (const f of ctx.options.loss?.features ?? [])
    if (!prog.layers.some((l) => l.output === f.student))
      return { reason: `feature loss at '${f.student}': not a value computed by a layer` };
  return { engine: new DnnlEngine(d, prog, ctx, o) };
}

export class DnnlEngine implements StepEngine {
  readonly name = 'dnnl';
  teacher: TeacherRunner | undefined;
  private readonly plans = new Map<number, Plan>();
  private readonly store: ParamStore;
  private readonly trained: OptimParam[];
  private readonly tuner: ThreadTuner;
  private readonly gradients: GradientStatsRecorder | undefined;
  private threads: number;
  /** plain value and gradient buffers of each feature loss's student value, per batch size */
  private readonly featureBuffers = new Map<string, { value: Float32Array; grad: Float32Array }>();
  private buffers:
    | { n: number; logits: Float32Array; dlogits: Float32Array; teacher: Float32Array }
    | undefined;

  constructor(
    private readonly d: DnnlAddon,
    private readonly prog: Program,
    private readonly ctx: EngineContext,
    private readonly o: DnnlEngineOptions,
  ) {
    this.threads = ctx.threads ?? d.getNumThreads();
    this.tuner = new ThreadTuner({ max: o.tuneThreads === false ? 1 : this.threads });
    this.store = new ParamStore(d, prog.params, prog.running);
    if (ctx.gradientStats?.length) this.gradients = new GradientStatsRecorder(d, new Set(ctx.gradientStats));
    const store = this.store;
    this.trained = [...prog.params.values()]
      .filter((p) => !p.frozen)
      .map((p) => ({
        get w() {
          return data(p.w);
        },
        get g() {
          return data(p.g);
        },
        decay: p.decay,
        buffer: (kind) => store.buffer(p, kind),
      }));
  }

  private plan(n: number): Plan {
    let plan = this.plans.get(n);
    if (!plan) {
      const g = this.gradients;
      plan = buildPlan(
        this.d,
        this.prog,
        this.store,
        n,
        this.o.bnThreads ?? 1,
        g && { values: g.values, seen: g.seen },
      );
      this.plans.set(n, plan);
    }
    return plan;
  }

  /** The primitives of a step at batch size `n` and oneDNN's implementation of each (builds the plan). */
  primitives(n: number): readonly PrimitiveInfo[] {
    return this.plan(n).primitives;
  }

  async step(batch: StepBatch, lr: number, step: number): Promise<StepResult> {
    const [n, c, h, w] = batch.dims;
    const [pc, ph, pw] = this.prog.inputShape;
    if (c !== pc || h !== ph || w !== pw)
      throw new PareError(
        'PARE_SHAPE',
        `dnnl engine: batch [${batch.dims.join(', ')}] does not match the input [N, ${pc}, ${ph}, ${pw}]`,
      );
    const k = this.prog.classes;
    if (this.buffers?.n !== n)
      this.buffers = {
        n,
        logits: new Float32Array(n * k),
        dlogits: new Float32Array(n * k),
        teacher: new Float32Array(n * k),
      };
    const b = this.buffers;
    const x = batch.x.subarray(0, n * c * h * w);
    // The teacher runs in ONNX Runtime's threads while the student's forward runs here.
    const teacherOut = this.teacher?.run({ dims: [n, c, h, w], data: x });
    const threads = this.tuner.counts > 1 ? this.tuner.next() : this.threads;
    this.d.setNumThreads(threads);
    const measured = this.plans.has(n);
    const t0 = performance.now();
    teacherOut?.catch(() => undefined); // awaited below; a failure after a oneDNN error is not unhandled
    let teacherMs = 0;
    try {
      const plan = this.plan(n);
      plan.input.data.set(x);
      plan.reset();
      this.store.maskForward();
      for (const f of plan.forward) f();
      plan.read(this.prog.logits, b.logits);
      const loss = this.ctx.options.loss;
      const smoothing = loss?.labelSmoothing ?? 0;
      let feeds: Record<string, HostTensor> | undefined;
      if (teacherOut) {
        const t1 = performance.now();
        feeds = await teacherOut;
        teacherMs = performance.now() - t1;
      }
      let r: { loss: number; correct: number };
      if (feeds && loss?.distillation) {
        b.teacher.set(feeds[this.teacherInput('logits')]!.data as Float32Array);
        r = distillation(b.logits, b.teacher, batch.labels, n, k, smoothing, loss.distillation, b.dlogits);
      } else {
        r = softmaxCrossEntropy(b.logits, batch.labels, n, k, smoothing, b.dlogits);
      }
      let total = r.loss;
      let featureLoss = 0;
      for (const f of loss?.features ?? []) {
        const dims = plan.dims(f.student);
        const size = dims.reduce((a, v) => a * v, 1);
        const key = `${f.student}:${n}`;
        let fb = this.featureBuffers.get(key);
        if (!fb) {
          fb = { value: new Float32Array(size), grad: new Float32Array(size) };
          this.featureBuffers.set(key, fb);
        }
        plan.read(f.student, fb.value);
        fb.grad.fill(0);
        const t = feeds?.[this.teacherInput(f.student)];
        if (!t) throw new PareError('PARE_INTERNAL', `dnnl engine: no teacher value for '${f.student}'`);
        const tv = t.data as Float32Array;
        const weight = f.weight ?? 1;
        const hw = size / (n * dims[1]!);
        featureLoss +=
          f.kind === 'mse'
            ? featureMse(fb.value, tv, weight, fb.grad)
            : attentionTransfer(fb.value, tv, n, dims[1]!, t.dims[1]!, hw, weight, fb.grad);
        plan.seed(f.student, fb.grad);
      }
      total += featureLoss;
      const terms: Record<string, number> = { logits: r.loss, features: featureLoss };
      const hook = this.ctx.logitsHook;
      if (hook) {
        const teacher = feeds && loss?.distillation ? b.teacher : undefined;
        const h = hook({ logits: b.logits, teacher, labels: batch.labels, n, k, step }, b.dlogits);
        total += h.loss;
        Object.assign(terms, { hook: h.loss }, h.terms);
      }
      plan.seed(this.prog.logits, b.dlogits);
      this.gradients?.reset();
      for (let i = plan.backward.length - 1; i >= 0; i--) plan.backward[i]!();
      this.store.maskGradients();
      optimizerStep(this.ctx.options.optimizer, this.trained, lr, step);
      this.store.maskState();
      this.tuner.done(threads, performance.now() - t0 - teacherMs, n, measured);
      return { loss: total, correct: r.correct, teacherMs, terms };
    } catch (e) {
      throw dnnlError(e);
    }
  }

  /** The training graph's teacher input feeding `target` ('logits' or a student value). */
  private teacherInput(target: string): string {
    const t = this.ctx.graph.teacher.find((x) => x.target === target);
    if (!t)
      throw new PareError(
        'PARE_INTERNAL',
        `dnnl engine: the training graph has no teacher input for '${target}'`,
      );
    return t.input;
  }

  readGradientStats(): ReadonlyMap<string, ChannelGradientStats> {
    return this.gradients?.read() ?? new Map();
  }

  readState(state: Map<string, HostTensor>): void {
    this.store.read(this.ctx.graph, state);
  }

  writeState(state: ReadonlyMap<string, HostTensor>): void {
    this.store.write(this.ctx.graph, state);
  }

  async release(): Promise<void> {
    await this.teacher?.release();
    this.plans.clear();
  }
}

/** The addon throws plain Errors with code PARE_DNNL (a oneDNN failure: not a bug in pare). */
export function dnnlError(e: unknown): unknown {
  if (e instanceof Error && (e as { code?: string }).code === 'PARE_DNNL' && !(e instanceof PareError))
    return new PareError('PARE_DNNL', e.message, {
      cause: e,
      notes: ['oneDNN failed (out of memory, or an unsupported CPU); --engine nchwc trains without it'],
    });
  return e;
}

// The ONNX Runtime engine: one run of the training-step graph per batch (NCHWc-lowered onto ORT's
// blocked kernels when this build passes the probe, nchwc/), the state carried on the host as the
// graph's state map and advanced from the step's outputs. Runs every option the training graph has.

import { advanceState, initialState } from '../../autodiff/training-state.js';
import type { Model } from '../../ir/model.js';
import { nchwcBlockOrder } from '../../runtime/cpu-isa.js';
import { type HostTensor, Session, type SessionOptions } from '../../runtime/session.js';
import { PareError } from '../../util/errors.js';
import type { EngineContext, StepBatch, StepEngine, StepResult } from '../step-engine.js';
import { type TeacherRunner, teacherRunner } from '../teacher-runner.js';
import { modelForOrt } from './nchwc/model-for-ort.js';

export interface OrtEngineOptions {
  /** 'nchwc': lower onto ORT's blocked kernels (throws when the probe fails); 'standard': plain ops. */
  readonly lowering: 'auto' | 'nchwc' | 'standard';
}

export async function prepareOrt(ctx: EngineContext, o: OrtEngineOptions): Promise<StepEngine> {
  const tg = ctx.graph;
  const open = (m: Model) => Session.create(m, { threads: 1 });
  const ort = await modelForOrt(tg.model, open, {
    nchwc: o.lowering !== 'standard',
    blocks: nchwcBlockOrder(),
  });
  const block = ort.nchwcBlock;
  if (o.lowering === 'nchwc' && block === undefined) {
    throw new PareError('PARE_RUNTIME', 'the NCHWc engine is not available in this ONNX Runtime build', {
      notes: ['use --engine standard (or auto, which falls back by itself)'],
    });
  }
  const sessionOptions: SessionOptions = {
    label: `${ctx.label} (training step)`,
    ...(ctx.threads ? { threads: ctx.threads } : {}),
  };
  const teacher = await teacherRunner(ctx.teacher, tg, sessionOptions);
  const session = await Session.create(ort.model, sessionOptions);
  return new OrtEngine(block === undefined ? 'standard' : `nchwc-${block}`, ctx, session, teacher);
}

class OrtEngine implements StepEngine {
  private readonly state: Map<string, HostTensor>;

  constructor(
    readonly name: string,
    private readonly ctx: EngineContext,
    private readonly session: Session,
    private readonly teacher: TeacherRunner | undefined,
  ) {
    this.state = initialState(ctx.graph);
  }

  async step(batch: StepBatch, lr: number, step: number): Promise<StepResult> {
    const tg = this.ctx.graph;
    const [n, c, h, w] = batch.dims;
    const feeds: Record<string, HostTensor> = Object.fromEntries(this.state);
    feeds[tg.batch] = { dims: [n, c, h, w], data: batch.x.subarray(0, n * c * h * w) };
    feeds[tg.labels] = { dims: [n], data: BigInt64Array.from(batch.labels.subarray(0, n), BigInt) };
    feeds[tg.lr] = { dims: [], data: Float32Array.of(lr) };
    if (tg.step) feeds[tg.step] = { dims: [], data: Float32Array.of(step) };
    const t0 = performance.now();
    if (this.teacher) Object.assign(feeds, await this.teacher.run(feeds[tg.batch]!));
    const teacherMs = performance.now() - t0;
    const out = await this.session.run(feeds);
    advanceState(tg, this.state, out);
    return {
      loss: Number(out[tg.loss]!.data[0]),
      correct: Number(out[tg.correct]!.data[0]),
      teacherMs,
    };
  }

  readState(state: Map<string, HostTensor>): void {
    for (const [k, v] of this.state) state.set(k, v);
  }

  writeState(state: ReadonlyMap<string, HostTensor>): void {
    for (const [k, v] of state) if (this.state.has(k)) this.state.set(k, v);
  }

  async release(): Promise<void> {
    await this.session.release();
    await this.teacher?.release();
  }
}

// verifyPlan: proof that surgery removed exactly the plan's channels. The masked original (oracle)
// and the pruned model run in ONNX Runtime on seeded random inputs; outputs must agree to
// max |diff| ≤ tolerance · scale, where the scale is the size of the values computed:
// - for an ordinary output, the largest |output| (of all outputs, as before);
// - for an output squashed into a bounded range (Sigmoid, Softmax, Tanh, HardSigmoid), at least that
//   range: such kernels have an absolute error of about 2^-24 whatever the value, so a sigmoid map near
//   0 (a text detector on random input) would otherwise fail on rounding alone. The value before the
//   squash is then checked too, relative to its own size, so a wrong cut that saturation hides from the
//   output is still caught.

import type { PruningPlan } from '../analysis/plan.js';
import type { TypedArray } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { type Feeds, type HostTensor, Session } from '../runtime/session.js';
import { PareError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { type ApplyOptions, applyPlan } from './apply-plan.js';
import { maskPlan } from './mask.js';

export interface VerifyOptions extends ApplyOptions {
  /** Random inputs (the batch when the batch dim is symbolic, else separate runs). Default 2. */
  readonly samples?: number;
  readonly seed?: number;
  /** Relative tolerance (default 1e-4). */
  readonly tolerance?: number;
  /** The pruned graph when already built (else applyPlan is run here). */
  readonly pruned?: Graph;
  /** Dims for inputs with symbolic non-batch dims. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  readonly threads?: number;
  /**
   * ORT graph optimisation for both sessions (default 'basic': constant folding only; the proof is
   * about pare's rewrite, and the heavier fusions only cost session time on big models).
   */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

export interface OutputCheck {
  readonly name: string;
  readonly maxAbsDiff: number;
  readonly maxAbsOutput: number;
  /** 'output': a graph output; 'pre-squash': the value a bounded output was squashed from. */
  readonly kind: 'output' | 'pre-squash';
  /** What the difference is measured against (see the file comment). */
  readonly scale: number;
  /** maxAbsDiff / scale (0 when both are 0). */
  readonly relativeError: number;
  /** The masked original itself produced NaN or ±Inf here: the model's values, not the surgery. */
  readonly nonFinite: boolean;
}

export interface VerifyResult {
  readonly passed: boolean;
  /** Over the graph outputs. */
  readonly maxAbsDiff: number;
  readonly maxAbsOutput: number;
  /** The largest maxAbsDiff / scale over every check (what `tolerance` bounds). */
  readonly relativeError: number;
  /** The check with that largest relative error. */
  readonly worst: OutputCheck | undefined;
  readonly tolerance: number;
  readonly samples: number;
  readonly seed: number;
  readonly outputs: readonly OutputCheck[];
}

export async function verifyPlan(
  model: Model,
  plan: PruningPlan,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const samples = options.samples ?? 2;
  const seed = options.seed ?? 0;
  const tolerance = options.tolerance ?? 1e-4;
  const masked = maskPlan(model.graph, plan, options);
  const pruned = options.pruned ?? applyPlan(model.graph, plan, options);
  const sessionOptions = {
    optimization: options.optimization ?? 'basic',
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  };
  const label = model.path ?? model.graph.name;
  const squashed = squashedOutputs(model.graph, pruned);
  const extra = [...squashed.values()].map((s) => s.pre);
  const a = await withExtraOutputs(masked, extra, () =>
    Session.create({ ...model, graph: masked }, { ...sessionOptions, label: `${label} (masked)` }),
  );
  const b = await withExtraOutputs(pruned, extra, () =>
    Session.create({ ...model, graph: pruned }, { ...sessionOptions, label: `${label} (pruned)` }),
  );
  const checks = new Map<string, RawCheck>();
  try {
    const rng = new Rng(seed);
    const batched = model.graph.feedInputs.every((v) => typeof v.type?.shape?.[0] !== 'number');
    for (let run = 0; run < (batched ? 1 : samples); run++) {
      const feeds = randomFeeds(model.graph, batched ? samples : 1, rng, options.inputShapes);
      const [ra, rb] = [await a.run(feeds), await b.run(feeds)];
      for (const [name, ta] of Object.entries(ra)) compare(name, ta, rb[name], checks, label);
    }
  } finally {
    await a.release();
    await b?.release();
  }
  const graphOutputs = new Set(model.graph.outputs.map((v) => v.name));
  const raw = [...checks].map(([name, c]) => ({ name, ...c }));
  const finals = raw.filter((c) => graphOutputs.has(c.name));
  const maxAbsDiff = Math.max(0, ...finals.map((o) => o.maxAbsDiff));
  const maxAbsOutput = Math.max(0, ...finals.map((o) => o.maxAbsOutput));
  const outputs: OutputCheck[] = raw.map((c) => {
    const output = graphOutputs.has(c.name);
    const scale = output
      ? Math.max(maxAbsOutput, squashed.get(c.name)?.range ?? 0)
      : // A pre-squash value: relative to its own size (it is what a wrong cut changes).
        c.maxAbsOutput;
    const relativeError =
      c.maxAbsDiff === 0 ? 0 : scale > 0 ? c.maxAbsDiff / scale : Number.POSITIVE_INFINITY;
    return { ...c, kind: output ? 'output' : 'pre-squash', scale, relativeError };
  });
  const worst = outputs.reduce<OutputCheck | undefined>(
    (w, c) => (w === undefined || c.relativeError > w.relativeError ? c : w),
    undefined,
  );
  const relativeError = worst?.relativeError ?? 0;
  return {
    // Outputs that are NaN or ±Inf in the original prove nothing about the cut: not passed (and
    // assertVerified blames the model's values).
    passed: relativeError <= tolerance && !outputs.some((o) => o.nonFinite),
    maxAbsDiff,
    maxAbsOutput,
    relativeError,
    worst,
    tolerance,
    samples,
    seed,
    outputs,
  };
}

function randomFeeds(g: Graph, batch: number, rng: Rng, shapes: VerifyOptions['inputShapes']): Feeds {
  const feeds: Record<string, HostTensor> = {};
  for (const v of g.feedInputs) {
    const given = shapes?.[v.name];
    const dims = given
      ? [...given]
      : (v.type?.shape ?? []).map((d, i) => {
          if (typeof d === 'number') return d;
          if (i === 0) return batch;
          throw new PareError('PARE_VERIFY', `input '${v.name}' has a dynamic dim ${i} ('${d ?? '?'}')`, {
            tensor: v.name,
            notes: ['give its dims with inputShapes (CLI: --input-shape name=1,3,224,224)'],
          });
        });
    const n = dims.reduce((x, y) => x * y, 1);
    if (v.type?.elemType !== 1)
      throw new PareError('PARE_VERIFY', `input '${v.name}' is not float32; verify feeds random floats`, {
        tensor: v.name,
      });
    feeds[v.name] = { dims, data: rng.fillNormal(new Float32Array(n)) };
  }
  return feeds;
}

/** Graph outputs made by a bounded squash: the value squashed (checked too) and the range. */
const BOUNDED: Readonly<Record<string, number>> = { Sigmoid: 1, HardSigmoid: 1, Softmax: 1, Tanh: 1 };

function squashedOutputs(original: Graph, pruned: Graph): Map<string, { pre: string; range: number }> {
  const out = new Map<string, { pre: string; range: number }>();
  for (const v of original.outputs) {
    const p = v.producer;
    const range = p ? BOUNDED[p.opType] : undefined;
    const pre = p?.inputs[0];
    if (range === undefined || !pre || pre.isConst || original.outputs.includes(pre)) continue;
    // Only where the pruned graph still computes the value under the same name.
    if (pruned.value(pre.name)?.producer) out.set(v.name, { pre: pre.name, range });
  }
  return out;
}

/** Create a session on `g` with `names` as extra outputs, leaving `g`'s outputs as they were. */
async function withExtraOutputs<T>(g: Graph, names: readonly string[], make: () => Promise<T>): Promise<T> {
  const before = g.outputs.length;
  for (const n of names) {
    const v = g.value(n);
    if (v && !g.outputs.includes(v)) g.outputs.push(v);
  }
  try {
    return await make();
  } finally {
    g.outputs.length = before;
  }
}

interface RawCheck {
  maxAbsDiff: number;
  maxAbsOutput: number;
  nonFinite: boolean;
}

function compare(
  name: string,
  a: HostTensor,
  b: HostTensor | undefined,
  checks: Map<string, RawCheck>,
  label: string,
): void {
  if (!b || a.dims.join(',') !== b.dims.join(','))
    throw new PareError(
      'PARE_VERIFY',
      `'${label}': output '${name}' is [${a.dims.join(', ')}] in the masked model but [${b?.dims.join(', ') ?? 'missing'}] after surgery`,
    );
  const c = checks.get(name) ?? { maxAbsDiff: 0, maxAbsOutput: 0, nonFinite: false };
  const [x, y] = [numbers(a.data), numbers(b.data)];
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      c.nonFinite = true;
      // NaN in both at the same place is agreement; record the difference otherwise.
      if (Object.is(x[i], y[i])) continue;
    } else c.maxAbsOutput = Math.max(c.maxAbsOutput, Math.abs(x[i]!));
    const d = Math.abs(x[i]! - y[i]!);
    c.maxAbsDiff = Math.max(c.maxAbsDiff, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
  }
  checks.set(name, c);
}

function numbers(d: TypedArray): ArrayLike<number> {
  return d instanceof BigInt64Array || d instanceof BigUint64Array
    ? Array.from(d, Number)
    : (d as ArrayLike<number>);
}

/** One line on how close the pruned model came, with the scale it is measured against. */
export function describeVerification(r: VerifyResult): string {
  const w = r.worst;
  const where = w && w.kind === 'pre-squash' ? ` (in '${w.name}', the value before the output squash)` : '';
  return (
    `max |pruned − masked| = ${r.maxAbsDiff.toExponential(2)} at output scale ${r.maxAbsOutput.toExponential(2)}; ` +
    `relative error ${r.relativeError.toExponential(2)}${where}, allowed ${r.tolerance.toExponential(0)}`
  );
}

/**
 * Throw PARE_VERIFY (nothing gets written) when the pruned model is not the masked original. When
 * the original itself computes NaN or ±Inf, the model's own values are blamed, not the surgery.
 */
export function assertVerified(result: VerifyResult, file: string): void {
  if (result.passed) return;
  const bad = result.outputs.find((o) => o.nonFinite);
  if (bad) {
    throw new PareError(
      'PARE_VERIFY',
      `cannot verify: the model itself computes NaN or infinite values in '${bad.name}' on random inputs`,
      {
        file,
        tensor: bad.name,
        notes: [
          'check the weights for NaN, Inf or huge values (pare inspect warns about them); nothing was written',
        ],
      },
    );
  }
  throw new PareError('PARE_VERIFY', `verification failed: ${describeVerification(result)}`, {
    file,
    notes: ['this is a bug in pare surgery; nothing was written. Please report it with the model and plan'],
  });
}

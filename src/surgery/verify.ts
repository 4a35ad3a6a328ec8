// verifyPlan: proof that surgery removed exactly the plan's channels. The masked original (oracle)
// and the pruned model run in ONNX Runtime on seeded random inputs; outputs must agree to
// max |diff| ≤ tolerance · max |output|.

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
}

export interface VerifyResult {
  readonly passed: boolean;
  readonly maxAbsDiff: number;
  readonly maxAbsOutput: number;
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
  const a = await Session.create(
    { ...model, graph: masked },
    { ...sessionOptions, label: `${label} (masked)` },
  );
  const b = await Session.create(
    { ...model, graph: pruned },
    { ...sessionOptions, label: `${label} (pruned)` },
  );
  const checks = new Map<string, { maxAbsDiff: number; maxAbsOutput: number }>();
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
  const outputs = [...checks].map(([name, c]) => ({ name, ...c }));
  const maxAbsDiff = Math.max(0, ...outputs.map((o) => o.maxAbsDiff));
  const maxAbsOutput = Math.max(0, ...outputs.map((o) => o.maxAbsOutput));
  return {
    passed: maxAbsDiff <= tolerance * maxAbsOutput,
    maxAbsDiff,
    maxAbsOutput,
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

function compare(
  name: string,
  a: HostTensor,
  b: HostTensor | undefined,
  checks: Map<string, { maxAbsDiff: number; maxAbsOutput: number }>,
  label: string,
): void {
  if (!b || a.dims.join(',') !== b.dims.join(','))
    throw new PareError(
      'PARE_VERIFY',
      `'${label}': output '${name}' is [${a.dims.join(', ')}] in the masked model but [${b?.dims.join(', ') ?? 'missing'}] after surgery`,
    );
  const c = checks.get(name) ?? { maxAbsDiff: 0, maxAbsOutput: 0 };
  const [x, y] = [numbers(a.data), numbers(b.data)];
  for (let i = 0; i < x.length; i++) {
    c.maxAbsOutput = Math.max(c.maxAbsOutput, Math.abs(x[i]!));
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

/** Throw PARE_VERIFY (nothing gets written) when the pruned model is not the masked original. */
export function assertVerified(result: VerifyResult, file: string): void {
  if (result.passed) return;
  throw new PareError(
    'PARE_VERIFY',
    `verification failed: pruned and masked outputs differ by ${result.maxAbsDiff.toExponential(2)} (allowed ${(result.tolerance * result.maxAbsOutput).toExponential(2)})`,
    {
      file,
      notes: ['this is a bug in pare surgery; nothing was written. Please report it with the model and plan'],
    },
  );
}

// Training-step speed of a zoo CNN on Fashion-MNIST-sized input (1×28×28), batch 128, 2 threads:
// the standard-op formulation vs the NCHWc one, with an ORT profile breakdown by op type.
// Prints one JSON object. Run: npx tsx bench/train-step.ts [--model resnet20] [--batch 128]
//   [--threads 2] [--steps 8] [--formulation standard,nchwc] [--profile]

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { HostTensor } from '../src/autodiff/executor.js';
import { buildTrainingGraph } from '../src/autodiff/training-graph.js';
import { initialState } from '../src/autodiff/training-state.js';
import { modelForOrt } from '../src/engine/ort/nchwc/model-for-ort.js';
import type { Model } from '../src/ir/model.js';
import { nchwcBlockOrder } from '../src/runtime/cpu-isa.js';
import { Session } from '../src/runtime/session.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/registry.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'resnet20' },
    batch: { type: 'string', default: '128' },
    threads: { type: 'string', default: '2' },
    steps: { type: 'string', default: '8' },
    formulation: { type: 'string', default: 'standard,nchwc' },
    profile: { type: 'boolean', default: false },
    top: { type: 'boolean', default: false },
    'keep-profile': { type: 'string' },
  },
});
const batch = Number(args.batch);
const threads = Number(args.threads);
const steps = Number(args.steps);

const forward = buildZooModel(args.model, { inputShape: [1, 28, 28], classes: 10, batch });
const tg = buildTrainingGraph(forward, { optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 5e-4 } });
const rng = new Rng(1);
const feeds: Record<string, HostTensor> = {
  ...Object.fromEntries(initialState(tg)),
  [tg.batch]: {
    dims: [batch, 1, 28, 28],
    data: Float32Array.from({ length: batch * 784 }, () => rng.normal()),
  },
  [tg.labels]: { dims: [batch], data: BigInt64Array.from({ length: batch }, () => BigInt(rng.int(10))) },
  [tg.lr]: { dims: [], data: Float32Array.of(0.01) },
};

async function measure(model: Model, profile: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'pare-prof-'));
  const extra = profile ? { enableProfiling: true, profileFilePrefix: join(dir, 'p') } : {};
  const s = await Session.create(model, { threads, extra });
  const fetch = [tg.loss, ...tg.state.map((x) => x.output)];
  for (let i = 0; i < 2; i++) await s.run(feeds, fetch);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await s.run(feeds, fetch);
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
  await s.release();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const result: Record<string, unknown> = {
    nodes: model.graph.nodes.length,
    stepMs: { median: round(median), min: round(times[0]!), max: round(times.at(-1)!) },
    imagesPerS: Math.round((batch * 1000) / median),
    // CPU time is what a busy machine distorts least: cpuMs / threads is the step time of an idle one.
    cpuMsPerStep: round(cpuMs),
    imagesPerSFromCpu: Math.round((batch * 1000 * threads) / cpuMs),
  };
  if (profile) result.profile = breakdown(dir);
  if (args['keep-profile'])
    cpSync(dir, `${args['keep-profile']}-${model.graph.nodes.length}`, { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Share of node time per op type from ORT's profile, over the timed runs (warm-up runs skipped). */
function breakdown(dir: string) {
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) return { error: 'ORT wrote no profile' };
  type Ev = { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } };
  const perNode = new Map<string, number>();
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Ev[];
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts - b.ts);
  const timed = runs.slice(-steps);
  const inTimedRun = (e: Ev) => timed.some((r) => e.ts >= r.ts && e.ts <= r.ts + r.dur);
  const perOp = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || !inTimedRun(e)) continue;
    const op = e.args?.op_name ?? '?';
    perOp.set(op, (perOp.get(op) ?? 0) + e.dur);
    const key = `${op} ${e.name.replace(/_kernel_time$/, '')}`;
    perNode.set(key, (perNode.get(key) ?? 0) + e.dur);
    total += e.dur;
  }
  const share = (m: Map<string, number>, n: number) =>
    Object.fromEntries(
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, us]) => [k, `${((100 * us) / total).toFixed(1)}%`]),
    );
  return { byOp: share(perOp, 14), topNodes: args.top ? share(perNode, 25) : undefined };
}

const round = (v: number) => Math.round(v * 10) / 10;
const out: Record<string, unknown> = { model: args.model, batch, threads, steps };
for (const f of args.formulation.split(',')) {
  if (f === 'standard') out.standard = await measure(tg.model, args.profile);
  else if (f === 'nchwc') {
    // The default path for ORT: lowered when the start-up probe passes.
    const ort = await modelForOrt(tg.model, (m) => Session.create(m, { threads: 1 }), {
      blocks: nchwcBlockOrder(),
    });
    out.nchwcBlock = ort.nchwcBlock ?? null;
    if (ort.nchwcBlock) out.nchwc = await measure(ort.model, args.profile);
  }
}
console.log(JSON.stringify(out));

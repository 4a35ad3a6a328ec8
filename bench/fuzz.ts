// Fuzz campaign: mutated models (bytes, protobuf fields, dims, attributes, weight values, names, op
// types) through read → analyze → prune --verify. Prints one JSON object with the outcome counts and
// the failing cases (seed and path, to replay). Success is 0 'internal', 'crash', 'hang' and
// 'input-changed'.
// Run: nice -n 10 npx tsx bench/fuzz.ts [cases=10000] [seed=1] > fuzz.json

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  type Mutation,
  mutate,
  mutationArb,
  type Outcome,
  runCase,
  seedModels,
} from '../test/helpers/fuzz-models.js';

const cases = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'pare-fuzz-'));
const models = seedModels();
const counts: Record<Outcome, number> = {
  ok: 0,
  typed: 0,
  internal: 0,
  crash: 0,
  hang: 0,
  'input-changed': 0,
};
/** Per mutation kind: outcomes of the cases that contain it. */
const kinds: Record<string, Partial<Record<Outcome, number>>> = {};
const failures: { mutations: Mutation[]; model: number; outcome: Outcome; detail?: string }[] = [];
const t0 = Date.now();
let done = 0;

const samples = fc.sample(
  fc.tuple(fc.nat({ max: models.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 3 })),
  { numRuns: cases, seed },
);
for (const [model, mutations] of samples) {
  const bytes = mutations.reduce((b, m) => mutate(b, m), models[model]!);
  const r = await runCase(dir, bytes, 60_000);
  counts[r.outcome]++;
  for (const kind of new Set(mutations.map((m) => m.kind))) {
    kinds[kind] ??= {};
    kinds[kind][r.outcome] = (kinds[kind][r.outcome] ?? 0) + 1;
  }
  if (r.outcome !== 'ok' && r.outcome !== 'typed') {
    const failure = { mutations, model, outcome: r.outcome, ...(r.detail ? { detail: r.detail } : {}) };
    if (failures.length < 50) failures.push(failure);
    process.stderr.write(`failure at case ${done}: ${JSON.stringify(failure)}\n`);
  }
  if (++done % 500 === 0) process.stderr.write(`${done}/${cases} ${JSON.stringify(counts)}\n`);
}
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    { cases: done, seed, seconds: (Date.now() - t0) / 1000, counts, byMutation: kinds, failures },
    null,
    1,
  ),
);

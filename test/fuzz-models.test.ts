// Property: a mutated model (bytes, protobuf fields, dims, attributes, weight values, names, op
// types) run through inspect → analyze → prune --verify ends in success or a typed error (exit 1):
// never exit 2, an escaped exception, a hang, or a changed input file. bench/fuzz.ts runs the same
// property over ≥ 10,000 cases.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutate, mutationArb, runCase, seedModels } from './helpers/fuzz-models.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('pare-fuzz-');
const models = seedModels();

describe('fuzzed models', () => {
  it('end in success or a typed error, never a crash, a hang or a changed input', async () => {
    const seen = { ok: 0, typed: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: models.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        async (model, mutations) => {
          const r = await runCase(dir, mutations.reduce(mutate, models[model]!), 30_000);
          expect(r.outcome, r.detail).toMatch(/^(ok|typed)$/);
          seen[r.outcome as 'ok' | 'typed']++;
        },
      ),
      { numRuns: 200, seed: 20261202 },
    );
    // Both kinds of outcome occur: the mutations neither all break the model nor all miss.
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.typed).toBeGreaterThan(0);
  }, 300_000);
});

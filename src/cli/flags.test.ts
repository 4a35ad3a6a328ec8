import { Command } from 'commander';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { compressOptionSchemas } from '../methods/compress.js';
import { pruneOptionSchemas } from '../methods/prune.js';
import { withRecipe } from '../methods/recipes.js';
import { PareError } from '../util/errors.js';
import { checkOptions, intAtLeast } from '../util/option-schemas.js';
import { compressFlags } from './compress-table.js';
import { addFlags, type FlagTable, fromText, list, optionsOf, readFlags, switchOff, text } from './flags.js';
import { pruneFlags } from './prune-table.js';

const table = {
  minChannels: { flags: '--min-channels <n>', help: 'fewest', default: '1', schema: fromText(intAtLeast(1)) },
  recover: { flags: '--recover <m>', help: 'how', default: 'none', schema: pruneOptionSchemas.recover },
  protect: { flags: '--protect <p>', help: 'never', repeatable: true, default: [], schema: list },
  latency: { flags: '--no-latency', help: 'skip', schema: switchOff },
  name: { flags: '--name <s>', help: 'a name', schema: text },
} satisfies FlagTable;

function parse(args: string[]) {
  const cmd = addFlags(new Command('t').exitOverride(), table);
  cmd.parse(args, { from: 'user' });
  return readFlags(table, cmd.opts());
}

describe('flag tables', () => {
  it('derive commander options and typed values (defaults, repeats, --no-x)', () => {
    expect(parse([])).toEqual({
      minChannels: 1,
      recover: 'none',
      protect: [],
      latency: true,
      name: undefined,
    });
    const v = parse([
      '--min-channels',
      '4',
      '--recover',
      'ls',
      '--protect',
      'a',
      '--protect',
      'b',
      '--no-latency',
    ]);
    expect(v).toEqual({
      minChannels: 4,
      recover: 'ls',
      protect: ['a', 'b'],
      latency: false,
      name: undefined,
    });
  });

  it('refuse a bad value with an error naming the flag and the value', () => {
    const refused = (args: string[]) => {
      try {
        parse(args);
      } catch (e) {
        expect(e).toBeInstanceOf(PareError);
        return (e as PareError).message;
      }
      throw new Error('accepted');
    };
    expect(refused(['--min-channels', '0'])).toBe("--min-channels '0': expected an integer ≥ 1");
    expect(refused(['--min-channels', 'two'])).toBe("--min-channels 'two': expected an integer ≥ 1");
    expect(refused(['--recover', 'magic'])).toBe("--recover 'magic': expected none, bn, fsm, ls");
  });

  it('a key that is not commander attribute name is a bug in the table', () => {
    const bad = { minimum: { flags: '--min-channels <n>', help: '', schema: text } } satisfies FlagTable;
    expect(() => addFlags(new Command('t'), bad)).toThrow(/flag table key 'minimum' is not minChannels/);
  });

  it("every prune flag's key matches its commander name; pass-through flags become pruneModel options", () => {
    const cmd = addFlags(new Command('prune').exitOverride(), pruneFlags);
    cmd.parse(['-o', 'x.onnx', '--score-norm', 'max', '--min-channels', '2', '--keep-residual'], {
      from: 'user',
    });
    const options = optionsOf(pruneFlags, readFlags(pruneFlags, cmd.opts()));
    expectTypeOf(options.minChannels).toEqualTypeOf<number | undefined>();
    expectTypeOf(options.normalize).toEqualTypeOf<
      'none' | 'mean' | 'max' | 'sum' | 'standardize' | undefined
    >();
    expect(options).toEqual({
      criterion: 'l1',
      roundTo: 'auto',
      minChannels: 2,
      protect: [],
      keepResidual: true,
      calibrationSamples: 512,
      recover: 'none',
      normalize: 'max',
      latencyAware: true,
    });
    // Left to a method: what it sets comes from it unless given.
    expect(
      optionsOf(pruneFlags, readFlags(pruneFlags, cmd.opts()), (k) => k === 'criterion'),
    ).not.toHaveProperty('criterion');
  });
});

describe('library options use the same schemas', () => {
  it('pruneModel names the option it refuses', async () => {
    const { pruneModel } = await import('../methods/prune.js');
    const { buildZooModel } = await import('../zoo/registry.js');
    const model = buildZooModel('lenet5', {});
    await expect(
      pruneModel(model, { target: { kind: 'uniform', ratio: 0.5 }, minChannels: 0 }),
    ).rejects.toThrow('pruneModel: option minChannels 0: expected an integer ≥ 1');
    await expect(
      pruneModel(model, { target: { kind: 'uniform', ratio: 0.5 }, method: 'nope' as 'cap' }),
    ).rejects.toThrow('pruneModel: option method "nope": unknown method');
  });

  it('compressModel checks its options with the schemas its CLI flags parse with', () => {
    expect(() => checkOptions('compressModel', compressOptionSchemas, { epochs: 0 })).toThrow(
      'compressModel: option epochs 0: expected an integer ≥ 1',
    );
    expect(() => checkOptions('compressModel', compressOptionSchemas, { engine: 'gpu' })).toThrow(
      'compressModel: option engine "gpu": expected auto, dnnl, nchwc, standard',
    );
    const raw = { output: 'o', target: 'macs=0.5', data: 'd', teacher: true, verify: true, latency: true };
    expect(() => readFlags(compressFlags, { ...raw, roundTo: 'auto', engine: 'gpu' })).toThrow(
      "--engine 'gpu': expected auto, dnnl, nchwc, standard",
    );
  });

  it('a method fills what the caller left unset, and only that', () => {
    const target = { kind: 'macs', fraction: 0.5 } as const;
    const cap = withRecipe({ method: 'cap', target });
    expect(cap).toMatchObject({
      criterion: 'cap',
      recover: 'ls',
      keepResidual: true,
      calibrationSamples: 512,
    });
    expect(cap.target).toEqual({ ...target, search: 'uniform' });
    expect(cap.leastSquares).toMatchObject({ features: 'original', ridge: 1e-6 });
    const mine = withRecipe({
      method: 'cap',
      target,
      criterion: 'l1',
      recover: 'none',
      leastSquares: { ridge: 1 },
    });
    expect(mine).toMatchObject({ criterion: 'l1', recover: 'none' });
    expect(mine.leastSquares).toMatchObject({ features: 'original', ridge: 1 });
    expect(withRecipe({ target })).toMatchObject({
      criterion: 'l1',
      recover: 'none',
      target: { search: 'global' },
    });
  });
});

// One options table per command: every flag declared once (commander flags, help, default and the
// zod schema that turns what commander hands over into the library's typed value). The commander
// options (addFlags) and the typed values (readFlags → FlagValues) are derived from the table, so a
// new flag is one entry; schemas come from the library where it has one (util/option-schemas.ts).

import { type Command, Option } from 'commander';
import { z } from 'zod';
import { PareError } from '../util/errors.js';

export interface Flag<S extends z.ZodType = z.ZodType, O extends string = string> {
  /** As commander takes them: '-o, --output <file>', '--verify', '--no-latency'. */
  readonly flags: string;
  readonly help: string;
  /** From commander's value (string, boolean, string[] or undefined) to the typed value. */
  readonly schema: S;
  /** The default as typed on the command line (commander shows it in help). */
  readonly default?: string | readonly string[];
  readonly required?: boolean;
  /** Each use appends to a list (`--protect a --protect b`). */
  readonly repeatable?: boolean;
  /** Hints added to a refused value's error. */
  readonly notes?: readonly string[];
  /** The library option this flag sets as it is (optionsOf collects them). */
  readonly option?: O;
}

/** A command's flags by commander attribute name; `O`: the library options flags may set. */
export type FlagTable<O extends string = string> = Readonly<Record<string, Flag<z.ZodType, O>>>;

/** The library options a table's pass-through flags set (those with `option`). */
export type FlagOptions<T extends FlagTable> = {
  -readonly [K in keyof T as T[K] extends { readonly option: infer O extends string } ? O : never]?: Exclude<
    z.output<T[K]['schema']>,
    undefined
  >;
};

/** The typed values of a table (what readFlags returns). */
export type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]: z.output<T[K]['schema']> };

const collect = (value: string, previous: string[]) => [...previous, value];

/** Add the table's flags to `cmd`, in table order. Keys are commander's attribute names. */
export function addFlags(cmd: Command, table: FlagTable): Command {
  for (const [key, f] of Object.entries(table)) {
    const option = new Option(f.flags, f.help);
    if (option.attributeName() !== key)
      throw new PareError('PARE_INTERNAL', `flag table key '${key}' is not ${option.attributeName()}`);
    if (f.repeatable) option.argParser(collect);
    if (f.default !== undefined) option.default(f.default);
    if (f.required) option.makeOptionMandatory();
    cmd.addOption(option);
  }
  return cmd;
}

/** Parse commander's values with the table's schemas; a refused value names its flag. */
export function readFlags<T extends FlagTable>(
  table: T,
  raw: Readonly<Record<string, unknown>>,
): FlagValues<T> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(table)) {
    const value = raw[key];
    const r = f.schema.safeParse(value);
    if (r.success) {
      out[key] = r.data;
      continue;
    }
    const issue = r.error.issues[0];
    const at = issue?.path[0];
    const shown = Array.isArray(value) && typeof at === 'number' ? value[at] : value;
    throw new PareError(
      'PARE_CONFIG',
      `${new Option(f.flags).long} '${String(shown)}': ${issue?.message ?? 'invalid'}`,
      f.notes ? { notes: f.notes } : {},
    );
  }
  return out as FlagValues<T>;
}

/**
 * The library options set by pass-through flags, from their typed values; a flag whose value is
 * unset, or that `skip` names, is left out (the library's default, or a method's, applies).
 */
export function optionsOf<T extends FlagTable>(
  table: T,
  values: FlagValues<T>,
  skip: (key: string) => boolean = () => false,
): FlagOptions<T> {
  const out: Record<string, unknown> = {};
  const given = values as Record<string, unknown>;
  for (const [key, f] of Object.entries(table))
    if (f.option && given[key] !== undefined && !skip(key)) out[f.option] = given[key];
  return out as FlagOptions<T>;
}

/** A flag's text read as the library's value: numeric text becomes a number first. */
export function fromText<S extends z.ZodType>(schema: S) {
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
    schema,
  );
}

/** Schemas for flag values commander hands over as they are. */
export const text = z.string().optional();
export const switchOn = z.boolean().optional();
/** `--no-x` flags: true unless given. */
export const switchOff = z.boolean();
export const list = z.array(z.string());

/** `--json` as most commands word it. */
export const jsonFlag = { flags: '--json', help: 'print one JSON object', schema: switchOn } satisfies Flag;

/** A required `-o, --output <file>` with this help. */
export function outputFlag(help: string) {
  return { flags: '-o, --output <file>', help, required: true, schema: z.string() } satisfies Flag;
}

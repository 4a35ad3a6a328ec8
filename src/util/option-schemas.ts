// Schemas for the scalar options of library functions, shared with the CLI's flag tables (a flag
// parses its text into the library's value with the very schema the library checks it with), and
// the check that turns a failed parse into a PARE_CONFIG error naming the option.

import { z } from 'zod';
import { PareError } from './errors.js';

/** An integer ≥ min; the message is the one the CLI prints after `--flag 'text':`. */
export function intAtLeast(min: number): z.ZodNumber {
  const error = `expected an integer ≥ ${min}`;
  return z.number({ error }).int({ error }).min(min, { error });
}

export function numberIn(lo = -Infinity, hi = Infinity): z.ZodNumber {
  const error = `expected a number in [${lo}, ${hi}]`;
  return z.number({ error }).min(lo, { error }).max(hi, { error });
}

/** One of a typed record's names (criteria, reducers, recoveries, ...). */
export function oneOf<const T extends readonly [string, ...string[]]>(
  names: T,
): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(names, { error: `expected ${names.join(', ')}` });
}

/** Names of a record as the non-empty tuple z.enum wants. */
export function namesOf<K extends string>(record: Readonly<Record<K, unknown>>): [K, ...K[]] {
  return Object.keys(record) as [K, ...K[]];
}

export type OptionSchemas = Readonly<Record<string, z.ZodType>>;

/**
 * Check the options `schemas` covers (absent ones are skipped): a PARE_CONFIG error names the
 * function and the option, e.g. `pruneModel: option minChannels 0: expected an integer ≥ 1`.
 */
export function checkOptions(where: string, schemas: OptionSchemas, options: object): void {
  const values = options as Record<string, unknown>;
  for (const [key, schema] of Object.entries(schemas)) {
    const value = values[key];
    if (value === undefined) continue;
    const r = schema.safeParse(value);
    if (!r.success)
      throw new PareError(
        'PARE_CONFIG',
        `${where}: option ${key} ${JSON.stringify(value)}: ${r.error.issues[0]?.message ?? 'invalid'}`,
      );
  }
}

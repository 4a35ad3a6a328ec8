// Golden list of broken inputs (test/fixtures/broken/errors.json): each file must fail with exactly
// the listed code, message and hint, naming the file / node / tensor concerned.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateGraph } from '../src/ir/validate.js';
import { readModel } from '../src/onnx/read.js';
import { PareError } from '../src/util/errors.js';
import { brokenFixtures } from './fixtures/broken/generate.js';

interface Golden {
  readonly file: string;
  readonly stage: 'read' | 'validate';
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

const root = path.join(import.meta.dirname, '..');
const rel = 'test/fixtures/broken';
const golden = JSON.parse(fs.readFileSync(path.join(root, rel, 'errors.json'), 'utf8')) as Golden[];

describe('broken fixtures', () => {
  it('are what generate.ts produces (regenerate with npx tsx test/fixtures/broken/generate.ts)', () => {
    for (const [name, bytes] of Object.entries(brokenFixtures())) {
      expect(Buffer.from(fs.readFileSync(path.join(root, rel, name))).equals(Buffer.from(bytes)), name).toBe(
        true,
      );
    }
  });

  it('messages name the file as given', () => {
    // The golden messages use paths relative to the repository root.
    expect(path.resolve(process.cwd())).toBe(path.resolve(root));
  });

  it.each(golden.map((g) => [g.file, g] as const))('%s', (_, g) => {
    const file = `${rel}/${g.file}`;
    if (g.stage === 'validate') {
      const errors = validateGraph(readModel(file).graph).filter((d) => d.severity === 'error');
      expect(errors[0]).toMatchObject({ code: g.code, text: g.message });
      return;
    }
    let caught: unknown;
    try {
      readModel(file);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PareError);
    const e = caught as PareError;
    expect({ code: e.code, message: e.message }).toEqual({ code: g.code, message: g.message });
    expect(e.file).toBe(file);
    if (g.hint !== undefined) expect(e.notes[0]).toBe(g.hint);
    if (e.tensor !== undefined) expect(e.message).toContain(`'${e.tensor}'`);
  });

  it('a zero-size initializer is not an error (empty tensors such as Resize roi are legal)', () => {
    const m = readModel(`${rel}/zero-size-initializer.onnx`);
    expect(m.graph.mustValue('roi').const!.dims).toEqual([0]);
    expect(validateGraph(m.graph)).toEqual([]);
  });
});

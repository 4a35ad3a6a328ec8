// Where the shipped test fixtures live, for tests anywhere in the tree (imported as '#test/fixture-paths.js').

import { join } from 'node:path';

/** A path under test/fixtures/. */
export function fixturePath(...parts: string[]): string {
  return join(import.meta.dirname, 'fixtures', ...parts);
}

// What `npm pack` ships comes from the build's file list (package.json `files`: dist, bin, assets):
// no test, test support or test-only dependency may be compiled into dist/.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('the published package', () => {
  it('compiles no test code into dist/', () => {
    const listed = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], {
      cwd: root,
      encoding: 'utf8',
    });
    const ours = listed
      .split('\n')
      .map((f) => f.trim())
      .filter((f) => f.startsWith(join(root, 'src') + sep));
    expect(ours.length).toBeGreaterThan(100);
    const offenders = ours.filter((f) => {
      const text = readFileSync(f, 'utf8');
      return (
        /\.test\.ts$/.test(f) ||
        f.includes(`${sep}test-support${sep}`) ||
        /from '(vitest|fast-check)'/.test(text) ||
        /from '((\.\.\/)+test\/|#test\/)/.test(text)
      );
    });
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  }, 60_000);
});

// Golden help text for `pare --help` and every `pare <command> --help`: the options table refactor
// (issue 14) must leave help byte-identical apart from intended additions, which update the file
// under test/fixtures/cli-help/ in the same commit (`npx vitest run test/cli-help.test.ts -u`).

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commands } from '../src/cli/commands/index.js';
import { memoryIO } from '../src/cli/io.js';
import { run } from '../src/cli/main.js';

// Commander wraps help at the terminal's width when stdout is a TTY; the golden text is 80 columns.
const tty = { out: process.stdout.isTTY, err: process.stderr.isTTY };
beforeAll(() => {
  process.stdout.isTTY = false;
  process.stderr.isTTY = false;
});
afterAll(() => {
  process.stdout.isTTY = tty.out;
  process.stderr.isTTY = tty.err;
});

/** Help as the user sees it: subcommands write straight to process.stdout, the program to io. */
async function help(...args: string[]): Promise<string> {
  const io = memoryIO();
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    expect(await run(['node', 'pare', ...args, '--help'], io)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  expect(io.stderr).toEqual([]);
  return io.stdout.join('') + written.join('');
}

describe('pare --help', () => {
  it('pare --help is unchanged', async () => {
    await expect(await help()).toMatchFileSnapshot('fixtures/cli-help/pare.txt');
  });

  it.each(Object.keys(commands))('pare %s --help is unchanged', async (name) => {
    await expect(await help(name)).toMatchFileSnapshot(`fixtures/cli-help/${name}.txt`);
  });
});

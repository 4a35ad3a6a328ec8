// The CLI in process, as the tests call it: exit code, stdout and stderr as text.
import { memoryIO } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';

export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO();
  const code = await run(['node', 'pare', ...args], io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

// pare's command line: one commander program; each command lives in commands/<name>.ts.
// The only place that touches process (argv, exit code, stdout).

import { Command, CommanderError } from 'commander';
import { removeTempFiles } from '../util/atomic-write.js';
import { type CommandFactory, commands } from './commands/index.js';
import { reportError } from './errors.js';
import { Interrupted, interrupt } from './interrupt.js';
import { type CliIO, closeStream, processIO } from './io.js';

export const VERSION = '0.1.0';

export function buildProgram(io: CliIO): Command {
  const program = new Command('pare')
    .description('Structured channel pruning for ONNX CNNs: analyse, prune, recover, train, evaluate.')
    .version(VERSION)
    .option('--debug', 'show stack traces on errors')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const make of Object.values(commands) as CommandFactory[]) program.addCommand(make(io).exitOverride());
  return program;
}

/** Run the CLI; returns the exit code (0 ok, 1 bad input, 2 bug in pare). */
export async function run(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const program = buildProgram(io);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (err instanceof Interrupted) return err.exitCode;
    return reportError(err, io, debug);
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  installProcessHandlers();
  // Before the oneDNN addon loads (libgomp reads it once): idle OpenMP threads sleep instead of
  // spinning, which keeps a shared or small machine responsive (docs/engine-dnnl.md, finding 4).
  process.env.OMP_WAIT_POLICY ??= 'passive';
  process.exitCode = await run(argv);
}

/**
 * What a well-behaved command-line tool owes its shell: Ctrl-C or a kill removes half-written
 * temporary files before exiting (128 + signal number, as shells expect; `pare train` first writes a
 * checkpoint, cli/interrupt.ts); a reader that stops
 * early (`pare inspect m.onnx | head -3`) ends output quietly while the command finishes its work.
 */
function installProcessHandlers(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      // a command that stops cleanly (pare train: checkpoint first) takes the first Ctrl-C
      if (signal === 'SIGINT' && interrupt()) return;
      removeTempFiles();
      process.exit(code);
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closeStream(stream);
    });
  }
}

// Turning errors into what a person reads: code, message, what it concerns, hints; stack only with --debug.

import picocolors from 'picocolors';
import { PareError } from '../util/errors.js';
import type { CliIO } from './io.js';

/** Print an error and return the exit code: 1 for bad input, 2 for a bug in pare. */
export function reportError(err: unknown, io: CliIO, debug: boolean): number {
  // Colour only on a terminal (picocolors alone would also colour when CI is set).
  const pc = picocolors.createColors(io.isTTY && !('NO_COLOR' in process.env));
  if (err instanceof PareError) {
    const where = [
      err.file && `file: ${err.file}`,
      err.node && `node: ${err.node.opType} '${err.node.name}'`,
      err.tensor && `tensor: '${err.tensor}'`,
    ]
      .filter(Boolean)
      .join(', ');
    const lines = [`${pc.red('error')} ${pc.dim(err.code)}: ${err.message}`];
    if (where) lines.push(`  ${pc.dim(where)}`);
    for (const n of err.notes) lines.push(`  ${pc.cyan('hint:')} ${n}`);
    if (debug && err.stack) lines.push(err.stack);
    if (debug && err.cause instanceof Error && err.cause.stack) lines.push(`caused by: ${err.cause.stack}`);
    io.err(lines.join('\n'));
    return err.isInternal ? 2 : 1;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  io.err(
    [
      `${pc.red('internal error')}: ${e.message}`,
      '  this is a bug in pare; please report it with the command you ran',
      debug ? (e.stack ?? '') : '  re-run with --debug for the stack trace',
    ].join('\n'),
  );
  return 2;
}

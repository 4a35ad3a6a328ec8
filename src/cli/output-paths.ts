// Output paths are checked once, before any work: every command names its inputs and outputs here.
// Paths are compared after resolving symlinks, so `-o link-to-input.onnx` or `--plan-out` equal to
// `-o` is refused instead of destroying a file; an output must be a regular file (or not exist yet)
// in a folder that exists and is writable, so a run never fails at the end after the work is done.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { weightFiles } from '../onnx/external-data.js';
import { readModel } from '../onnx/read.js';
import { PareError } from '../util/errors.js';
import { realPath } from '../util/real-path.js';

/** A path given on the command line, with the flag or argument that named it (for messages). */
export interface NamedPath {
  readonly flag: string;
  readonly path: string;
}

/** What a path resolves to: the real file (symlinks followed) and what exists there. */
interface Resolved extends NamedPath {
  readonly real: string;
  readonly stat: fs.Stats | undefined;
}

/**
 * Refuse outputs that would destroy an input or another output, that are not regular files, or
 * whose folder is missing or not writable. Outputs that are undefined (options not given) are skipped.
 */
export function checkOutputPaths(
  inputs: readonly (NamedPath | undefined)[],
  outputs: readonly (NamedPath | undefined)[],
): void {
  const given = inputs.filter((p): p is NamedPath => p !== undefined);
  const outs = outputs.filter((p): p is NamedPath => p !== undefined).map(resolveReal);
  // An input model's external-data files are inputs too; only an output that exists already can be
  // one, so models are read for this only then.
  const dataFiles = outs.some((o) => o.stat) ? given.flatMap(externalDataOf) : [];
  const ins = [...given, ...dataFiles].map(resolveReal);
  outs.forEach((out, i) => {
    const input = ins.find((x) => x.real === out.real);
    if (input) {
      const via =
        path.resolve(out.path) === path.resolve(input.path) ? '' : ' (the same file by another path)';
      throw new PareError(
        'PARE_IO',
        `refusing to overwrite the input ${describeRole(input)} '${input.path}' with ${out.flag} '${out.path}'${via}`,
        { file: input.path, notes: [`choose another path for ${out.flag}`] },
      );
    }
    const other = outs.slice(0, i).find((x) => x.real === out.real);
    if (other) {
      throw new PareError(
        'PARE_IO',
        `${out.flag} '${out.path}' and ${other.flag} '${other.path}' are the same file; one would replace the other`,
        { file: out.path, notes: [`give ${out.flag} and ${other.flag} different paths`] },
      );
    }
    checkWritable(out);
  });
}

function externalDataOf(p: NamedPath): NamedPath[] {
  if (!p.path.endsWith('.onnx')) return [];
  let model: ReturnType<typeof readModel>;
  try {
    model = readModel(p.path);
  } catch {
    return []; // the command reports an unreadable model itself
  }
  return weightFiles(model).map((f) => ({ flag: `external data of ${p.flag}`, path: f }));
}

function describeRole(p: NamedPath): string {
  return p.flag.startsWith('-') ? `file of ${p.flag}` : p.flag;
}

/** Follow symlinks as far as they exist; a path that does not exist yet resolves through its folder. */
function resolveReal(p: NamedPath): Resolved {
  const real = realPath(p.path);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(real);
  } catch {}
  return { ...p, real, stat };
}

function checkWritable(out: Resolved): void {
  if (out.stat && !out.stat.isFile()) {
    throw new PareError(
      'PARE_IO',
      `${out.flag} '${out.path}' is ${kindOf(out.stat)}, not a regular file; pare writes outputs as new files that replace the old one`,
      { file: out.path, notes: ['name a regular file (one that does not exist yet is fine)'] },
    );
  }
  const dir = path.dirname(out.real);
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    throw new PareError('PARE_IO', `${out.flag} '${out.path}': the folder '${dir}' does not exist`, {
      file: out.path,
      notes: [`create it first (mkdir -p '${dir}') or choose another path`],
    });
  }
  if (!dirStat.isDirectory()) {
    throw new PareError('PARE_IO', `${out.flag} '${out.path}': '${dir}' is not a folder`, {
      file: out.path,
    });
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new PareError('PARE_IO', `${out.flag} '${out.path}': the folder '${dir}' is not writable`, {
      file: out.path,
      notes: ['choose a folder you can write to'],
    });
  }
}

function kindOf(s: fs.Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

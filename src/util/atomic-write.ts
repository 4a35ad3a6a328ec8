// Atomic file writes: a temporary file in the same folder, fsync, then rename, so a crash or a full
// disk never leaves a half-written model, plan or checkpoint behind.

import * as fs from 'node:fs';

/** Temporary files being written now: what an interrupted process must remove before it exits. */
const pending = new Set<string>();

/** A fresh temporary path beside `file`, registered until released. */
export function claimTempPath(file: string): string {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  pending.add(tmp);
  return tmp;
}

export function releaseTempPath(tmp: string): void {
  pending.delete(tmp);
}

/**
 * Remove every temporary file still being written (the CLI calls this on SIGINT/SIGTERM, when an
 * asynchronous write may be half done). Returns the paths removed.
 */
export function removeTempFiles(): string[] {
  const removed: string[] = [];
  for (const tmp of pending) {
    try {
      fs.rmSync(tmp, { force: true });
      removed.push(tmp);
    } catch {}
  }
  pending.clear();
  return removed;
}

/**
 * Write `content` (text, byte pieces, or a callback writing to the descriptor) to `file` atomically.
 * `beforeRename` runs once the data is safely on disk (e.g. to commit a companion file first).
 */
export function writeFileAtomic(
  file: string,
  content: string | readonly Uint8Array[] | ((fd: number) => void),
  beforeRename?: () => void,
): void {
  const tmp = claimTempPath(file);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'w');
  } catch (err) {
    releaseTempPath(tmp);
    throw err;
  }
  let open = true;
  try {
    if (typeof content === 'function') content(fd);
    else
      for (const p of typeof content === 'string' ? [Buffer.from(content, 'utf8')] : content) writeAll(fd, p);
    fs.fsyncSync(fd);
    open = false;
    fs.closeSync(fd);
    beforeRename?.();
    fs.renameSync(tmp, file);
    releaseTempPath(tmp);
  } catch (err) {
    if (open) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    releaseTempPath(tmp);
    throw err;
  }
}

export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
}

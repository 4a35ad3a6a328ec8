// Atomic file writes: a temporary file in the same folder, fsync, then rename, so a crash or a full
// disk never leaves a half-written model, plan or checkpoint behind.

import * as fs from 'node:fs';

/**
 * Write `content` (text, byte pieces, or a callback writing to the descriptor) to `file` atomically.
 * `beforeRename` runs once the data is safely on disk (e.g. to commit a companion file first).
 */
export function writeFileAtomic(
  file: string,
  content: string | readonly Uint8Array[] | ((fd: number) => void),
  beforeRename?: () => void,
): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = fs.openSync(tmp, 'w');
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
  } catch (err) {
    if (open) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
}

// Where a path really leads: symlinks followed as far as they exist, so that two names of one file
// compare equal. A path that does not exist yet resolves through its folder.

import * as fs from 'node:fs';
import * as path from 'node:path';

export function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    // Missing (or a dangling link): the folder decides where it would be written.
    let dir: string;
    try {
      dir = fs.realpathSync(path.dirname(abs));
    } catch {
      dir = path.dirname(abs);
    }
    return path.join(dir, path.basename(abs));
  }
}

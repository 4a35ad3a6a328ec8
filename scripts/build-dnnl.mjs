// `npm run build:dnnl`: build the optional oneDNN addon (native/dnnl -> build/Release/pare_dnnl.node)
// with node-gyp against the running Node's own headers (no download). Never fails unless --strict:
// without oneDNN or a compiler it says what to install and exits 0, and training keeps using ONNX
// Runtime. Needs: apt-get install -y libdnnl-dev g++ make (docs/engine-dnnl.md).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native', 'dnnl');
const out = join(dir, 'build', 'Release', 'pare_dnnl.node');
const hint = 'apt-get install -y libdnnl-dev g++ make, then npm run build:dnnl';

function give(reason) {
  console.error(`build:dnnl: ${reason}; the dnnl training engine stays off (ONNX Runtime is used). ${hint}`);
  process.exit(strict ? 1 : 0);
}

const headers = ['/usr/include/oneapi/dnnl/dnnl.hpp', '/usr/local/include/oneapi/dnnl/dnnl.hpp'];
if (!headers.some(existsSync) && !process.env.CPLUS_INCLUDE_PATH) give('oneDNN headers not found');

// node-gyp: a local install, else the one bundled with npm.
const req = createRequire(import.meta.url);
const candidates = [
  () => req.resolve('node-gyp/bin/node-gyp.js'),
  () => join(dirname(process.env.npm_execpath ?? ''), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  () =>
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
];
let gyp;
for (const c of candidates) {
  try {
    const p = c();
    if (existsSync(p)) {
      gyp = p;
      break;
    }
  } catch {}
}
if (!gyp) give('node-gyp not found');

// The running Node's headers (Debian: /usr/include/node), so node-gyp does not download them.
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const r = spawnSync(process.execPath, [gyp, 'rebuild', ...nodedir], { cwd: dir, stdio: 'inherit' });
if (r.status !== 0 || !existsSync(out)) give('the build failed (see above)');
try {
  const addon = req(out);
  console.error(`build:dnnl: built ${out} (oneDNN ${addon.version()})`);
} catch (e) {
  give(`the addon was built but does not load: ${String(e.message).split('\n')[0]}`);
}
